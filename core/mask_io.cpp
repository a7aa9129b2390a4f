#include "core/mask_io.h"

#include "core/core_error.h"
#include "core/image_io.h"
#include "core/npy_mat.h"
#include "io/atomic_file.h"
#include "io/files.h"
#include "io/json_writer.h"

#include "dermsam_version.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

namespace dermsam {

namespace {

constexpr const char* kSidecarFormat = "dermsam-mask-sidecar";
constexpr int kSidecarVersion = 1;

// Collapses colour to one channel: the maximum over the colour channels, alpha ignored.
cv::Mat singleChannel(const cv::Mat& values) {
    const int channels = values.channels();
    if (channels == 1)
        return values;
    if (channels == 2) {
        cv::Mat grey;
        cv::extractChannel(values, grey, 0);
        return grey;
    }
    std::vector<cv::Mat> planes;
    cv::split(values, planes);
    cv::Mat out = cv::max(planes[0], planes[1]);
    out = cv::max(out, planes[2]);
    return out;
}

// Both temporaries are written in full before either replaces its target (io/'s atomic writer:
// fsync, rename, fsync of the folder), so a failure leaves the old pair or, past the first
// commit, a new PNG with the old sidecar; never a half-written file.
void writeBothAtomically(const std::string& firstPath, const std::string& first,
                         const std::string* secondPath, const std::string* second) {
    rethrowAsCoreError([&] {
        io::AtomicFileWriter a(firstPath);
        std::optional<io::AtomicFileWriter> b;
        if (secondPath != nullptr)
            b.emplace(*secondPath);
        a.write(first);
        if (b)
            b->write(*second);
        a.commit();
        if (b)
            b->commit();
    });
}

std::string encodeMaskPng(const std::string& path, const cv::Mat& mask) {
    if (mask.empty() || mask.type() != CV_8UC1)
        throw CoreError(CoreErrorCode::BadMask, path, "mask must be CV_8UC1");
    cv::Mat binary;
    cv::compare(mask, 0, binary, cv::CMP_NE); // 0 / 255
    std::vector<uchar> bytes;
    if (!cv::imencode(".png", binary, bytes))
        throw CoreError(CoreErrorCode::FileWriteFailed, path, "PNG encoding failed");
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A sidecar is a few kilobytes (a calibration a few hundred bytes): a larger file is not one, and
// is refused before it is read whole.
constexpr std::size_t kMaxSidecarBytes = std::size_t(1) << 20;
constexpr std::size_t kMaxCalibrationBytes = std::size_t(64) << 10;

std::string readSmallFile(const std::string& path, std::size_t maxBytes, const char* what) {
    try {
        return io::readFile(path, maxBytes);
    } catch (const io::FileError& e) {
        if (e.kind() == io::FileErrorKind::Unsupported) // over maxBytes
            throw CoreError(CoreErrorCode::BadSidecar, path,
                            std::string("not a ") + what + ": " + e.detail());
        throw CoreError(e);
    }
}

MaskSidecar completed(MaskSidecar sidecar) {
    if (sidecar.createdUtc.empty())
        sidecar.createdUtc =
            QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString();
    if (sidecar.appVersion.empty())
        sidecar.appVersion = DERMSAM_VERSION_STRING;
    return sidecar;
}

} // namespace

cv::Mat binarizeMask(const cv::Mat& values, MaskValueRule rule) {
    if (values.empty() || values.dims != 2 || values.channels() > 4)
        throw CoreError(CoreErrorCode::BadMask, {}, "empty or not a 2-D mask");
    const int depth = values.depth();
    if (depth != CV_8U && depth != CV_16U && depth != CV_32S && depth != CV_32F && depth != CV_64F)
        throw CoreError(CoreErrorCode::BadMask, {}, "mask depth " + std::to_string(depth));
    const cv::Mat grey = singleChannel(values);

    cv::Mat nonZero;
    cv::compare(grey, 0, nonZero, cv::CMP_NE);
    if (rule == MaskValueRule::NonZero || depth == CV_32S)
        return nonZero;

    // Two-level mask ({0, v}): non-zero is lesion whatever v is.
    double minNonZero = 0;
    double maxValue = 0;
    cv::minMaxLoc(grey, nullptr, &maxValue, nullptr, nullptr, nonZero);
    cv::minMaxLoc(grey, &minNonZero, nullptr, nullptr, nullptr, nonZero);
    if (cv::countNonZero(nonZero) == 0 || minNonZero == maxValue)
        return nonZero;

    double threshold = 0.5; // float probability maps
    if (depth == CV_8U)
        threshold = 128;
    else if (depth == CV_16U)
        threshold = 128.0 * 257.0;
    cv::Mat lesion;
    cv::compare(grey, threshold, lesion, cv::CMP_GT);
    return lesion;
}

std::string maskPathFor(const std::string& dir, const std::string& stem) {
    return (std::filesystem::path(dir) / (stem + "_segmentation.png")).string();
}

std::string sidecarPathFor(const std::string& maskPngPath) {
    return std::filesystem::path(maskPngPath).replace_extension(".json").string();
}

// Written with io's one JSON writer in the layout QJsonDocument::Indented gave these files
// before (keys sorted as QJsonObject sorts them, four-space indent, shortest round-trip doubles),
// so a sidecar saved again is byte for byte what the older version wrote (tst_mask_io).
std::string sidecarToJson(const MaskSidecar& sidecar, int maskWidth, int maskHeight) {
    io::JsonWriter j(io::JsonLayout::Indented, io::JsonDoubles::Shortest);
    j.beginObject();
    j.field("appVersion", sidecar.appVersion);
    j.field("created", sidecar.createdUtc);
    j.field("edited", sidecar.edited);
    j.field("format", kSidecarFormat);
    j.field("formatVersion", kSidecarVersion);
    j.field("height", maskHeight);

    // One value per name (the last, as before), in name order; undefined values left out.
    std::map<std::string, double> measurements;
    for (const auto& [name, value] : sidecar.measurements)
        if (std::isfinite(value))
            measurements[name] = value;
    j.key("measurements").beginObject();
    for (const auto& [name, value] : measurements)
        j.field(name, value);
    j.endObject();

    j.key("model").beginObject();
    if (sidecar.decoder == DecoderHead::Auto)
        j.field("decoder", "auto");
    j.field("file", sidecar.modelFile).field("sha256", sidecar.modelHash);
    j.endObject();
    j.field("operator", sidecar.operatorName);

    j.key("pixelSize").beginObject();
    if (sidecar.calibrationLine) {
        j.key("calibrationLine").beginArray();
        for (const double v : *sidecar.calibrationLine)
            j.value(v);
        j.endArray();
    }
    const bool sized = sidecar.pixelSizeRowMm > 0 && sidecar.pixelSizeColMm > 0;
    if (sized)
        j.field("colMm", sidecar.pixelSizeColMm);
    if (sized)
        j.field("rowMm", sidecar.pixelSizeRowMm);
    j.field("source", sidecar.pixelSizeSource);
    j.endObject();

    j.key("predictedIou");
    if (sidecar.predictedIou && std::isfinite(*sidecar.predictedIou))
        j.value(*sidecar.predictedIou);
    else
        j.null();
    j.field("preprocessing", sidecar.preprocessingProfile);

    j.key("prompts").beginObject();
    j.key("boxes").beginArray();
    for (const BoxPrompt& b : sidecar.prompts.boxes) {
        j.beginArray();
        for (const float v : {b.x0, b.y0, b.x1, b.y1})
            j.value(static_cast<double>(v));
        j.endArray();
    }
    j.endArray();
    j.field("multimask", sidecar.prompts.multimask);
    j.key("points").beginArray();
    for (const PointPrompt& p : sidecar.prompts.points)
        j.beginObject()
            .field("label", p.label)
            .field("x", static_cast<double>(p.x))
            .field("y", static_cast<double>(p.y))
            .endObject();
    j.endArray();
    j.endObject();

    j.field("sourceImage", sidecar.sourceImage);
    j.field("width", maskWidth);
    j.endObject();
    return j.str();
}

MaskSidecar sidecarFromJson(const std::string& json, const std::string& pathForErrors) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        throw CoreError(CoreErrorCode::BadSidecar, pathForErrors,
                        "offset " + std::to_string(error.offset) + ": " +
                            error.errorString().toStdString());
    const QJsonObject root = doc.object();
    if (root.value("format").toString() != kSidecarFormat)
        throw CoreError(CoreErrorCode::BadSidecar, pathForErrors, "not a DermSAM mask sidecar");
    if (root.value("formatVersion").toInt() > kSidecarVersion)
        throw CoreError(CoreErrorCode::BadSidecar, pathForErrors, "newer format version");

