#pragma once

#include <QImage>
#include <QMetaType>
#include <QString>

namespace dermsam {

// What the worker computes after each mask (DESIGN.md, Explainability). Torch-free.
struct HeatmapOptions {
    bool enabled = false;
    QString method = QStringLiteral("gradcam"); // "gradcam", "hirescam", "gradcam++"
    int block = -1;                             // -1 = image embedding, k = encoder block k
};

// The heatmap of one mask request: same request id as its MaskResponse, sent after it.
struct HeatmapResponse {
    quint64 requestId = 0;
    quint64 imageId = 0;
    // Format_Grayscale8, 0..255 = heatmap 0..1, with the image's aspect: the image's size up to
    // kMaxSide on the longest side, scaled down to it beyond (drawn stretched over the image).
    QImage heat;
    static constexpr int kMaxSide = 1024;
    QString method;
    int block = -1;
    QPoint peak; // image pixels
    double milliseconds = 0.0;
    // Set (and heat null) when the heatmap could not be computed: the user is told, since a
    // ticked "Show heatmap" with nothing drawn looks like a hang.
    QString error;
};

} // namespace dermsam

Q_DECLARE_METATYPE(dermsam::HeatmapOptions)
Q_DECLARE_METATYPE(dermsam::HeatmapResponse)
