#include "ui/heatmap_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
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
    m_show = new QCheckBox(this);
    // Item texts are set in retranslate(); the data values are what the worker understands.
    m_method = new QComboBox(this);
    for (const char* method : {"gradcam", "hirescam", "gradcam++"})
        m_method->addItem(QString(), QString::fromLatin1(method));
    m_layer = new QSpinBox(this);
    m_layer->setRange(-1, 0);
    m_layer->setValue(-1);
    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(50);
    m_colorMap = new QComboBox(this);
    for (const char* map : {"turbo", "jet", "viridis"})
        m_colorMap->addItem(QString(), QString::fromLatin1(map));
    m_legend = new QLabel(this);
    m_legend->setObjectName(QStringLiteral("heatmapLegend"));
    m_info = new QLabel(this);
    m_info->setObjectName(QStringLiteral("heatmapInfo"));
    m_info->setWordWrap(true);

    auto* form = new QFormLayout;
    for (int i = 0; i < 6; ++i)
        m_labels[i] = new QLabel(this);
    form->addRow(m_labels[0], m_method);
    form->addRow(m_labels[1], m_layer);
    form->addRow(m_labels[2], m_opacity);
    form->addRow(m_labels[3], m_colorMap);
    auto* legendRow = new QHBoxLayout;
    legendRow->addWidget(m_labels[4]);
    legendRow->addWidget(m_legend, 1);
    legendRow->addWidget(m_labels[5]);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_show);
    layout->addLayout(form);
    layout->addLayout(legendRow);
    layout->addWidget(m_info);
    layout->addStretch(1);
    updateLegend();
    retranslate();

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

void HeatmapPanel::retranslate() {
    m_show->setText(tr("Show heatmap (H)"));
    m_method->setItemText(0, tr("Grad-CAM"));
    m_method->setItemText(1, tr("HiResCAM"));
    m_method->setItemText(2, tr("Grad-CAM++"));
    // Plain words on the panel; the technical terms are in the tooltips.
    m_layer->setSpecialValueText(tr("final image features (fast)"));
    m_layer->setPrefix(tr("image analysis step "));
    m_layer->setToolTip(tr("Which layer the explanation looks at: the image embedding (the "
                           "default, instant) or an earlier encoder block (slower, coarser "
                           "detail of what the network saw first)."));
    m_method->setToolTip(tr("Class-activation method: Grad-CAM weighs feature maps by their "
                            "mean gradient; HiResCAM keeps the gradient per position; "
                            "Grad-CAM++ weighs positive gradients more."));
    m_show->setToolTip(tr("Colours the image by how much each region drove the mask (Grad-CAM)"));
    m_colorMap->setItemText(0, tr("Turbo"));
    m_colorMap->setItemText(1, tr("Jet"));
    m_colorMap->setItemText(2, tr("Viridis"));
    m_labels[0]->setText(tr("Explanation:"));
    m_labels[1]->setText(tr("Looks at:"));
    m_labels[2]->setText(tr("Opacity:"));
    m_labels[3]->setText(tr("Colour map:"));
    m_labels[4]->setText(tr("low"));
    m_labels[5]->setText(tr("high"));
}

void HeatmapPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

void HeatmapPanel::updateLegend() {
    m_legend->setPixmap(QPixmap::fromImage(colorMapLegend(colorMap(), QSize(160, 14))));
}

} // namespace dermsam
