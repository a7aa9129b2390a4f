#pragma once

#include "core/image_limits.h"
#include "core/mask_io.h"

#include <QImage>
#include <QString>

#include <optional>

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

    // openImageFile only: the mask saved beside the image earlier (<stem>_segmentation.png,
    // Grayscale8 0/255, the image's size) and its sidecar, read on the same thread so reopening
    // shows it at once.
    QImage savedMask;
    bool hasSidecar = false;
    MaskSidecar sidecar;
    // Why a saved mask or calibration beside the image was not used ("" = none, or it was).
    QString savedMaskProblem;
    std::optional<Calibration> calibration;
};

// The pixels alone (thumbnails, prefetch). limits: what a file may declare before it is
// decoded (Edit > Settings > Largest image).
LoadedImage loadImageFile(const QString& path, const ImageLimits& limits = {});
// What the viewer opens: the pixels, and the mask, sidecar and calibration saved beside them.
LoadedImage openImageFile(const QString& path, const ImageLimits& limits = {});

// The files of a folder that the viewer opens as a worklist, in natural order (img2 before img10).
QStringList imageFilesIn(const QString& folder);

// Natural order: digit runs compare as numbers, the rest case-insensitively.
bool naturalLess(const QString& a, const QString& b);

} // namespace dermsam
