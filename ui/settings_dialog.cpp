#include "ui/settings_dialog.h"

#include "model/device.h"
#include "model/embedding_cache.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
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
    auto* form = new QFormLayout;

    m_checkpoint = new QLineEdit(settings.checkpoint, this);
    m_checkpoint->setObjectName(QStringLiteral("checkpoint"));
    m_browse = new QPushButton(this);
    connect(m_browse, &QPushButton::clicked, this, &SettingsDialog::browse);
    auto* row = new QHBoxLayout;
    row->addWidget(m_checkpoint, 1);
    row->addWidget(m_browse);
    m_checkpointLabel = new QLabel(this);
    form->addRow(m_checkpointLabel, row);

    // Item texts are set in retranslate(); the data values are what the settings store.
    m_profile = new QComboBox(this);
    m_profile->setObjectName(QStringLiteral("profile"));
    for (const char* value : {"", "medsam", "sam", "litemedsam"})
        m_profile->addItem(QString(), QString::fromLatin1(value));
    selectData(m_profile, settings.profile);
    m_profileLabel = new QLabel(this);
    form->addRow(m_profileLabel, m_profile);

    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    for (const char* value : {"auto", "cpu", "cuda"})
        m_device->addItem(QString(), QString::fromLatin1(value));
    selectData(m_device, settings.device);
    m_deviceLabel = new QLabel(this);
    form->addRow(m_deviceLabel, m_device);

    m_precision = new QComboBox(this);
    m_precision->setObjectName(QStringLiteral("precision"));
    for (const QString& value : AppSettings::precisionNames())
        m_precision->addItem(QString(), value);
    selectData(m_precision, settings.precision);
    m_precisionLabel = new QLabel(this);
    form->addRow(m_precisionLabel, m_precision);
    // Without a CUDA device the GPU choices cannot work: say so rather than fail at load time.
    // The stored values are kept for when a GPU is present again.
    m_cuda = cudaAvailable();
    if (!m_cuda) {
        if (auto* items = qobject_cast<QStandardItemModel*>(m_device->model()))
            items->item(2)->setEnabled(false);
        m_precision->setEnabled(false);
    }

    m_threads = new QSpinBox(this);
    m_threads->setObjectName(QStringLiteral("threads"));
    m_threads->setRange(0, 256);
    m_threads->setValue(settings.threads);
    m_threadsLabel = new QLabel(this);
    form->addRow(m_threadsLabel, m_threads);

    m_tta = new QComboBox(this);
    m_tta->setObjectName(QStringLiteral("tta"));
    for (const QString& value : AppSettings::ttaNames())
        m_tta->addItem(QString(), value);
    selectData(m_tta, settings.tta);
    m_ttaLabel = new QLabel(this);
    form->addRow(m_ttaLabel, m_tta);
    m_autoOutline = new QCheckBox(this);
    m_autoOutline->setObjectName(QStringLiteral("autoOutlineOnOpen"));
    m_autoOutline->setChecked(settings.autoOutlineOnOpen);
    form->addRow(QString(), m_autoOutline);

    m_cacheLimit = new QSpinBox(this);
    m_cacheLimit->setObjectName(QStringLiteral("embeddingCache"));
    m_cacheLimit->setRange(0, AppSettings::kMaxEmbeddingCacheMb);
    m_cacheLimit->setSingleStep(256);
    m_cacheLimit->setValue(settings.embeddingCacheMb);
    m_cacheLimitLabel = new QLabel(this);
    m_cacheUse = new QLabel(this);
    m_cacheUse->setObjectName(QStringLiteral("embeddingCacheUse"));
    m_clearCache = new QPushButton(this);
    m_clearCache->setObjectName(QStringLiteral("clearEmbeddingCache"));
    connect(m_clearCache, &QPushButton::clicked, this, &SettingsDialog::clearCache);
    auto* cacheRow = new QHBoxLayout;
    cacheRow->addWidget(m_cacheLimit);
    cacheRow->addWidget(m_cacheUse, 1);
    cacheRow->addWidget(m_clearCache);
    form->addRow(m_cacheLimitLabel, cacheRow);
    // A listing of the folder's names and sizes (no file is read): quick even for thousands.
    m_cacheBytes = EmbeddingCache(AppSettings::embeddingCacheDir().toStdString()).sizeBytes();

    m_language = new QComboBox(this);
    m_language->setObjectName(QStringLiteral("language"));
    m_language->addItem(QString(), QString());
    // Language names stay in their own language so a user can always find theirs.
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("Deutsch"), QStringLiteral("de"));
    selectData(m_language, settings.language);
    m_languageLabel = new QLabel(this);
    form->addRow(m_languageLabel, m_language);
    m_operator = new QLineEdit(settings.operatorName, this);
    m_operator->setObjectName(QStringLiteral("operator"));
    m_operatorLabel = new QLabel(this);
    form->addRow(m_operatorLabel, m_operator);
    m_maxMegapixels = new QSpinBox(this);
    m_maxMegapixels->setObjectName(QStringLiteral("maxMegapixels"));
    m_maxMegapixels->setRange(1, AppSettings::kMaxMegapixelsLimit);
    m_maxMegapixels->setValue(settings.maxMegapixels);
    m_maxMegapixelsLabel = new QLabel(this);
    form->addRow(m_maxMegapixelsLabel, m_maxMegapixels);
    m_followUpThreshold = new QDoubleSpinBox(this);
    m_followUpThreshold->setObjectName(QStringLiteral("followUpThreshold"));
    m_followUpThreshold->setRange(1.0, 500.0);
    m_followUpThreshold->setDecimals(0);
    m_followUpThreshold->setValue(settings.followUpAreaThresholdPercent);
    m_followUpThresholdLabel = new QLabel(this);
    form->addRow(m_followUpThresholdLabel, m_followUpThreshold);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    retranslate();
    resize(560, sizeHint().height());
}

