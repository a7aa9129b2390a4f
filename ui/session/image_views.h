#pragma once

#include <QImage>
#include <QPainterPath>

#include <opencv2/core.hpp>

namespace dermsam {

// The viewer keeps pictures as QImage, core works on cv::Mat: these share pixels where they can.
// A view of a Format_Grayscale8 (CV_8UC1) or Format_RGB888 (CV_8UC3) image, valid while the
// image lives and is not modified; other formats are converted first (asGrey8 / asRgb888).
cv::Mat matView(const QImage& image);
QImage asGrey8(const QImage& image);  // shares when already Grayscale8
QImage asRgb888(const QImage& image); // shares when already RGB888
// A copy of a CV_8UC1 or CV_8UC3 (RGB) matrix; null for other types.
QImage imageFromMat(const cv::Mat& mat);
// The outlines of a mask's lesion regions (non-zero) through the boundary pixels' centres, in
// image coordinates (a pixel's centre at +0.5), for drawing.
QPainterPath maskOutlinePath(const QImage& mask);

} // namespace dermsam
