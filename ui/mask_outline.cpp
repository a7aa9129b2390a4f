#include "ui/mask_outline.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

namespace dermsam {

QPainterPath maskOutline(const QImage& mask) {
    QPainterPath path;
    if (mask.isNull() || mask.format() != QImage::Format_Grayscale8)
        return path;
    // A view of the mask's rows; findContours reads its source only (OpenCV 4).
    const cv::Mat view(mask.height(), mask.width(), CV_8UC1, const_cast<uchar*>(mask.constBits()),
                       static_cast<size_t>(mask.bytesPerLine()));
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(view, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    for (const std::vector<cv::Point>& c : contours) {
        if (c.size() < 2)
            continue;
        path.moveTo(c.front().x + 0.5, c.front().y + 0.5);
        for (size_t i = 1; i < c.size(); ++i)
            path.lineTo(c[i].x + 0.5, c[i].y + 0.5);
        path.closeSubpath();
    }
    return path;
}

} // namespace dermsam
