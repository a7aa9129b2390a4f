#include "ui/session/document_measurements.h"

#include "core/core_error.h"

namespace dermsam {

LesionMeasurements measureDocumentMask(const QImage& maskIn, const QImage& rgbIn, double rowMm,
                                       double colMm) {
    if (maskIn.isNull())
        return {};
    const QImage mask = maskIn.format() == QImage::Format_Grayscale8
                            ? maskIn
                            : maskIn.convertToFormat(QImage::Format_Grayscale8);
    const cv::Mat maskView(mask.height(), mask.width(), CV_8UC1,
                           const_cast<uchar*>(mask.constBits()),
                           static_cast<std::size_t>(mask.bytesPerLine()));
    cv::Mat rgbView;
    QImage rgb;
    if (!rgbIn.isNull() && rgbIn.size() == maskIn.size()) {
        rgb = rgbIn.format() == QImage::Format_RGB888
                  ? rgbIn
                  : rgbIn.convertToFormat(QImage::Format_RGB888);
        rgbView = cv::Mat(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                          static_cast<std::size_t>(rgb.bytesPerLine()));
    }
    try {
        return measureLesion(maskView, rgbView, rowMm, colMm);
    } catch (const CoreError&) {
        return {}; // sizes that cannot be measured together: nothing measured
    }
}

} // namespace dermsam