    MaskSidecar s;
    const QJsonObject prompts = root.value("prompts").toObject();
    for (const QJsonValue& v : prompts.value("boxes").toArray()) {
        const QJsonArray a = v.toArray();
        if (a.size() != 4)
            throw CoreError(CoreErrorCode::BadSidecar, pathForErrors, "box needs 4 numbers");
        s.prompts.boxes.push_back(
            {static_cast<float>(a[0].toDouble()), static_cast<float>(a[1].toDouble()),
             static_cast<float>(a[2].toDouble()), static_cast<float>(a[3].toDouble())});
    }
    for (const QJsonValue& v : prompts.value("points").toArray()) {
        const QJsonObject o = v.toObject();
        s.prompts.points.push_back({static_cast<float>(o.value("x").toDouble()),
                                    static_cast<float>(o.value("y").toDouble()),
                                    o.value("label").toInt(1)});
    }
    s.prompts.multimask = prompts.value("multimask").toBool(false);
    s.sourceImage = root.value("sourceImage").toString().toStdString();
    const QJsonObject model = root.value("model").toObject();
    s.modelFile = model.value("file").toString().toStdString();
    s.modelHash = model.value("sha256").toString().toStdString();
    // Anything else is the mask decoder: files older than the Auto decoder have no entry.
    if (model.value("decoder").toString() == QLatin1String("auto"))
        s.decoder = DecoderHead::Auto;
    s.preprocessingProfile = root.value("preprocessing").toString().toStdString();
    if (root.value("predictedIou").isDouble())
        s.predictedIou = root.value("predictedIou").toDouble();
    s.edited = root.value("edited").toBool(false);
    s.createdUtc = root.value("created").toString().toStdString();
    s.appVersion = root.value("appVersion").toString().toStdString();
    s.operatorName = root.value("operator").toString().toStdString();
    const QJsonObject pixelSize = root.value("pixelSize").toObject();
    s.pixelSizeSource = pixelSize.value("source").toString(QStringLiteral("none")).toStdString();
    const double row = pixelSize.value("rowMm").toDouble(0),
                 col = pixelSize.value("colMm").toDouble(0);
    // Only a plausible size is taken: a hand-edited sidecar must not make every mm figure wrong.
    if (std::isfinite(row) && std::isfinite(col) && row > 0 && col > 0 && row < 1e3 && col < 1e3) {
        s.pixelSizeRowMm = row;
        s.pixelSizeColMm = col;
    }
    const QJsonArray line = pixelSize.value("calibrationLine").toArray();
    if (line.size() == 4)
        s.calibrationLine = std::array<double, 4>{line[0].toDouble(), line[1].toDouble(),
                                                  line[2].toDouble(), line[3].toDouble()};
    const QJsonObject measurements = root.value("measurements").toObject();
    for (auto it = measurements.begin(); it != measurements.end(); ++it)
        if (it.value().isDouble())
            s.measurements.emplace_back(it.key().toStdString(), it.value().toDouble());
    return s;
}

MaskSidecar loadMaskSidecar(const std::string& jsonPath) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(jsonPath, ec))
        throw CoreError(CoreErrorCode::FileNotFound, jsonPath);
    return sidecarFromJson(readSmallFile(jsonPath, kMaxSidecarBytes, "mask sidecar"), jsonPath);
}

