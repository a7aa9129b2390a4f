#include "ui/wizard/model_page.h"

#include "ui/wizard/finetune_wizard.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace dermsam {

ModelPage::ModelPage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    m_current = new QRadioButton(this);
    m_current->setObjectName(QStringLiteral("baseCurrent"));
    m_default = new QRadioButton(this);
    m_default->setObjectName(QStringLiteral("baseDefault"));
    m_file = new QRadioButton(this);
    m_file->setObjectName(QStringLiteral("baseFile"));
    auto* group = new QButtonGroup(this);
    for (QRadioButton* b : {m_current, m_default, m_file})
        group->addButton(b);
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("basePath"));
    m_browse = new QPushButton(this);
    auto* row = new QHBoxLayout;
    row->addWidget(m_path);
    row->addWidget(m_browse);

    m_decoder = new QCheckBox(this);
    m_decoder->setChecked(true);
    m_decoder->setEnabled(false);
    m_promptEncoder = new QCheckBox(this);
    m_promptEncoder->setObjectName(QStringLiteral("trainPromptEncoder"));
    // Item texts are set in retranslate(); the data values are what the settings store.
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    for (const char* device : {"auto", "cpu", "cuda"})
        m_device->addItem(QString(), QString::fromLatin1(device));
    m_precision = new QComboBox(this);
    m_precision->setObjectName(QStringLiteral("precision"));
    for (const char* precision : {"float32", "bfloat16"})
        m_precision->addItem(QString(), QString::fromLatin1(precision));
    m_tf32 = new QCheckBox(this);
    m_tf32->setObjectName(QStringLiteral("tf32"));

    auto* form = new QFormLayout;
    auto* trains = new QVBoxLayout;
    trains->addWidget(m_decoder);
    trains->addWidget(m_promptEncoder);
    for (QLabel*& label : m_formLabels)
        label = new QLabel(this);
    form->addRow(m_formLabels[0], trains);
    form->addRow(m_formLabels[1], m_device);
    form->addRow(m_formLabels[2], m_precision);
    form->addRow(QString(), m_tf32);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_current);
    layout->addWidget(m_default);
    layout->addWidget(m_file);
    layout->addLayout(row);
    layout->addSpacing(12);
    layout->addLayout(form);
    layout->addStretch(1);
    retranslate();

    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(
            this, tr("Base model"), m_path->text(),
            tr("Checkpoints (*.pth *.pt *.safetensors);;All files (*)"));
        if (!f.isEmpty()) {
            m_path->setText(QDir::toNativeSeparators(f));
            m_file->setChecked(true);
        }
    });
    connect(group, &QButtonGroup::buttonToggled, this, &ModelPage::completeChanged);
    connect(m_path, &QLineEdit::textChanged, this, &ModelPage::completeChanged);
    connect(m_device, &QComboBox::currentIndexChanged, this, &ModelPage::updateEnabled);
    connect(m_precision, &QComboBox::currentIndexChanged, this, &ModelPage::updateEnabled);
}

void ModelPage::retranslate() {
    setTitle(tr("Model"));
    setSubTitle(tr("The model to start from. Its image and prompt encoders stay frozen; the "
                   "mask decoder learns from your data (parameter-efficient fine-tuning)."));
    const QString current = m_wizard->currentModel();
    m_current->setText(current.isEmpty()
                           ? tr("The &current model (the built-in default model)")
                           : tr("The &current model (%1)").arg(QFileInfo(current).fileName()));
    m_default->setText(tr("The built-in &default model"));
    m_file->setText(tr("A checkpoint &file (MedSAM, SAM, .pth or .safetensors):"));
    m_browse->setText(tr("Bro&wse..."));
    m_decoder->setText(tr("Mask decoder (always)"));
    m_promptEncoder->setText(tr("Prompt encoder too"));
    m_promptEncoder->setToolTip(tr("Rarely helps; the PEFT default trains the decoder only."));
    m_device->setItemText(0, tr("Automatic (GPU when present)"));
    m_device->setItemText(1, tr("CPU"));
    m_device->setItemText(2, tr("CUDA GPU"));
    m_precision->setItemText(0, tr("float32"));
    m_precision->setItemText(1, tr("bfloat16 (faster on recent GPUs)"));
    m_tf32->setText(tr("TF32 matrix products on NVIDIA GPUs (faster, slightly less exact)"));
    m_tf32->setToolTip(tr("Off: float32 products are exact on the GPU too, and slower."));
    m_formLabels[0]->setText(tr("What trains:"));
    m_formLabels[1]->setText(tr("Device:"));
    m_formLabels[2]->setText(tr("Precision:"));
}

void ModelPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void ModelPage::initializePage() {
    const FineTuneWizardSettings& s = m_wizard->settings();
    const QString current =
        m_wizard->currentModel().isEmpty() ? QStringLiteral("default") : m_wizard->currentModel();
    if (s.baseModel == QLatin1String("default") && current != s.baseModel) {
        m_default->setChecked(true);
    } else if (s.baseModel == current) {
        m_current->setChecked(true);
    } else {
        m_file->setChecked(true);
        m_path->setText(QDir::toNativeSeparators(s.baseModel));
    }
    m_promptEncoder->setChecked(s.trainPromptEncoder);
    m_device->setCurrentIndex(std::max(0, m_device->findData(s.device)));
    m_precision->setCurrentIndex(std::max(0, m_precision->findData(s.precision)));
    m_tf32->setChecked(s.tf32);
    updateEnabled();
}

void ModelPage::updateEnabled() {
    // Reduced precision trains only on a GPU (autocast); TF32 is a GPU setting for float32.
    const bool gpu = m_device->currentData().toString() != QLatin1String("cpu");
    m_precision->setEnabled(gpu);
    m_tf32->setEnabled(gpu && m_precision->currentData().toString() == QLatin1String("float32"));
}

QString ModelPage::chosenModel() const {
    if (m_default->isChecked())
        return QStringLiteral("default");
    if (m_current->isChecked())
        return m_wizard->currentModel().isEmpty() ? QStringLiteral("default")
                                                  : m_wizard->currentModel();
    return QDir::fromNativeSeparators(m_path->text().trimmed());
}

bool ModelPage::isComplete() const {
    const QString m = chosenModel();
    return m == QLatin1String("default") || QFileInfo(m).isFile();
}

bool ModelPage::validatePage() {
    FineTuneWizardSettings& s = m_wizard->settings();
    s.baseModel = chosenModel();
    s.trainPromptEncoder = m_promptEncoder->isChecked();
    s.device = m_device->currentData().toString();
    s.precision = m_precision->isEnabled() ? m_precision->currentData().toString()
                                           : QStringLiteral("float32");
    s.tf32 = m_tf32->isChecked();
    return true;
}

} // namespace dermsam
