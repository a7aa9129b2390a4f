// Protects saved masks: 0/255 PNG + JSON sidecar content, atomic writes, and mask loading rules;
// the sidecar and calibration files byte for byte as QJsonDocument wrote them before io/'s JSON
// writer took over, values round-tripping, and size caps on reading them.
// labels: unit
#include "core/core_error.h"
#include "core/mask_io.h"

#include "dermsam_version.h"
#include "test_support.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>
#include <limits>

using namespace dermsam;
using dermsam::test::fileBytes;
using dermsam::test::writeBytes;

namespace {

// The sidecar as DermSAM wrote it with QJsonDocument up to this change (the code, verbatim but
// for names): the reference for byte compatibility.
QByteArray legacySidecarJson(const MaskSidecar& sidecar, int maskWidth, int maskHeight) {
    const auto qs = [](const std::string& s) { return QString::fromStdString(s); };
    QJsonArray boxes;
    for (const BoxPrompt& b : sidecar.prompts.boxes)
        boxes.append(QJsonArray{b.x0, b.y0, b.x1, b.y1});
    QJsonArray points;
    for (const PointPrompt& p : sidecar.prompts.points)
        points.append(QJsonObject{{"x", p.x}, {"y", p.y}, {"label", p.label}});
    QJsonObject root;
    root["format"] = "dermsam-mask-sidecar";
    root["formatVersion"] = 1;
    root["sourceImage"] = qs(sidecar.sourceImage);
    root["width"] = maskWidth;
    root["height"] = maskHeight;
    root["prompts"] =
        QJsonObject{{"boxes", boxes}, {"points", points}, {"multimask", sidecar.prompts.multimask}};
    root["model"] = QJsonObject{{"file", qs(sidecar.modelFile)}, {"sha256", qs(sidecar.modelHash)}};
    root["preprocessing"] = qs(sidecar.preprocessingProfile);
    root["predictedIou"] = sidecar.predictedIou && std::isfinite(*sidecar.predictedIou)
                               ? QJsonValue(*sidecar.predictedIou)
                               : QJsonValue(QJsonValue::Null);
    root["edited"] = sidecar.edited;
    root["created"] = qs(sidecar.createdUtc);
    root["appVersion"] = qs(sidecar.appVersion);
    root["operator"] = qs(sidecar.operatorName);
    QJsonObject pixelSize{{"source", qs(sidecar.pixelSizeSource)}};
    if (sidecar.pixelSizeRowMm > 0 && sidecar.pixelSizeColMm > 0) {
        pixelSize["rowMm"] = sidecar.pixelSizeRowMm;
        pixelSize["colMm"] = sidecar.pixelSizeColMm;
    }
    if (sidecar.calibrationLine) {
        const auto& l = *sidecar.calibrationLine;
        pixelSize["calibrationLine"] = QJsonArray{l[0], l[1], l[2], l[3]};
    }
    root["pixelSize"] = pixelSize;
    QJsonObject measurements;
    for (const auto& [name, value] : sidecar.measurements)
        if (std::isfinite(value))
            measurements[qs(name)] = value;
    root["measurements"] = measurements;
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QByteArray legacyCalibrationJson(const Calibration& c) {
    QJsonObject root;
    root["format"] = QStringLiteral("dermsam-calibration");
    root["formatVersion"] = 1;
    root["mmPerPixel"] = c.mmPerPixel;
    root["line"] = QJsonArray{c.line[0], c.line[1], c.line[2], c.line[3]};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

// Every field filled, with awkward values: digits that need 17 places, tiny and huge numbers,
// quotes, backslashes, control characters and non-ASCII text in the strings, measurements out
// of order, repeated and undefined.
MaskSidecar fullSidecar() {
    MaskSidecar s;
    s.prompts.boxes.push_back({10.5f, 20.1f, 110.f, 220.25f});
    s.prompts.boxes.push_back({0.f, -0.f, 1e-7f, 3.4e38f});
    s.prompts.points.push_back({50.3f, 60.f, 1});
    s.prompts.points.push_back({0.1f, 1e5f, 0});
    s.prompts.multimask = true;
    s.sourceImage =
        "L\xc3\xa4sion \"1\"\\2\t\n\x01\x1f \xe7\x97\x85\xe5\x8f\x98 \xf0\x9f\x94\xac.jpg";
    s.modelFile = "C:\\models\\medsam_vit_b.pth";
    s.modelHash = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    s.preprocessingProfile = "litemedsam";
    s.predictedIou = 1.0 / 3.0;
    s.edited = true;
    s.createdUtc = "2026-12-07T04:53:16.123Z";
    s.appVersion = "1.2.3";
    s.operatorName = "Dr. O'Brien </script>";
    s.pixelSizeRowMm = 0.0123456789012345;
    s.pixelSizeColMm = 2.5e-5;
    s.pixelSizeSource = "calibration";
    s.calibrationLine = std::array<double, 4>{1.0 / 7.0, 1e21, -0.0, 123456789.125};
    s.measurements = {{"maxDiameterPx", 101.98039027185569},
                      {"areaPx", 1234},
                      {"areaMm2", std::nan("")},
                      {"areaPx", 1235},
                      {"asymmetry", std::numeric_limits<double>::infinity()},
                      {"borderIrregularity", 1e-300}};
    return s;
}

cv::Mat sampleMask(uchar on) {
    cv::Mat m = cv::Mat::zeros(12, 20, CV_8UC1);
    m(cv::Rect(3, 2, 9, 6)).setTo(on);
    return m;
}

void writeNpyU8(const QString& path, const std::vector<uint8_t>& data, int rows, int cols,
                const char* descr = "|u1") {
    std::string header = std::string("{'descr': '") + descr +
                         "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string file = "\x93NUMPY";
    file += '\x01';
    file += '\x00';
    file += static_cast<char>(header.size() & 0xff);
    file += static_cast<char>(header.size() >> 8);
    file += header;
    file.append(reinterpret_cast<const char*>(data.data()), data.size());
    writeBytes(path, QByteArray::fromStdString(file));
}

MaskSidecar sampleSidecar() {
    MaskSidecar s;
    s.prompts.boxes.push_back({10.5f, 20.f, 110.f, 220.25f});
    s.prompts.points.push_back({50.f, 60.f, 1});
    s.prompts.points.push_back({70.f, 80.f, 0});
    s.sourceImage = "ISIC_0000000.jpg";
    s.modelFile = "medsam_vit_b.pth";
    s.modelHash = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    s.preprocessingProfile = "medsam";
    s.predictedIou = 0.9375;
    s.edited = true;
    return s;
}

QStringList entriesOf(const QString& dir) {
    return QDir(dir).entryList(
        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TstMaskIo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void paths();
    void roundTripPngAndSidecar();
    void sidecarWithoutIou();
    void overwriteReplacesBoth();
    void blockedSidecarLeavesOldFilesIntact();
    void readOnlyDirectoryFailsCleanly();
    void missingDirectoryFails();
    void rejectsBadMasks();
    void badSidecarJson();
    void sidecarBytesAsQtWroteThem();
    void sidecarValuesRoundTrip();
    void calibrationBytesAndRoundTrip();
    void autoDecoderIsRecorded();
    void oversizedFilesAreRefused();
    void loadMaskFormats_data();
    void loadMaskFormats();

private:
    QTemporaryDir m_dir;
};

void TstMaskIo::paths() {
    QCOMPARE(QString::fromStdString(maskPathFor("/data/out", "ISIC_1")),
             QString("/data/out/ISIC_1_segmentation.png"));
    QCOMPARE(QString::fromStdString(sidecarPathFor("/data/out/ISIC_1_segmentation.png")),
             QString("/data/out/ISIC_1_segmentation.json"));
}

void TstMaskIo::roundTripPngAndSidecar() {
    const QString png = QString::fromStdString(maskPathFor(m_dir.path().toStdString(), "case1"));
    const cv::Mat mask = sampleMask(1); // 0/1 in memory -> 0/255 on disk
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    saveMask(png.toStdString(), mask, sampleSidecar());

    // The PNG: 8-bit, one channel, exactly 0 and 255, the same pixels.
    const cv::Mat disk = cv::imread(png.toStdString(), cv::IMREAD_UNCHANGED);
    QCOMPARE(disk.type(), CV_8UC1);
    QCOMPARE(disk.size(), mask.size());
    cv::Mat expected;
    cv::compare(mask, 0, expected, cv::CMP_NE);
    QCOMPARE(cv::norm(disk, expected, cv::NORM_INF), 0.0);
    QCOMPARE(cv::countNonZero(disk == 255) + cv::countNonZero(disk == 0), int(disk.total()));
    QCOMPARE(cv::norm(loadMask(png.toStdString()), expected, cv::NORM_INF), 0.0);

    // The sidecar, read as plain JSON.
    const QString json = m_dir.filePath("case1_segmentation.json");
    QVERIFY(QFile::exists(json));
    const QJsonObject root = QJsonDocument::fromJson(fileBytes(json)).object();
    QCOMPARE(root["format"].toString(), QString("dermsam-mask-sidecar"));
    QCOMPARE(root["width"].toInt(), 20);
    QCOMPARE(root["height"].toInt(), 12);
    QCOMPARE(root["sourceImage"].toString(), QString("ISIC_0000000.jpg"));
    const QJsonArray boxes = root["prompts"].toObject()["boxes"].toArray();
    QCOMPARE(boxes.size(), 1);
    QCOMPARE(boxes[0].toArray()[0].toDouble(), 10.5);
    QCOMPARE(boxes[0].toArray()[3].toDouble(), 220.25);
    const QJsonArray points = root["prompts"].toObject()["points"].toArray();
    QCOMPARE(points.size(), 2);
    QCOMPARE(points[1].toObject()["label"].toInt(), 0);
    QCOMPARE(points[1].toObject()["x"].toDouble(), 70.0);
    QCOMPARE(root["model"].toObject()["sha256"].toString().size(), 64);
    QCOMPARE(root["model"].toObject()["file"].toString(), QString("medsam_vit_b.pth"));
    QCOMPARE(root["preprocessing"].toString(), QString("medsam"));
    QCOMPARE(root["predictedIou"].toDouble(), 0.9375);
    QCOMPARE(root["edited"].toBool(), true);
    QCOMPARE(root["appVersion"].toString(), QString(DERMSAM_VERSION_STRING));
    const QDateTime created = QDateTime::fromString(root["created"].toString(), Qt::ISODateWithMs);
    QVERIFY(created.isValid());
    QCOMPARE(created.timeSpec(), Qt::UTC);
    QVERIFY(created >= before && created <= QDateTime::currentDateTimeUtc().addSecs(1));

    // And back through the typed reader.
    const MaskSidecar back = loadMaskSidecar(json.toStdString());
    const MaskSidecar original = sampleSidecar();
    QCOMPARE(back.prompts.boxes.size(), size_t(1));
    QCOMPARE(back.prompts.boxes[0].x1, original.prompts.boxes[0].x1);
    QCOMPARE(back.prompts.points.size(), size_t(2));
    QCOMPARE(back.prompts.points[0].label, 1);
    QCOMPARE(back.modelHash, original.modelHash);
    QCOMPARE(back.preprocessingProfile, original.preprocessingProfile);
    QVERIFY(back.predictedIou.has_value());
    QCOMPARE(*back.predictedIou, 0.9375);
    QVERIFY(back.edited);
    QCOMPARE(back.appVersion, std::string(DERMSAM_VERSION_STRING));
    QCOMPARE(QString::fromStdString(back.createdUtc), root["created"].toString());

    // Nothing else left behind (no temporaries).
    QCOMPARE(entriesOf(m_dir.path()),
             (QStringList{"case1_segmentation.json", "case1_segmentation.png"}));
}

void TstMaskIo::sidecarWithoutIou() {
    MaskSidecar s;
    s.createdUtc = "2024-05-01T10:00:00Z";
    s.appVersion = "9.9.9";
    const std::string text = sidecarToJson(s, 5, 4);
    const QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
    QVERIFY(root["predictedIou"].isNull());
    QCOMPARE(root["created"].toString(), QString("2024-05-01T10:00:00Z"));
    QCOMPARE(root["appVersion"].toString(), QString("9.9.9"));
    const MaskSidecar back = sidecarFromJson(text);
    QVERIFY(!back.predictedIou.has_value());
    QVERIFY(back.prompts.empty());
    QVERIFY(!back.edited);
}

void TstMaskIo::overwriteReplacesBoth() {
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMask(png, sampleMask(255), sampleSidecar());
    MaskSidecar second = sampleSidecar();
    second.edited = false;
    saveMask(png, cv::Mat::zeros(12, 20, CV_8UC1), second);
    QCOMPARE(cv::countNonZero(loadMask(png)), 0);
    QVERIFY(!loadMaskSidecar(sidecarPathFor(png)).edited);
    QCOMPARE(entriesOf(dir.path()).size(), 2);
}

void TstMaskIo::blockedSidecarLeavesOldFilesIntact() {
    // The sidecar's name is taken by a folder, so its write must fail; the PNG, written first,
    // must not have been renamed into place either: the old mask stays byte for byte.
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMaskPng(png, sampleMask(255));
    const QByteArray oldPng = fileBytes(QString::fromStdString(png));
    QVERIFY(QDir(dir.path()).mkdir("s_segmentation.json"));
    try {
        saveMask(png, cv::Mat::zeros(12, 20, CV_8UC1), sampleSidecar());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileWriteFailed);
        QCOMPARE(e.path(), sidecarPathFor(png));
    }
    QCOMPARE(fileBytes(QString::fromStdString(png)), oldPng);
    QCOMPARE(entriesOf(dir.path()), (QStringList{"s_segmentation.json", "s_segmentation.png"}));
}

void TstMaskIo::readOnlyDirectoryFailsCleanly() {
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMask(png, sampleMask(255), sampleSidecar());
    const QByteArray oldPng = fileBytes(QString::fromStdString(png));
    const QByteArray oldJson = fileBytes(QString::fromStdString(sidecarPathFor(png)));
    QFile::Permissions saved = QFile::permissions(dir.path());
    QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner));
    {
        QFile probe(dir.filePath("probe"));
        if (probe.open(QIODevice::WriteOnly)) { // root ignores directory permissions
            probe.close();
            probe.remove();
            QFile::setPermissions(dir.path(), saved);
            QSKIP("running with privileges that ignore directory permissions (root)");
        }
    }
    bool threw = false;
    try {
        saveMask(png, cv::Mat::zeros(12, 20, CV_8UC1), sampleSidecar());
    } catch (const CoreError& e) {
        threw = e.code() == CoreErrorCode::FileWriteFailed && e.path() == png;
    }
    QFile::setPermissions(dir.path(), saved);
    QVERIFY(threw);
    QCOMPARE(fileBytes(QString::fromStdString(png)), oldPng);
    QCOMPARE(fileBytes(QString::fromStdString(sidecarPathFor(png))), oldJson);
    QCOMPARE(entriesOf(dir.path()).size(), 2);
}

void TstMaskIo::missingDirectoryFails() {
    const std::string png = m_dir.filePath("no/such/dir/x_segmentation.png").toStdString();
    try {
        saveMask(png, sampleMask(255), sampleSidecar());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileWriteFailed);
        QCOMPARE(e.path(), png);
    }
}