void saveMaskPng(const std::string& maskPngPath, const cv::Mat& mask) {
    writeBothAtomically(maskPngPath, encodeMaskPng(maskPngPath, mask), nullptr, nullptr);
}

void saveMask(const std::string& maskPngPath, const cv::Mat& mask, const MaskSidecar& sidecar) {
    const std::string png = encodeMaskPng(maskPngPath, mask);
    const std::string jsonPath = sidecarPathFor(maskPngPath);
    if (jsonPath == maskPngPath)
        throw CoreError(CoreErrorCode::BadArgument, maskPngPath, "mask path ends in .json");
    const std::string json = sidecarToJson(completed(sidecar), mask.cols, mask.rows);
    writeBothAtomically(maskPngPath, png, &jsonPath, &json);
}

std::string calibrationPathFor(const std::string& dir, const std::string& stem) {
    return (std::filesystem::path(dir) / (stem + "_calibration.json")).string();
}

void saveCalibration(const std::string& path, const Calibration& c) {
    if (!(c.mmPerPixel > 0) || !std::isfinite(c.mmPerPixel))
        throw CoreError(CoreErrorCode::BadArgument, path, "pixel size must be positive");
    // Keys in QJsonObject's order, as QJsonDocument wrote this file before.
    io::JsonWriter j(io::JsonLayout::Indented, io::JsonDoubles::Shortest);
    j.beginObject().field("format", "dermsam-calibration").field("formatVersion", 1);
    j.key("line").beginArray();
    for (const double v : c.line)
        j.value(v);
    j.endArray();
    j.field("mmPerPixel", c.mmPerPixel).endObject();
    writeBothAtomically(path, j.str(), nullptr, nullptr);
}

