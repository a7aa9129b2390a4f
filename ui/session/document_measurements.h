#pragma once

#include "core/lesion_measurements.h"

#include <QImage>

namespace dermsam {

// core's measureLesion on the viewer's pictures: mask Grayscale8 (non-zero = lesion), rgb the
// image (any format, or null for no colour figures). Any thread.
LesionMeasurements measureDocumentMask(const QImage& mask, const QImage& rgb, double rowMm,
                                       double colMm);

} // namespace dermsam