void TstMaskIo::rejectsBadMasks() {
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "bad");
    for (const cv::Mat& bad : {cv::Mat(), cv::Mat(4, 4, CV_32FC1, cv::Scalar(1)),
                               cv::Mat(4, 4, CV_8UC3, cv::Scalar(255, 255, 255))}) {
        try {
            saveMask(png, bad, MaskSidecar{});
            QFAIL("no exception");
        } catch (const CoreError& e) {
            QCOMPARE(e.code(), CoreErrorCode::BadMask);
        }
    }
    QVERIFY(entriesOf(dir.path()).isEmpty());
}

void TstMaskIo::badSidecarJson() {
    const QString path = m_dir.filePath("broken.json");
    writeBytes(path, "{\"format\": \"dermsam-mask-sidecar\", ");
    try {
        loadMaskSidecar(path.toStdString());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadSidecar);
        QCOMPARE(e.path(), path.toStdString());
    }
    QVERIFY_THROWS_EXCEPTION(CoreError, sidecarFromJson("{\"format\": \"something-else\"}"));
    try {
        loadMaskSidecar(m_dir.filePath("absent.json").toStdString());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileNotFound);
    }
}

void TstMaskIo::sidecarBytesAsQtWroteThem() {
    // Sidecars saved before and after io/'s writer took over are the same bytes.
    QCOMPARE(QByteArray::fromStdString(sidecarToJson(fullSidecar(), 640, 480)),
             legacySidecarJson(fullSidecar(), 640, 480));
    QCOMPARE(QByteArray::fromStdString(sidecarToJson(sampleSidecar(), 20, 12)),
             legacySidecarJson(sampleSidecar(), 20, 12));
    QCOMPARE(QByteArray::fromStdString(sidecarToJson(MaskSidecar{}, 0, 0)),
             legacySidecarJson(MaskSidecar{}, 0, 0));
    // And through saveMask.
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMask(png, sampleMask(255), fullSidecar());
    QCOMPARE(fileBytes(QString::fromStdString(sidecarPathFor(png))),
             legacySidecarJson(fullSidecar(), 20, 12));
}

