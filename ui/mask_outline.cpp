#include "ui/mask_outline.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace dermsam {

namespace {

// QPoint is two ints, as OpenCV's 2-channel 32-bit points: a polygon's points read in place.
cv::Mat pointsOf(const QPolygon& polygon) {
    static_assert(sizeof(QPoint) == 2 * sizeof(int), "QPoint must be two ints");
    return cv::Mat(static_cast<int>(polygon.size()), 1, CV_32SC2,
                   const_cast<QPoint*>(polygon.constData()));
}

bool crosses(const QPointF& a, const QPointF& b, const QRectF& r) {
    return std::max(a.x(), b.x()) >= r.left() && std::min(a.x(), b.x()) <= r.right() &&
           std::max(a.y(), b.y()) >= r.top() && std::min(a.y(), b.y()) <= r.bottom();
}

} // namespace

void MaskOutline::trace(const QImage& mask) {
    clear();
    if (mask.isNull() || mask.format() != QImage::Format_Grayscale8)
        return;
    // A view of the mask's rows; findContours reads its source only (OpenCV 4).
    const cv::Mat view(mask.height(), mask.width(), CV_8UC1, const_cast<uchar*>(mask.constBits()),
                       static_cast<size_t>(mask.bytesPerLine()));
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(view, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    m_contours.reserve(contours.size());
    for (const std::vector<cv::Point>& c : contours) {
        if (c.size() < 2)
            continue;
        QPolygon p(static_cast<int>(c.size()));
        for (size_t i = 0; i < c.size(); ++i)
            p[static_cast<int>(i)] = QPoint(c[i].x, c[i].y);
        m_contours.push_back(std::move(p));
    }
}

void MaskOutline::clear() {
    m_contours.clear();
    m_simplified.clear();
    m_tolerance = -1.0;
}

QPainterPath MaskOutline::path(double tolerance, const QRectF& visible) {
    tolerance = std::max(0.0, tolerance);
    if (tolerance != m_tolerance) {
        m_simplified.clear();
        std::vector<cv::Point> simple;
        for (const QPolygon& c : m_contours) {
            QPolygonF out;
            if (tolerance > 0.0 && c.size() > 2) {
                cv::approxPolyDP(pointsOf(c), simple, tolerance, true);
                out.reserve(static_cast<qsizetype>(simple.size()));
                for (const cv::Point& p : simple)
                    out << QPointF(p.x + 0.5, p.y + 0.5);
            } else {
                out.reserve(c.size());
                for (const QPoint& p : c)
                    out << QPointF(p.x() + 0.5, p.y() + 0.5);
            }
            if (out.size() >= 2)
                m_simplified.push_back(std::move(out));
        }
        m_tolerance = tolerance;
    }
    QPainterPath path;
    for (const QPolygonF& poly : m_simplified) {
        if (visible.isNull()) {
            path.addPolygon(poly);
            path.closeSubpath();
            continue;
        }
        // Runs of consecutive edges that cross the visible rectangle, the closing edge included.
        const qsizetype n = poly.size();
        bool open = false;
        for (qsizetype i = 0; i < n; ++i) {
            const QPointF& a = poly[i];
            const QPointF& b = poly[(i + 1) % n];
            if (!crosses(a, b, visible)) {
                open = false;
                continue;
            }
            if (!open)
                path.moveTo(a);
            path.lineTo(b);
            open = true;
        }
    }
    return path;
}

QPainterPath maskOutline(const QImage& mask) {
    MaskOutline outline;
    outline.trace(mask);
    return outline.path(0.0);
}

} // namespace dermsam
