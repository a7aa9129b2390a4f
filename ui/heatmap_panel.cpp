#include "ui/heatmap_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dermsam {

HeatmapPanel::HeatmapPanel(QWidget* parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("heatmapPanel"));
    m_show = new QCheckBox(tr("Show heatmap (H)"), this);
    m_method = new QComboBox(this);
    m_method->addItem(tr("Grad-CAM"), QStringLiteral("gradcam"));
    m_method->addItem(tr("HiResCAM"), QStringLiteral("hirescam"));
    m_method->addItem(tr("Grad-CAM++"), QStringLiteral("gradcam++"));
    m_layer = new QSpinBox(this);
    m_layer->setRange(-1, 0);
    m_layer->setValue(-1);
    m_layer->setSpecialValueText(tr("image embedding"));
    m_layer->setPrefix(tr("encoder block "));
    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(50);
    m_colorMap = new QComboBox(this);
    m_colorMap->addItem(tr("Turbo"), QStringLiteral("turbo"));
    m_colorMap->addItem(tr("Jet"), QStringLiteral("jet"));
    m_colorMap->addItem(tr("Viridis"), QStringLiteral("viridis"));
    m_legend = new QLabel(this);
    m_legend->setObjectName(QStringLiteral("heatmapLegend"));
    m_info = new QLabel(this);
    m_info->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Method:"), m_method);
    form->addRow(tr("Layer:"), m_layer);
    form->addRow(tr("Opacity:"), m_opacity);
    form->addRow(tr("Colour map:"), m_colorMap);
    auto* legendRow = new QHBoxLayout;
    legendRow->addWidget(new QLabel(tr("low"), this));
    legendRow->addWidget(m_legend, 1);
    legendRow->addWidget(new QLabel(tr("high"), this));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_show);
    layout->addLayout(form);
    layout->addLayout(legendRow);
    layout->addWidget(m_info);
    layout->addStretch(1);
    updateLegend();

    const auto changed = [this] { Q_EMIT optionsChanged(options()); };
    connect(m_show, &QCheckBox::toggled, this, changed);
    connect(m_method, qOverload<int>(&QComboBox::currentIndexChanged), this, changed);
    connect(m_layer, qOverload<int>(&QSpinBox::valueChanged), this, changed);
    connect(m_opacity, &QSlider::valueChanged, this, [this] { Q_EMIT appearanceChanged(); });
    connect(m_colorMap, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        updateLegend();
        Q_EMIT appearanceChanged();
    });
}

HeatmapOptions HeatmapPanel::options() const {
    HeatmapOptions o;
    o.enabled = m_show->isChecked();
    o.method = m_method->currentData().toString();
    o.block = m_layer->value();
    return o;
}

double HeatmapPanel::opacity() const {
    return m_opacity->value() / 100.0;
}

ColorMap HeatmapPanel::colorMap() const {
    return colorMapFromName(m_colorMap->currentData().toString());
}

void HeatmapPanel::setShown(bool shown) {
    m_show->setChecked(shown);
}

bool HeatmapPanel::shown() const {
    return m_show->isChecked();
}

void HeatmapPanel::setBlockCount(int count) {
    m_layer->setRange(-1, qMax(-1, count - 1));
}

void HeatmapPanel::setInfo(const QString& text) {
    m_info->setText(text);
}

void HeatmapPanel::updateLegend() {
    m_legend->setPixmap(QPixmap::fromImage(colorMapLegend(colorMap(), QSize(160, 14))));
}

} // namespace dermsam
