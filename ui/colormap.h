#pragma once

#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QtGui/qrgb.h>

namespace dermsam {

// Colour maps for heatmaps: the same tables as the CLI's overlays (OpenCV's).
enum class ColorMap { Turbo, Jet, Viridis };

QString colorMapName(ColorMap map);             // "turbo", "jet", "viridis"
ColorMap colorMapFromName(const QString& name); // unknown names give Turbo
QStringList colorMapNames();

// 256 opaque colours, index = heat * 255.
const QVector<QRgb>& colorMapTable(ColorMap map);

// Grayscale8 heat -> ARGB32_Premultiplied colour image with the given opacity (0..1).
QImage colorizeHeatmap(const QImage& heat, ColorMap map, double opacity);

// A horizontal legend bar (low on the left, high on the right).
QImage colorMapLegend(ColorMap map, const QSize& size);

} // namespace dermsam
