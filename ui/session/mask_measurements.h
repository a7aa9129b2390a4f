#pragma once

#include <QImage>

namespace dermsam {

// Size of a binary mask (non-zero = lesion): pixel count and the maximum Feret diameter (the
// longest distance between two lesion pixel centres, via the convex hull).
struct MaskMeasurements {
    qint64 areaPx = 0;
    double maxDiameterPx = 0.0;
    double maxDiameterMm = 0.0; // 0 unless a pixel spacing was given
};

// Lesion area and maximum diameter (between pixel centres). With a spacing (mm between rows,
// mm between columns) the diameter is also measured in mm, right for non-square pixels.
MaskMeasurements measureMask(const QImage& mask, double rowMm = 0, double colMm = 0);

} // namespace dermsam