void SettingsDialog::retranslate() {
    setWindowTitle(tr("Settings"));
    m_checkpoint->setPlaceholderText(tr("Built-in default model"));
    m_browse->setText(tr("Browse..."));
    m_checkpointLabel->setText(tr("Model checkpoint:"));
    m_profile->setItemText(0, tr("As stored in the checkpoint"));
    m_profile->setItemText(1, tr("MedSAM (1024 x 1024, min-max)"));
    m_profile->setItemText(2, tr("SAM (longest side 1024, mean/std)"));
    m_profile->setItemText(3, tr("LiteMedSAM (longest side 256, min-max)"));
    m_profileLabel->setText(tr("Preprocessing:"));
    m_device->setItemText(0, m_cuda ? tr("Automatic (CUDA when present)")
                                    : tr("Automatic (no CUDA device found: CPU)"));
    m_device->setItemText(1, tr("CPU"));
    m_device->setItemText(2, tr("CUDA (GPU)"));
    m_deviceLabel->setText(tr("Device:"));
    m_precision->setItemText(0, tr("Float32 (reference numbers)"));
    m_precision->setItemText(1, tr("Float32 with TF32 products (faster on NVIDIA GPUs)"));
    m_precision->setItemText(2, tr("BFloat16 (fastest on recent GPUs)"));
    m_precision->setItemText(3, tr("Float16"));
    m_precision->setToolTip(tr("How the model computes on a GPU. On the CPU it always uses "
                               "float32. Reduced precision changes masks slightly."));
    m_precisionLabel->setText(tr("GPU precision:"));
    m_threads->setSpecialValueText(tr("All cores (%1)").arg(QThread::idealThreadCount()));
    m_threadsLabel->setText(tr("CPU threads:"));
    m_tta->setItemText(0, tr("Off"));
    m_tta->setItemText(1, tr("Mirrored left-right (2 encoder runs)"));
    m_tta->setItemText(2, tr("Mirrored both ways (3 encoder runs)"));
    m_tta->setItemText(3, tr("All mirrors and quarter turns (8 encoder runs)"));
    m_tta->setToolTip(tr("Also segments mirrored copies of the image and averages the answers: "
                         "smoother outlines, more time per image. Not for SAM-profile models."));
    m_ttaLabel->setText(tr("Test-time augmentation:"));
    m_autoOutline->setText(tr("Outline the lesion automatically when an image opens"));
    m_autoOutline->setToolTip(tr("Runs Edit > Auto Outline on every image opened without a saved "
                                 "mask. The result is an ordinary mask: accept, edit or redo it."));
    m_cacheLimit->setSpecialValueText(tr("Off"));
    m_cacheLimit->setSuffix(tr(" MB"));
    m_cacheLimit->setToolTip(
        tr("Image embeddings are kept on disk, so an image opened again needs no encoder run. "
           "The least recently used are deleted beyond this size; lower it to free disk "
           "space. The cache can be deleted at any time."));
    m_cacheLimitLabel->setText(tr("Embedding cache:"));
    m_clearCache->setText(tr("Clear"));
    m_clearCache->setToolTip(tr("Deletes the viewer's cached embeddings now. They are derived "
                                "from the images opened, so clear them before handing the "
                                "computer on; they are made again when needed."));
    showCacheUse();
    m_language->setItemText(0, tr("System language"));
    m_languageLabel->setText(tr("Language:"));
    m_operatorLabel->setText(tr("Operator:"));
    m_operator->setToolTip(tr("Saved with each mask as the person who made it."));
    m_maxMegapixelsLabel->setText(tr("Largest image:"));
    m_followUpThresholdLabel->setText(tr("Flag area change of:"));
    m_followUpThreshold->setSuffix(tr(" % or more"));
    m_followUpThreshold->setToolTip(
        tr("Tools > Compare with Earlier Visit flags a lesion whose area changed by at least this "
           "much since the earlier visit"));
    m_maxMegapixels->setSuffix(tr(" megapixels"));
    m_maxMegapixels->setToolTip(tr("Larger images are refused before they are read, so that a "
                                   "damaged or hostile file cannot take all the memory."));
}

void SettingsDialog::showCacheUse() {
    m_cacheUse->setText(tr("%1 MB in use")
                            .arg(static_cast<double>(m_cacheBytes) / (1 << 20), 0, 'f',
                                 m_cacheBytes < (10u << 20) ? 1 : 0));
    m_clearCache->setEnabled(m_cacheBytes > 0);
}

void SettingsDialog::clearCache() {
    const EmbeddingCache cache(AppSettings::embeddingCacheDir().toStdString());
    cache.prune(0);
    m_cacheBytes = cache.sizeBytes();
    showCacheUse();
}

void SettingsDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QDialog::changeEvent(event);
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
    s.precision = m_precision->currentData().toString();
    s.threads = m_threads->value();
    s.tta = m_tta->currentData().toString();
    s.autoOutlineOnOpen = m_autoOutline->isChecked();
    s.embeddingCacheMb = m_cacheLimit->value();
    s.language = m_language->currentData().toString();
    s.operatorName = m_operator->text().trimmed();
    s.maxMegapixels = m_maxMegapixels->value();
    s.followUpAreaThresholdPercent = m_followUpThreshold->value();
    return s;
}

} // namespace dermsam
