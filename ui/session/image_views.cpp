#include "ui/session/image_views.h"

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

} // namespace dermsam
