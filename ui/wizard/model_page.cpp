#include "ui/wizard/model_page.h"

#include "ui/wizard/finetune_wizard.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
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
    setTitle(tr("Model"));
    setSubTitle(tr("The model to start from. Its image and prompt encoders stay frozen; the "
                   "mask decoder learns from your data (parameter-efficient fine-tuning)."));
    const QString current = wizard->currentModel();
    m_current = new QRadioButton(
        current.isEmpty() ? tr("The &current model (the built-in default model)")
                          : tr("The &current model (%1)").arg(QFileInfo(current).fileName()),
        this);
    m_current->setObjectName(QStringLiteral("baseCurrent"));
    m_default = new QRadioButton(tr("The built-in &default model"), this);
    m_default->setObjectName(QStringLiteral("baseDefault"));
    m_file = new QRadioButton(tr("A checkpoint &file (MedSAM, SAM, .pth or .safetensors):"), this);
    m_file->setObjectName(QStringLiteral("baseFile"));
    auto* group = new QButtonGroup(this);
    for (QRadioButton* b : {m_current, m_default, m_file})
        group->addButton(b);
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("basePath"));
    auto* browse = new QPushButton(tr("Bro&wse..."), this);
    auto* row = new QHBoxLayout;
    row->addWidget(m_path);
    row->addWidget(browse);

    auto* decoder = new QCheckBox(tr("Mask decoder (always)"), this);
    decoder->setChecked(true);
    decoder->setEnabled(false);
    m_promptEncoder = new QCheckBox(tr("Prompt encoder too"), this);
    m_promptEncoder->setObjectName(QStringLiteral("trainPromptEncoder"));
    m_promptEncoder->setToolTip(tr("Rarely helps; the PEFT default trains the decoder only."));
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    m_device->addItem(tr("Automatic (GPU when present)"), QStringLiteral("auto"));
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
    m_device->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
    m_precision = new QComboBox(this);
    m_precision->setObjectName(QStringLiteral("precision"));
    m_precision->addItem(tr("float32 (exact)"), QStringLiteral("float32"));
    m_precision->addItem(tr("bfloat16 (faster on recent GPUs)"), QStringLiteral("bfloat16"));

    auto* form = new QFormLayout;
    auto* trains = new QVBoxLayout;
    trains->addWidget(decoder);
    trains->addWidget(m_promptEncoder);
    form->addRow(tr("What trains:"), trains);
    form->addRow(tr("Device:"), m_device);
    form->addRow(tr("Precision:"), m_precision);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_current);
    layout->addWidget(m_default);
    layout->addWidget(m_file);
    layout->addLayout(row);
    layout->addSpacing(12);
    layout->addLayout(form);
    layout->addStretch(1);

    connect(browse, &QPushButton::clicked, this, [this] {
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
    connect(m_device, &QComboBox::currentIndexChanged, this, [this] {
        // Reduced precision trains only on a GPU (autocast).
        m_precision->setEnabled(m_device->currentData().toString() != QLatin1String("cpu"));
    });
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
    return true;
}

} // namespace dermsam
