#include "ui/session/image_loader.h"

#include "core/core_error.h"
#include "core/image_io.h"
#include "core/mask_io.h"
#include "ui/session/mask_saver.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cstring>

namespace dermsam {

namespace {

// What an earlier session left beside the image: its mask, the mask's sidecar, a calibration.
// A problem with any of them never stops the image from opening; it is reported instead.
void loadSavedWork(LoadedImage& out) {
    const std::string maskPath = QFile::encodeName(maskPathForImage(out.path)).toStdString();
    try {
        out.calibration =
            loadCalibration(QFile::encodeName(calibrationPathForImage(out.path)).toStdString());
    } catch (const CoreError& e) {
        out.savedMaskProblem = QString::fromStdString(e.path() + ": " + e.detail());
    }
    if (!QFileInfo::exists(QString::fromStdString(maskPath)))
        return;
    try {
        const cv::Mat m = loadMask(maskPath);
        if (m.cols != out.rgb.width() || m.rows != out.rgb.height()) {
            out.savedMaskProblem = QStringLiteral("%1: %2 x %3 px, the image is %4 x %5 px")
                                       .arg(QString::fromStdString(maskPath))
                                       .arg(m.cols)
                                       .arg(m.rows)
                                       .arg(out.rgb.width())
                                       .arg(out.rgb.height());
            return;
        }
        QImage q(m.cols, m.rows, QImage::Format_Grayscale8);
        for (int y = 0; y < m.rows; ++y)
            std::memcpy(q.scanLine(y), m.ptr(y), static_cast<std::size_t>(m.cols));
        out.savedMask = q;
        const std::string json = sidecarPathFor(maskPath);
        if (QFileInfo::exists(QString::fromStdString(json))) {
            out.sidecar = loadMaskSidecar(json);
            out.hasSidecar = true;
        }
    } catch (const CoreError& e) {
        out.savedMaskProblem = QString::fromStdString(
            (e.path().empty() ? maskPath : e.path()) + ": " + coreErrorCodeName(e.code()) +
            (e.detail().empty() ? std::string() : " (" + e.detail() + ")"));
    }
}

} // namespace

LoadedImage loadImageFile(const QString& path, const ImageLimits& limits) {
    LoadedImage out;
    out.path = path;
    try {
        const Image image = loadImage(QFile::encodeName(path).toStdString(), limits);
        const cv::Mat rgb = toRgb8(image);
        QImage q(rgb.cols, rgb.rows, QImage::Format_RGB888);
        for (int y = 0; y < rgb.rows; ++y)
            std::memcpy(q.scanLine(y), rgb.ptr(y), static_cast<std::size_t>(rgb.cols) * 3);
        out.rgb = q;
        out.spacingRowMm = image.spacingRowMm;
        out.spacingColMm = image.spacingColMm;
        out.isDicom = image.isDicom;
    } catch (const CoreError& e) {
        out.errorCode = QString::fromLatin1(coreErrorCodeName(e.code()));
        out.errorDetail = QString::fromStdString(e.detail());
    } catch (const std::exception& e) {
        out.errorCode = QStringLiteral("internal");
        out.errorDetail = QString::fromUtf8(e.what());
    }
    return out;
}

LoadedImage openImageFile(const QString& path, const ImageLimits& limits) {
    LoadedImage out = loadImageFile(path, limits);
    if (out.ok())
        loadSavedWork(out);
    return out;
}

QStringList imageFilesIn(const QString& folder) {
    QStringList out;
    const QDir dir(folder);
    const auto& exts = imageFileExtensions();
    for (const QFileInfo& fi : dir.entryInfoList(QDir::Files | QDir::Readable, QDir::Name)) {
        const QString name = fi.fileName();
        if (name.contains(QLatin1String("_segmentation")))
            continue;
        const std::string suffix = "." + fi.suffix().toLower().toStdString();
        if (std::find(exts.begin(), exts.end(), suffix) != exts.end())
            out << fi.absoluteFilePath();
    }
    std::sort(out.begin(), out.end(), [](const QString& a, const QString& b) {
        return naturalLess(QFileInfo(a).fileName(), QFileInfo(b).fileName());
    });
    return out;
}

bool naturalLess(const QString& a, const QString& b) {
    // Our own rule rather than QCollator's numeric mode, which the C/POSIX locale ignores.
    qsizetype i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            qsizetype ei = i, ej = j;
            while (ei < a.size() && a[ei].isDigit())
                ++ei;
            while (ej < b.size() && b[ej].isDigit())
                ++ej;
            // Compare the numbers without leading zeros: longer is larger, else digit by digit.
            qsizetype si = i, sj = j;
            while (si + 1 < ei && a[si] == QLatin1Char('0'))
                ++si;
            while (sj + 1 < ej && b[sj] == QLatin1Char('0'))
                ++sj;
            if (ei - si != ej - sj)
                return ei - si < ej - sj;
            const int c = QStringView(a).mid(si, ei - si).compare(QStringView(b).mid(sj, ej - sj));
            if (c != 0)
                return c < 0;
            i = ei;
            j = ej;
            continue;
        }
        const QChar ca = a[i].toCaseFolded(), cb = b[j].toCaseFolded();
        if (ca != cb)
            return ca < cb;
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j))
        return a.size() - i < b.size() - j;
    return a < b; // names equal but for case or zeros: any fixed order
}

} // namespace dermsam
