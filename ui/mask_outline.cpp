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
    m_path = QPainterPath();
    m_pathTolerance = -1.0;
}

const QPainterPath& MaskOutline::path(double tolerance) {
    tolerance = std::max(0.0, tolerance);
    if (tolerance == m_pathTolerance)
        return m_path;
    m_path = QPainterPath();
    // Through the pixel centres.
    const auto add = [this](const auto& points) {
        if (points.size() < 2)
            return;
        m_path.moveTo(points[0].x + 0.5, points[0].y + 0.5);
        for (size_t i = 1; i < points.size(); ++i)
            m_path.lineTo(points[i].x + 0.5, points[i].y + 0.5);
        m_path.closeSubpath();
    };
    std::vector<cv::Point> points;
    for (const QPolygon& c : m_contours) {
        if (tolerance > 0.0 && c.size() > 2) {
            cv::approxPolyDP(pointsOf(c), points, tolerance, true);
        } else {
            points.resize(static_cast<size_t>(c.size()));
            for (qsizetype i = 0; i < c.size(); ++i)
                points[static_cast<size_t>(i)] = cv::Point(c[i].x(), c[i].y());
        }
        add(points);
    }
    m_pathTolerance = tolerance;
    return m_path;
}

QPainterPath maskOutline(const QImage& mask) {
    MaskOutline outline;
    outline.trace(mask);
    return outline.path(0.0);
}

} // namespace dermsam