void TstMaskIo::sidecarValuesRoundTrip() {
    // Written by the new path, parsed by QJsonDocument: the same values, doubles exactly.
    const MaskSidecar in = fullSidecar();
    const std::string text = sidecarToJson(in, 640, 480);
    QJsonParseError error{};
    const QJsonObject root =
        QJsonDocument::fromJson(QByteArray::fromStdString(text), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(root["sourceImage"].toString(), QString::fromStdString(in.sourceImage));
    QCOMPARE(root["operator"].toString(), QString::fromStdString(in.operatorName));
    QCOMPARE(root["width"].toInt(), 640);
    QCOMPARE(root["height"].toInt(), 480);

    const MaskSidecar out = sidecarFromJson(text);
    QCOMPARE(out.prompts.boxes.size(), in.prompts.boxes.size());
    for (size_t i = 0; i < in.prompts.boxes.size(); ++i) {
        QCOMPARE(out.prompts.boxes[i].x0, in.prompts.boxes[i].x0);
        QCOMPARE(out.prompts.boxes[i].y0, in.prompts.boxes[i].y0);
        QCOMPARE(out.prompts.boxes[i].x1, in.prompts.boxes[i].x1);
        QCOMPARE(out.prompts.boxes[i].y1, in.prompts.boxes[i].y1);
    }
    QCOMPARE(out.prompts.points.size(), in.prompts.points.size());
    for (size_t i = 0; i < in.prompts.points.size(); ++i) {
        QCOMPARE(out.prompts.points[i].x, in.prompts.points[i].x);
        QCOMPARE(out.prompts.points[i].y, in.prompts.points[i].y);
        QCOMPARE(out.prompts.points[i].label, in.prompts.points[i].label);
    }
    QVERIFY(out.prompts.multimask);
    QCOMPARE(out.sourceImage, in.sourceImage);
    QCOMPARE(out.modelFile, in.modelFile);
    QCOMPARE(out.modelHash, in.modelHash);
    QCOMPARE(out.preprocessingProfile, in.preprocessingProfile);
    QCOMPARE(*out.predictedIou, *in.predictedIou); // exact: shortest round-trip digits
    QCOMPARE(out.edited, in.edited);
    QCOMPARE(out.createdUtc, in.createdUtc);
    QCOMPARE(out.appVersion, in.appVersion);
    QCOMPARE(out.operatorName, in.operatorName);
    QCOMPARE(out.pixelSizeRowMm, in.pixelSizeRowMm);
    QCOMPARE(out.pixelSizeColMm, in.pixelSizeColMm);
    QCOMPARE(out.pixelSizeSource, in.pixelSizeSource);
    QVERIFY(out.calibrationLine.has_value());
    for (size_t i = 0; i < 4; ++i)
        QCOMPARE((*out.calibrationLine)[i], (*in.calibrationLine)[i]);
    // Undefined measurements left out, a repeated name once (the last), in name order.
    const std::vector<std::pair<std::string, double>> expected = {
        {"areaPx", 1235}, {"borderIrregularity", 1e-300}, {"maxDiameterPx", 101.98039027185569}};
    QCOMPARE(out.measurements, expected);

    // Invalid UTF-8 in a name (a Latin-1 file name) is written as U+FFFD and still parses.
    MaskSidecar latin1;
    latin1.sourceImage = "caf\xe9.jpg";
    QCOMPARE(sidecarFromJson(sidecarToJson(latin1, 1, 1)).sourceImage,
             std::string("caf\xef\xbf\xbd.jpg"));
}

// A mask from the Auto decoder says so, so that its heatmap is made again with that decoder;
// every other sidecar keeps the bytes it had before the entry existed.
void TstMaskIo::autoDecoderIsRecorded() {
    MaskSidecar s = sampleSidecar();
    QCOMPARE(sidecarFromJson(sidecarToJson(s, 20, 12)).decoder, DecoderHead::Main);
    QVERIFY(!QByteArray::fromStdString(sidecarToJson(s, 20, 12)).contains("decoder"));

    s.decoder = DecoderHead::Auto;
    const std::string text = sidecarToJson(s, 20, 12);
    const QJsonObject model =
        QJsonDocument::fromJson(QByteArray::fromStdString(text)).object()["model"].toObject();
    QCOMPARE(model["decoder"].toString(), QStringLiteral("auto"));
    QCOMPARE(model["file"].toString(), QStringLiteral("medsam_vit_b.pth"));
    QCOMPARE(sidecarFromJson(text).decoder, DecoderHead::Auto);

    // A value this version does not know is the mask decoder, not an error.
    std::string unknown = text;
    unknown.replace(unknown.find("\"auto\""), 6, "\"next\"");
    QCOMPARE(sidecarFromJson(unknown).decoder, DecoderHead::Main);
}

void TstMaskIo::calibrationBytesAndRoundTrip() {
    QTemporaryDir dir;
    const std::string path = calibrationPathFor(dir.path().toStdString(), "img");
    Calibration c;
    c.mmPerPixel = 0.0123456789012345;
    c.line = {1.0 / 3.0, 2.5, 1e-7, 4096.75};
    saveCalibration(path, c);
    QCOMPARE(fileBytes(QString::fromStdString(path)), legacyCalibrationJson(c));
    const std::optional<Calibration> back = loadCalibration(path);
    QVERIFY(back.has_value());
    QCOMPARE(back->mmPerPixel, c.mmPerPixel);
    for (size_t i = 0; i < 4; ++i)
        QCOMPARE(back->line[i], c.line[i]);
    QCOMPARE(entriesOf(dir.path()), QStringList{"img_calibration.json"});

    // Bad input: one line naming what is wrong.
    writeBytes(QString::fromStdString(path), "{\"format\": \"dermsam-calibration\",\n");
    try {
        loadCalibration(path);
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadSidecar);
        QCOMPARE(e.path(), path);
        QVERIFY2(e.detail().find('\n') == std::string::npos, e.detail().c_str());
        QVERIFY2(e.detail().rfind("not a DermSAM calibration file: offset ", 0) == 0,
                 e.detail().c_str());
    }
    QVERIFY_THROWS_EXCEPTION(CoreError, saveCalibration(path, Calibration{}));
}

