#pragma once

#include <QImage>
#include <QString>

namespace dermsam {

// An image read for the viewer: 8-bit RGB pixels plus what the file says about pixel size.
// Runs on any thread (QtConcurrent); never throws.
struct LoadedImage {
    QString path;
    QImage rgb; // Format_RGB888; null on failure
    double spacingRowMm = 0;
    double spacingColMm = 0;
    bool isDicom = false;
    QString errorCode; // CoreError code name ("file-not-found", ...) when rgb is null
    QString errorDetail;
    bool ok() const { return !rgb.isNull(); }
};

LoadedImage loadImageFile(const QString& path);

// The files of a folder that the viewer opens as a worklist, in natural order (img2 before img10).
QStringList imageFilesIn(const QString& folder);

// Natural order: digit runs compare as numbers, the rest case-insensitively.
bool naturalLess(const QString& a, const QString& b);

} // namespace dermsam
