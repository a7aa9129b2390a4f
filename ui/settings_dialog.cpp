#include "ui/settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace dermsam {

namespace {
void selectData(QComboBox* box, const QString& value) {
    const int i = box->findData(value);
    box->setCurrentIndex(i >= 0 ? i : 0);
}
} // namespace

SettingsDialog::SettingsDialog(const AppSettings& settings, QWidget* parent)
    : QDialog(parent)
    , m_settings(settings) {
    setWindowTitle(tr("Settings"));
    auto* form = new QFormLayout;

    m_checkpoint = new QLineEdit(settings.checkpoint, this);
    m_checkpoint->setObjectName(QStringLiteral("checkpoint"));
    m_checkpoint->setPlaceholderText(tr("Built-in default model"));
    auto* browseButton = new QPushButton(tr("Browse..."), this);
    connect(browseButton, &QPushButton::clicked, this, &SettingsDialog::browse);
    auto* row = new QHBoxLayout;
    row->addWidget(m_checkpoint, 1);
    row->addWidget(browseButton);
    form->addRow(tr("Model checkpoint:"), row);

    m_profile = new QComboBox(this);
    m_profile->setObjectName(QStringLiteral("profile"));
    m_profile->addItem(tr("As stored in the checkpoint"), QString());
    m_profile->addItem(tr("MedSAM (1024 x 1024, min-max)"), QStringLiteral("medsam"));
    m_profile->addItem(tr("SAM (longest side 1024, mean/std)"), QStringLiteral("sam"));
    selectData(m_profile, settings.profile);
    form->addRow(tr("Preprocessing:"), m_profile);

    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    m_device->addItem(tr("Automatic (CUDA when present)"), QStringLiteral("auto"));
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
    m_device->addItem(tr("CUDA (GPU)"), QStringLiteral("cuda"));
    selectData(m_device, settings.device);
    form->addRow(tr("Device:"), m_device);

    m_threads = new QSpinBox(this);
    m_threads->setObjectName(QStringLiteral("threads"));
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("All cores (%1)").arg(QThread::idealThreadCount()));
    m_threads->setValue(settings.threads);
    form->addRow(tr("CPU threads:"), m_threads);

    m_language = new QComboBox(this);
    m_language->setObjectName(QStringLiteral("language"));
    m_language->addItem(tr("System language"), QString());
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("Deutsch"), QStringLiteral("de"));
    selectData(m_language, settings.language);
    form->addRow(tr("Language:"), m_language);

    auto* note = new QLabel(tr("A language change takes effect when DermSAM is restarted."), this);
    note->setWordWrap(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());
}

void SettingsDialog::browse() {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Choose a model checkpoint"), m_checkpoint->text(),
        tr("Model checkpoints (*.pth *.pt *.safetensors);;All files (*)"));
    if (!file.isEmpty())
        m_checkpoint->setText(file);
}

AppSettings SettingsDialog::settings() const {
    AppSettings s = m_settings;
    s.checkpoint = m_checkpoint->text().trimmed();
    s.profile = m_profile->currentData().toString();
    s.device = m_device->currentData().toString();
    s.threads = m_threads->value();
    s.language = m_language->currentData().toString();
    return s;
}

} // namespace dermsam