void TstMaskIo::oversizedFilesAreRefused() {
    // A sidecar over 1 MiB or a calibration over 64 KiB is not one: refused with one line,
    // without being read whole.
    QTemporaryDir dir;
    const QString sidecar = dir.filePath("big_segmentation.json");
    writeBytes(sidecar, QByteArray(2 << 20, ' '));
    try {
        loadMaskSidecar(sidecar.toStdString());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadSidecar);
        QCOMPARE(e.detail(), std::string("not a mask sidecar: larger than 1048576 bytes"));
    }
    const QString calibration = dir.filePath("big_calibration.json");
    writeBytes(calibration, QByteArray(65537, ' '));
    try {
        loadCalibration(calibration.toStdString());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadSidecar);
        QCOMPARE(e.detail(),
                 std::string("not a DermSAM calibration file: larger than 65536 bytes"));
    }
    // At the cap a sidecar is read (and parsed: trailing spaces are allowed in JSON).
    QByteArray padded = QByteArray::fromStdString(sidecarToJson(sampleSidecar(), 1, 1));
    padded += QByteArray((1 << 20) - padded.size(), ' ');
    writeBytes(sidecar, padded);
    QCOMPARE(loadMaskSidecar(sidecar.toStdString()).modelHash, sampleSidecar().modelHash);
}