std::optional<Calibration> loadCalibration(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return std::nullopt;
    const std::string text = readSmallFile(path, kMaxCalibrationBytes, "DermSAM calibration file");
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    if (error.error != QJsonParseError::NoError)
        throw CoreError(CoreErrorCode::BadSidecar, path,
                        "not a DermSAM calibration file: offset " + std::to_string(error.offset) +
                            ": " + error.errorString().toStdString());
    const QJsonObject root = doc.object();
    if (root.value("format").toString() != QLatin1String("dermsam-calibration"))
        throw CoreError(CoreErrorCode::BadSidecar, path, "not a DermSAM calibration file");
    Calibration c;
    c.mmPerPixel = root.value("mmPerPixel").toDouble(0);
    if (!(c.mmPerPixel > 0) || !std::isfinite(c.mmPerPixel) || c.mmPerPixel > 1e3)
        throw CoreError(CoreErrorCode::BadSidecar, path, "pixel size out of range");
    const QJsonArray line = root.value("line").toArray();
    for (int i = 0; i < 4 && i < line.size(); ++i)
        c.line[static_cast<std::size_t>(i)] = line[i].toDouble();
    return c;
}

cv::Mat loadMask(const std::string& path, const ImageLimits& limits) {
    std::ifstream probe(path, std::ios::binary);
    char magic[6] = {};
    if (probe.read(magic, sizeof magic) && std::memcmp(magic, "\x93NUMPY", 6) == 0) {
        try {
            return binarizeMask(readNpyMat(path), MaskValueRule::NonZero);
        } catch (const CoreError& e) {
            if (e.code() == CoreErrorCode::BadMask)
                throw CoreError(CoreErrorCode::BadMask, path, e.detail());
            throw;
        }
    }
    const Image image = loadImage(path, limits);
    try {
        return binarizeMask(image.pixels, MaskValueRule::Auto);
    } catch (const CoreError& e) {
        throw CoreError(e.code(), path, e.detail());
    }
}

} // namespace dermsam
