#include "ui/session/document_measurements.h"

#include "ui/session/image_views.h"

#include "core/core_error.h"

namespace dermsam {

LesionMeasurements measureDocumentMask(const QImage& maskIn, const QImage& rgbIn, double rowMm,
                                       double colMm) {
    if (maskIn.isNull())
        return {};
    const QImage mask = asGrey8(maskIn);
    QImage rgb;
    if (!rgbIn.isNull() && rgbIn.size() == maskIn.size())
        rgb = asRgb888(rgbIn);
    try {
        return measureLesion(matView(mask), matView(rgb), rowMm, colMm);
    } catch (const CoreError&) {
        return {}; // sizes that cannot be measured together: nothing measured
    }
}

} // namespace dermsam