void TstMaskIo::loadMaskFormats_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("lesionPixels");
    QTest::newRow("png 0/255") << "png255" << 54;
    QTest::newRow("png 0/1") << "png1" << 54;
    QTest::newRow("bmp 0/255") << "bmp" << 54;
    QTest::newRow("png RGB 0/255") << "pngrgb" << 54;
    QTest::newRow("jpeg mask (> 128)") << "jpeg" << 54;
    QTest::newRow("npy labels 0/1/2 (non-zero)") << "npy" << 3;
    QTest::newRow("npy bool") << "npybool" << 2;
}

void TstMaskIo::loadMaskFormats() {
    QFETCH(QString, kind);
    QFETCH(int, lesionPixels);
    QString path;
    if (kind == "png255" || kind == "png1" || kind == "bmp" || kind == "pngrgb" || kind == "jpeg") {
        const QString ext = kind == "bmp" ? ".bmp" : kind == "jpeg" ? ".jpg" : ".png";
        path = m_dir.filePath("mask-" + kind + ext);
        cv::Mat m = sampleMask(kind == "png1" ? 1 : 255); // 9 x 6 = 54 lesion pixels
        if (kind == "pngrgb")
            cv::merge(std::vector<cv::Mat>{m, m, m}, m);
        // JPEG leaves ringing values near the edges: the > 128 rule keeps the 54 pixels.
        QVERIFY(cv::imwrite(path.toStdString(), m, {cv::IMWRITE_JPEG_QUALITY, 90}));
    } else {
        path = m_dir.filePath("mask-" + kind + ".npy");
        if (kind == "npy")
            writeNpyU8(path, {0, 1, 2, 0, 0, 1}, 2, 3);
        else
            writeNpyU8(path, {0, 1, 1, 0}, 2, 2, "|b1");
    }
    const cv::Mat mask = loadMask(path.toStdString());
    QCOMPARE(mask.type(), CV_8UC1);
    QCOMPARE(cv::countNonZero(mask), lesionPixels);
    QCOMPARE(cv::countNonZero(mask == 255) + cv::countNonZero(mask == 0), int(mask.total()));
}

QTEST_GUILESS_MAIN(TstMaskIo)
#include "tst_mask_io.moc"
