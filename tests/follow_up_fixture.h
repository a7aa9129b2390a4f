#pragma once
// An "earlier visit" made from a current photo and its mask, with a known change: the lesion
// shrunk about its centroid to 1/growth of its area, then the photo and that mask moved by a known
// similarity (rotation, scale, shift) and a brightness change, as a second photo would be.

#include <QImage>
#include <QString>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>

namespace dermsam::test {

inline cv::Mat matOf(const QImage& image) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    cv::Mat m(rgb.height(), rgb.width(), CV_8UC3);
    for (int y = 0; y < rgb.height(); ++y)
        std::memcpy(m.ptr(y), rgb.constScanLine(y), static_cast<std::size_t>(rgb.width()) * 3);
    return m;
}

inline cv::Mat maskMatOf(const QImage& mask) {
    const QImage g = mask.convertToFormat(QImage::Format_Grayscale8);
    cv::Mat m(g.height(), g.width(), CV_8UC1);
    for (int y = 0; y < g.height(); ++y)
        std::memcpy(m.ptr(y), g.constScanLine(y), static_cast<std::size_t>(g.width()));
    return m;
}

// Writes <dir>/earlier.png and <dir>/earlier_segmentation.png (the mask saved beside it, as the
// viewer saves one). growth: current area / earlier area.
inline bool writeEarlierVisit(const QImage& currentImage, const QImage& currentMask, double growth,
                              const QString& dir) {
    const cv::Mat image = matOf(currentImage);
    cv::Mat mask = maskMatOf(currentMask);
    cv::threshold(mask, mask, 0, 255, cv::THRESH_BINARY);
    const cv::Moments m = cv::moments(mask, true);
    if (m.m00 <= 0)
        return false;
    const cv::Point2f c(float(m.m10 / m.m00), float(m.m01 / m.m00));
    cv::Mat shrunk;
    cv::warpAffine(mask, shrunk, cv::getRotationMatrix2D(c, 0, 1.0 / std::sqrt(growth)),
                   mask.size(), cv::INTER_NEAREST);
    // The earlier photo's frame: rotated 12°, scaled 0.9, shifted.
    cv::Mat t = cv::getRotationMatrix2D(cv::Point2f(image.cols / 2.0f, image.rows / 2.0f), 12, 0.9);
    t.at<double>(0, 2) += 14;
    t.at<double>(1, 2) -= 9;
    cv::Mat earlier, earlierMask;
    cv::warpAffine(image, earlier, t, image.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    earlier.convertTo(earlier, -1, 1.05, 8); // a little brighter
    cv::warpAffine(shrunk, earlierMask, t, image.size(), cv::INTER_NEAREST);
    cv::Mat bgr;
    cv::cvtColor(earlier, bgr, cv::COLOR_RGB2BGR);
    const std::string d = dir.toStdString();
    return cv::imwrite(d + "/earlier.png", bgr) &&
           cv::imwrite(d + "/earlier_segmentation.png", earlierMask);
}

} // namespace dermsam::test
