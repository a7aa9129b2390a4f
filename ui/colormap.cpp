#include "ui/colormap.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <array>

namespace dermsam {

namespace {

QVector<QRgb> buildTable(int cvMap) {
    cv::Mat ramp(1, 256, CV_8U);
    for (int i = 0; i < 256; ++i)
        ramp.at<uchar>(0, i) = static_cast<uchar>(i);
    cv::Mat bgr;
    cv::applyColorMap(ramp, bgr, cvMap);
    QVector<QRgb> table(256);
    for (int i = 0; i < 256; ++i) {
        const cv::Vec3b c = bgr.at<cv::Vec3b>(0, i);
        table[i] = qRgb(c[2], c[1], c[0]);
    }
    return table;
}

} // namespace

QString colorMapName(ColorMap map) {
    switch (map) {
    case ColorMap::Turbo:
        return QStringLiteral("turbo");
    case ColorMap::Jet:
        return QStringLiteral("jet");
    case ColorMap::Viridis:
        return QStringLiteral("viridis");
    }
    return QStringLiteral("turbo");
}

ColorMap colorMapFromName(const QString& name) {
    if (name == QLatin1String("jet"))
        return ColorMap::Jet;
    if (name == QLatin1String("viridis"))
        return ColorMap::Viridis;
    return ColorMap::Turbo;
}

QStringList colorMapNames() {
    return {QStringLiteral("turbo"), QStringLiteral("jet"), QStringLiteral("viridis")};
}

const QVector<QRgb>& colorMapTable(ColorMap map) {
    static const std::array<QVector<QRgb>, 3> tables = {buildTable(cv::COLORMAP_TURBO),
                                                        buildTable(cv::COLORMAP_JET),
                                                        buildTable(cv::COLORMAP_VIRIDIS)};
    return tables[static_cast<size_t>(map)];
}

QImage colorizeHeatmap(const QImage& heat, ColorMap map, double opacity) {
    if (heat.isNull())
        return {};
    const QImage grey = heat.format() == QImage::Format_Grayscale8
                            ? heat
                            : heat.convertToFormat(QImage::Format_Grayscale8);
    const QVector<QRgb>& table = colorMapTable(map);
    const int alpha = qBound(0, qRound(opacity * 255.0), 255);
    QImage out(grey.size(), QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < grey.height(); ++y) {
        const uchar* src = grey.constScanLine(y);
        auto* dst = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < grey.width(); ++x) {
            const QRgb c = table[src[x]];
            dst[x] = qPremultiply(qRgba(qRed(c), qGreen(c), qBlue(c), alpha));
        }
    }
    return out;
}

QImage colorMapLegend(ColorMap map, const QSize& size) {
    QImage out(size, QImage::Format_RGB32);
    const QVector<QRgb>& table = colorMapTable(map);
    const int w = qMax(1, size.width());
    for (int x = 0; x < size.width(); ++x) {
        const QRgb c = table[qBound(0, x * 255 / qMax(1, w - 1), 255)];
        for (int y = 0; y < size.height(); ++y)
            out.setPixel(x, y, c);
    }
    return out;
}

} // namespace dermsam
