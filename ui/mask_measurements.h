#pragma once

#include <QImage>

namespace dermsam {

// Size of a binary mask (non-zero = lesion): pixel count and the maximum Feret diameter (the
// longest distance between two lesion pixel centres, via the convex hull).
struct MaskMeasurements {
    qint64 areaPx = 0;
    double maxDiameterPx = 0.0;
};

MaskMeasurements measureMask(const QImage& mask);

} // namespace dermsam
