#pragma once

#include <QImage>
#include <QPainterPath>
#include <QPolygon>
#include <QRectF>

#include <vector>

namespace dermsam {

// The boundary of a mask (Grayscale8, non-zero = inside) as closed polygons through the centres
// of its boundary pixels, in image coordinates: one per outer boundary and one per hole. Drawn
// with a cosmetic pen it stays a continuous line at every zoom; a one-pixel raster outline of a
// 6000 x 4000 photo shown at a sixth of its size fell apart into dots. A mask part of a single
// pixel has no boundary line (its fill shows it).
class MaskOutline {
public:
    // Traces the mask's boundaries (OpenCV's findContours: 4-25 ms for a 6000 x 4000 mask on
    // the 2-core development machine).
    void trace(const QImage& mask);
    void clear();

    // The polygons, simplified so that no boundary pixel lies farther than tolerance (image
    // pixels) from them, and, given a visible rectangle, only the edges that cross it. Half a
    // screen pixel, 0.5 / zoom, looks the same as the whole outline: a 6000 x 4000 lesion's
    // 20 000 vertices took 32 ms to draw at fit, on every repaint, and as long zoomed in, where
    // almost all of them lie off screen.
    QPainterPath path(double tolerance = 0.0, const QRectF& visible = QRectF());

private:
    std::vector<QPolygon> m_contours;
    std::vector<QPolygonF> m_simplified; // at m_tolerance, through the pixel centres
    double m_tolerance = -1.0;
};

// MaskOutline's whole outline at tolerance 0, for one-off use.
QPainterPath maskOutline(const QImage& mask);

} // namespace dermsam
