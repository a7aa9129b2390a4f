#include "ui/image_loader.h"

#include "core/core_error.h"
#include "core/image_io.h"

#include <QCollator>
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cstring>

namespace dermsam {

LoadedImage loadImageFile(const QString& path) {
    LoadedImage out;
    out.path = path;
    try {
        const Image image = loadImage(QFile::encodeName(path).toStdString());
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
    QCollator collator;
    collator.setNumericMode(true);
    std::sort(out.begin(), out.end(), collator);
    return out;
}

} // namespace dermsam
