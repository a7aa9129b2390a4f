#pragma once

#include "ui/colormap.h"
#include "ui/session/heatmap_types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace dermsam {

// Heatmap controls (DESIGN.md, Explainability): show/hide, method, layer, opacity, colour map
// and its legend bar. Emits what changed; owns no inference.
class HeatmapPanel : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPanel(QWidget* parent = nullptr);

    HeatmapOptions options() const;
    double opacity() const;
    ColorMap colorMap() const;

    void setShown(bool shown);
    bool shown() const;
    // The encoder's block count bounds the layer choice (0 = only the embedding).
    void setBlockCount(int count);
    // "peak at x, y (12 ms)" or empty.
    void setInfo(const QString& text);

Q_SIGNALS:
    // Show toggled, method or layer changed: a new heatmap is needed (or none when hidden).
    void optionsChanged(const dermsam::HeatmapOptions& options);
    // Opacity or colour map changed: recolour only.
    void appearanceChanged();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updateLegend();

    QCheckBox* m_show = nullptr;
    QComboBox* m_method = nullptr;
    QSpinBox* m_layer = nullptr;
    QSlider* m_opacity = nullptr;
    QComboBox* m_colorMap = nullptr;
    QLabel* m_legend = nullptr;
    QLabel* m_info = nullptr;
    QLabel* m_labels[6] = {}; // method, layer, opacity, colour map, legend low, legend high
};

} // namespace dermsam
