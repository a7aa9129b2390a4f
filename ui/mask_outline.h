#pragma once

#include <QImage>
#include <QPainterPath>

namespace dermsam {

// The boundary of a mask (Grayscale8, non-zero = inside) as closed polygons through the centres
// of its boundary pixels, in image coordinates: one per outer boundary and one per hole. Drawn
// with a cosmetic pen it stays a continuous line at every zoom; a one-pixel raster outline of a
// 6000 x 4000 photo shown at a sixth of its size fell apart into dots. A mask part of a single
// pixel has no boundary line (its fill shows it).
QPainterPath maskOutline(const QImage& mask);

} // namespace dermsam
