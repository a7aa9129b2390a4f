#include "ui/session/image_views.h"

#include <opencv2/imgproc.hpp>

#include <cstring>

namespace dermsam {

cv::Mat matView(const QImage& image) {
    int type = -1;
    if (image.format() == QImage::Format_Grayscale8)
        type = CV_8UC1;
    else if (image.format() == QImage::Format_RGB888)
        type = CV_8UC3;
    if (type < 0 || image.isNull())
        return {};
    return cv::Mat(image.height(), image.width(), type, const_cast<uchar*>(image.constBits()),
                   static_cast<std::size_t>(image.bytesPerLine()));
}

QImage asGrey8(const QImage& image) {
    return image.format() == QImage::Format_Grayscale8
               ? image
               : image.convertToFormat(QImage::Format_Grayscale8);
}

QImage asRgb888(const QImage& image) {
    return image.format() == QImage::Format_RGB888 ? image
                                                   : image.convertToFormat(QImage::Format_RGB888);
}

QImage imageFromMat(const cv::Mat& mat) {
    QImage::Format format;
    if (mat.type() == CV_8UC1)
        format = QImage::Format_Grayscale8;
    else if (mat.type() == CV_8UC3)
        format = QImage::Format_RGB888;
    else
        return {};
    QImage out(mat.cols, mat.rows, format);
    const std::size_t rowBytes = static_cast<std::size_t>(mat.cols) * mat.elemSize();
    for (int y = 0; y < mat.rows; ++y)
        std::memcpy(out.scanLine(y), mat.ptr(y), rowBytes);
    return out;
}

QPainterPath maskOutlinePath(const QImage& maskIn) {
    const QImage mask = asGrey8(maskIn);
    cv::Mat binary;
    cv::compare(matView(mask), 0, binary, cv::CMP_NE);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(binary, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    QPainterPath path;
    for (const auto& c : contours) {
        if (c.empty())
            continue;
        path.moveTo(c[0].x + 0.5, c[0].y + 0.5);
        for (std::size_t i = 1; i < c.size(); ++i)
            path.lineTo(c[i].x + 0.5, c[i].y + 0.5);
        path.closeSubpath();
    }
    return path;
}

} // namespace dermsam
