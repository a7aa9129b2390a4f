// Commands on one lesion: its measurements and its report (docs/measurements.md, docs/cli.md).
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "app/cli/cli_eval.h"
#include "io/json_writer.h"

#include "core/core_error.h"
#include "core/image_io.h"
#include "core/lesion_measurements.h"
#include "core/mask_io.h"
#include "ui/session/document_measurements.h"
#include "ui/session/image_views.h"
#include "ui/session/lesion_report.h"

#include <QGuiApplication>
#include <QString>

#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <sys/stat.h>

namespace dermsam::cli {

namespace {

bool fileExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

struct Lesion {
    Image image;
    cv::Mat rgb8; // 8-bit RGB for colours and pictures
    cv::Mat mask; // 0/255
    double rowMm = 0, colMm = 0;
    std::string spacingSource = "none";
    bool hasSidecar = false;
    MaskSidecar sidecar;
};

// The image, its mask and the pixel size: --pixel-size, else the sidecar's, else the DICOM's.
Lesion loadLesion(const Args& args) {
    Lesion l;
    const ImageLimits limits = imageLimitsFromArgs(args);
    l.image = loadImage(args.value("image"), limits);
    const std::string maskPath = args.value("mask");
    l.mask = loadMask(maskPath, limits);
    if (l.mask.size() != l.image.pixels.size())
        throw UsageError("the mask is " + std::to_string(l.mask.cols) + "x" +
                         std::to_string(l.mask.rows) + ", the image " +
                         std::to_string(l.image.width()) + "x" + std::to_string(l.image.height()));
    cv::Mat rgb = l.image.pixels;
    if (rgb.depth() == CV_16U)
        rgb.convertTo(rgb, CV_8U, 1.0 / 257.0);
    if (rgb.channels() == 1)
        cv::cvtColor(rgb, rgb, cv::COLOR_GRAY2RGB);
    l.rgb8 = rgb;
    const std::string sidecarPath = sidecarPathFor(maskPath);
    if (fileExists(sidecarPath)) {
        l.sidecar = loadMaskSidecar(sidecarPath);
        l.hasSidecar = true;
    }
    if (args.has("pixel-size")) {
        const double mm = args.doubleValue("pixel-size", 0);
        if (!(mm > 0) || mm > 1000)
            throw UsageError("--pixel-size must be a pixel's size in mm, in (0, 1000]");
        l.rowMm = l.colMm = mm;
        l.spacingSource = "option";
    } else if (l.hasSidecar && l.sidecar.pixelSizeRowMm > 0 && l.sidecar.pixelSizeColMm > 0) {
        l.rowMm = l.sidecar.pixelSizeRowMm;
        l.colMm = l.sidecar.pixelSizeColMm;
        l.spacingSource = l.sidecar.pixelSizeSource;
    } else if (l.image.hasSpacing()) {
        l.rowMm = l.image.spacingRowMm;
        l.colMm = l.image.spacingColMm;
        l.spacingSource = "dicom";
    }
    return l;
}

int runMeasure(const std::vector<std::string>& argv) {
    const Args args(argv, {"json"});
    args.allowOnly({"image", "mask", "pixel-size", "json", "max-megapixels"});
    const Lesion l = loadLesion(args);
    const LesionMeasurements m = measureLesion(l.mask, l.rgb8, l.rowMm, l.colMm);
    const auto list = measurementList(m);
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject()
            .field("image", args.value("image"))
            .field("mask", args.value("mask"))
            .key("pixelSize")
            .beginObject()
            .field("source", l.spacingSource)
            .field("rowMm", l.rowMm)
            .field("colMm", l.colMm)
            .endObject()
            .key("measurements")
            .beginObject();
        for (const auto& [name, value] : list)
            j.field(name, value);
        j.endObject().endObject();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    std::printf("pixel size: %s\n",
                l.rowMm > 0 ? (io::jsonNumber(l.rowMm) + " x " + io::jsonNumber(l.colMm) + " mm (" +
                               l.spacingSource + ")")
                                  .c_str()
                            : "unknown (give --pixel-size MM for mm figures)");
    for (const auto& [name, value] : list)
        std::printf("%-32s %s\n", name.c_str(), io::jsonNumber(value).c_str());
    return 0;
}

int runReport(const std::vector<std::string>& argv) {
    const Args args(argv, {});
    args.allowOnly({"image", "mask", "pixel-size", "out", "heatmap", "operator", "max-megapixels"});
    const std::string out = args.value("out");
    const Lesion l = loadLesion(args);
    // Fonts and the PDF writer need a GUI application; no window is shown. Qt's own notes (a
    // missing XDG_RUNTIME_DIR, font fallbacks) are not the user's business: errors come back as
    // one line from the report writer.
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& text) {
        if (type == QtFatalMsg)
            std::fprintf(stderr, "dermsam-cli report: error: %s\n", text.toUtf8().constData());
    });
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    int qtArgc = 1;
    char name[] = "dermsam-cli";
    char* qtArgv[] = {name, nullptr};
    QGuiApplication app(qtArgc, qtArgv);

    LesionReportInput in;
    in.imagePath = QString::fromStdString(args.value("image"));
    in.image = imageFromMat(l.rgb8);
    in.mask = imageFromMat(l.mask);
    if (args.has("heatmap")) {
        // A heatmap picture as `explain --heatmap` writes it, read as grey.
        cv::Mat heat = loadImage(args.value("heatmap"), imageLimitsFromArgs(args)).pixels;
        if (heat.channels() == 3)
            cv::cvtColor(heat, heat, cv::COLOR_RGB2GRAY);
        if (heat.depth() == CV_16U)
            heat.convertTo(heat, CV_8U, 1.0 / 257.0);
        in.heatmap = imageFromMat(heat);
    }
    in.measurements = measureLesion(l.mask, l.rgb8, l.rowMm, l.colMm);
    in.spacingSource = QString::fromStdString(l.spacingSource);
    if (l.hasSidecar) {
        in.modelName = QString::fromStdString(l.sidecar.modelFile);
        in.modelSha256 = QString::fromStdString(l.sidecar.modelHash);
        in.profile = QString::fromStdString(l.sidecar.preprocessingProfile);
        in.prompts = l.sidecar.prompts;
        in.editedByHand = l.sidecar.edited;
        in.operatorName = QString::fromStdString(l.sidecar.operatorName);
    }
    if (args.has("operator"))
        in.operatorName = QString::fromStdString(args.value("operator"));
    const QString path = QString::fromStdString(out);
    const QString lower = path.toLower();
    const QString error =
        lower.endsWith(QStringLiteral(".html")) || lower.endsWith(QStringLiteral(".htm"))
            ? LesionReport::writeHtml(in, path)
            : LesionReport::writePdf(in, path);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "dermsam-cli report: error: %s\n", error.toUtf8().constData());
        return 1;
    }
    std::printf("%s\n", out.c_str());
    return 0;
}

} // namespace

void registerMeasureCommands(CommandTable& table) {
    table["measure"] = {runMeasure, "a lesion mask's measurements (size, asymmetry, border, "
                                    "colours; docs/measurements.md)"};
    table["report"] = {runReport, "a lesion report as PDF or HTML (image, outline, measurements, "
                                  "model, prompts)"};
}

} // namespace dermsam::cli
