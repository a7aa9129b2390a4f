#include "ui/wizard/settings_page.h"

#include "ui/wizard/finetune_wizard.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <algorithm>

namespace dermsam {

namespace {
// A field and its one-line explanation under it; the explanation's label goes to *why.
QWidget* explained(QWidget* field, QLabel** why, QWidget* parent) {
    auto* box = new QWidget(parent);
    auto* l = new QVBoxLayout(box);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(1);
    l->addWidget(field);
    auto* label = new QLabel(box);
    label->setWordWrap(true);
    QFont f = label->font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    label->setFont(f);
    label->setEnabled(false);
    l->addWidget(label);
    *why = label;
    return box;
}

QString freshOutputFolder() {
    const QString docs = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QDir(docs.isEmpty() ? QDir::homePath() : docs)
        .filePath(QStringLiteral("DermSAM/finetune-") +
                  QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
}
} // namespace

SettingsPage::SettingsPage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    // Starting the run is the point of no return: its pages cannot go back to change settings.
    setCommitPage(true);
    // The page fills the wizard's page area: QWizard keeps a page at the height its size hint
    // had, so after a language switch that wraps the explanations to two lines the rows would
    // overlap.
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    m_epochs = new QSpinBox(this);
    m_epochs->setObjectName(QStringLiteral("epochs"));
    m_epochs->setRange(1, 1000);
    m_lr = new QDoubleSpinBox(this);
    m_lr->setObjectName(QStringLiteral("learningRate"));
    m_lr->setDecimals(6);
    m_lr->setRange(1e-6, 1e-1);
    m_lr->setSingleStep(1e-5);
    m_batch = new QSpinBox(this);
    m_batch->setObjectName(QStringLiteral("batchSize"));
    m_batch->setRange(1, 512);
    m_jitter = new QDoubleSpinBox(this);
    m_jitter->setObjectName(QStringLiteral("boxJitter"));
    m_jitter->setRange(0, 100);
    m_patience = new QSpinBox(this);
    m_patience->setObjectName(QStringLiteral("patience"));
    m_patience->setRange(0, 1000);
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setRange(0, 1000000);
    m_output = new QLineEdit(this);
    m_output->setObjectName(QStringLiteral("outputFolder"));
    m_browse = new QPushButton(this);
    auto* outRow = new QWidget(this);
    auto* outLayout = new QHBoxLayout(outRow);
    outLayout->setContentsMargins(0, 0, 0, 0);
    outLayout->addWidget(m_output);
    outLayout->addWidget(m_browse);
    // Item texts are set in retranslate(); the data values are compare's --prompt names.
    m_testPrompt = new QComboBox(this);
    m_testPrompt->setObjectName(QStringLiteral("testPrompt"));
    for (const char* prompt : {"box", "jitter", "center"})
        m_testPrompt->addItem(QString(), QString::fromLatin1(prompt));

    auto* form = new QFormLayout(this);
    QWidget* const fields[kFields] = {m_epochs,   m_lr,   m_batch, m_jitter,
                                      m_patience, m_seed, outRow,  m_testPrompt};
    for (int i = 0; i < kFields; ++i) {
        m_names[i] = new QLabel(this);
        form->addRow(m_names[i], explained(fields[i], &m_explanations[i], this));
    }
    retranslate();
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Output folder"), m_output->text());
        if (!dir.isEmpty())
            m_output->setText(QDir::toNativeSeparators(dir));
    });
    connect(m_output, &QLineEdit::textChanged, this, &SettingsPage::completeChanged);
}

void SettingsPage::retranslate() {
    setTitle(tr("Settings"));
    setSubTitle(tr("The defaults are those of the PEFT-MedSAM recipe and of dermsam-cli "
                   "finetune; they suit most datasets."));
    setButtonText(QWizard::CommitButton, tr("&Start training"));
    m_jitter->setSuffix(tr(" px"));
    m_patience->setSpecialValueText(tr("never stop early"));
    m_browse->setText(tr("Brow&se..."));
    const QString names[kFields] = {tr("Epochs:"),
                                    tr("Learning rate:"),
                                    tr("Batch size:"),
                                    tr("Box jitter:"),
                                    tr("Early-stopping patience:"),
                                    tr("Seed:"),
                                    tr("Output folder:"),
                                    tr("Test prompts:")};
    const QString explanations[kFields] = {
        tr("Passes over the training images. 10 is usually enough; the best epoch is kept."),
        tr("AdamW step size (weight decay 0.01). 0.0001 is the tested default; lower it if the "
           "validation Dice jumps around."),
        tr("Images per step. Larger is smoother and needs more memory."),
        tr("Each side of the training box moves outward by up to this much (1024-pixel frame), "
           "so the model tolerates loose boxes."),
        tr("Stop after this many epochs without a better validation Dice."),
        tr("Same seed, same data and settings: the same model on the CPU."),
        tr("The checkpoint, the split used and the reports are written here."),
        tr("How both models are prompted from each test mask for the final comparison "
           "(dermsam-cli compare --prompt).")};
    m_testPrompt->setItemText(0, tr("Ground-truth box"));
    m_testPrompt->setItemText(1, tr("Jittered box (each side up to 20 px outward)"));
    m_testPrompt->setItemText(2, tr("One click inside the lesion"));
    for (int i = 0; i < kFields; ++i) {
        m_names[i]->setText(names[i]);
        m_explanations[i]->setText(explanations[i]);
    }
}

void SettingsPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void SettingsPage::initializePage() {
    const FineTuneWizardSettings& s = m_wizard->settings();
    m_epochs->setValue(s.epochs);
    m_lr->setValue(s.learningRate);
    m_batch->setValue(s.batchSize);
    m_jitter->setValue(s.boxJitter);
    m_patience->setValue(s.patience);
    m_seed->setValue(s.seed);
    m_testPrompt->setCurrentIndex(std::max(0, m_testPrompt->findData(s.testPrompt)));
    // A new folder per run unless the user chose one for this run: runs never overwrite each
    // other's checkpoints by accident.
    if (m_output->text().isEmpty())
        m_output->setText(QDir::toNativeSeparators(
            s.outputFolder.isEmpty() || QDir(s.outputFolder).exists() ? freshOutputFolder()
                                                                      : s.outputFolder));
}

bool SettingsPage::isComplete() const {
    return !m_output->text().trimmed().isEmpty();
}

bool SettingsPage::validatePage() {
    FineTuneWizardSettings& s = m_wizard->settings();
    s.epochs = m_epochs->value();
    s.learningRate = m_lr->value();
    s.batchSize = m_batch->value();
    s.boxJitter = m_jitter->value();
    s.patience = m_patience->value();
    s.seed = m_seed->value();
    s.outputFolder = QDir::fromNativeSeparators(m_output->text().trimmed());
    s.testPrompt = m_testPrompt->currentData().toString();
    return true;
}

} // namespace dermsam
