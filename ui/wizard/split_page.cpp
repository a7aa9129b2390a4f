#include "ui/wizard/split_page.h"

#include "ui/live_label.h"
#include "ui/session/error_text.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/finetune_worker.h"

#include <QButtonGroup>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMetaObject>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <array>

namespace dermsam {

namespace {
QDoubleSpinBox* ratioBox(QWidget* parent, const QString& name) {
    auto* box = new QDoubleSpinBox(parent);
    box->setObjectName(name);
    box->setRange(0.0, 1.0);
    box->setSingleStep(0.05);
    box->setDecimals(2);
    return box;
}
} // namespace

SplitPage::SplitPage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    m_useFile = new QRadioButton(this);
    m_useFile->setObjectName(QStringLiteral("useSplitFile"));
    m_random = new QRadioButton(this);
    m_random->setObjectName(QStringLiteral("randomSplit"));
    auto* group = new QButtonGroup(this);
    group->addButton(m_useFile);
    group->addButton(m_random);
    m_file = new QLineEdit(this);
    m_file->setObjectName(QStringLiteral("splitFile"));
    m_browse = new QPushButton(this);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file);
    fileRow->addWidget(m_browse);
    m_train = ratioBox(this, QStringLiteral("trainRatio"));
    m_val = ratioBox(this, QStringLiteral("valRatio"));
    m_test = ratioBox(this, QStringLiteral("testRatio"));
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("splitSeed"));
    m_seed->setRange(0, 1000000);
    auto* ratios = new QFormLayout;
    for (int i = 0; i < 4; ++i) {
        m_shareLabels[i] = new QLabel(this);
        ratios->addRow(m_shareLabels[i],
                       std::array<QWidget*, 4>{m_train, m_val, m_test, m_seed}[i]);
    }
    m_counts = new LiveLabel(this);
    m_counts->setObjectName(QStringLiteral("splitCounts"));
    m_counts->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_useFile);
    layout->addLayout(fileRow);
    layout->addWidget(m_random);
    layout->addLayout(ratios);
    layout->addWidget(m_counts);
    layout->addStretch(1);
    retranslate();

    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(
            this, tr("Split file"), m_file->text(), tr("Split files (*.txt *.csv);;All files (*)"));
        if (!f.isEmpty()) {
            m_file->setText(f);
            m_useFile->setChecked(true);
            requestCounts();
        }
    });
    connect(m_file, &QLineEdit::editingFinished, this, &SplitPage::requestCounts);
    connect(group, &QButtonGroup::buttonToggled, this, [this](QAbstractButton*, bool on) {
        if (on)
            requestCounts();
    });
    for (QDoubleSpinBox* b : {m_train, m_val, m_test})
        connect(b, &QDoubleSpinBox::valueChanged, this, &SplitPage::requestCounts);
    connect(m_seed, &QSpinBox::valueChanged, this, &SplitPage::requestCounts);
    connect(m_wizard->worker(), &FineTuneWorker::splitMade, this, &SplitPage::onSplitMade);
}

void SplitPage::retranslate() {
    setTitle(tr("Split"));
    setSubTitle(tr("Training images teach the model, validation images pick the best epoch, "
                   "and test images are kept apart for the final comparison."));
    m_useFile->setText(tr("Use a &split file (one \"id split\" per line)"));
    m_random->setText(tr("Make a seeded &random split"));
    m_browse->setText(tr("B&rowse..."));
    m_shareLabels[0]->setText(tr("Training share:"));
    m_shareLabels[1]->setText(tr("Validation share:"));
    m_shareLabels[2]->setText(tr("Test share:"));
    m_shareLabels[3]->setText(tr("Seed (same seed, same split):"));
}

void SplitPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void SplitPage::initializePage() {
    const FineTuneWizardSettings& s = m_wizard->settings();
    const QString own = QDir(s.dataFolder).filePath(QStringLiteral("splits.txt"));
    QString file = s.splitFile;
    if (QFileInfo::exists(own))
        file = own; // the folder's own split wins over a file remembered from another folder
    else if (!QFileInfo::exists(file))
        file.clear();
    const QSignalBlocker b1(m_train), b2(m_val), b3(m_test), b4(m_seed);
    m_file->setText(QDir::toNativeSeparators(file));
    m_train->setValue(s.trainRatio);
    m_val->setValue(s.valRatio);
    m_test->setValue(s.testRatio);
    m_seed->setValue(s.splitSeed);
    const bool useFile = s.useSplitFile && !file.isEmpty();
    {
        const QSignalBlocker b5(m_useFile), b6(m_random);
        m_useFile->setChecked(useFile);
        m_random->setChecked(!useFile);
    }
    requestCounts();
}

SplitRequest SplitPage::currentRequest() const {
    SplitRequest r;
    r.folder = m_wizard->settings().dataFolder;
    r.splitFile =
        m_useFile->isChecked() ? QDir::fromNativeSeparators(m_file->text().trimmed()) : QString();
    r.trainRatio = m_train->value();
    r.valRatio = m_val->value();
    r.testRatio = m_test->value();
    r.seed = m_seed->value();
    return r;
}

void SplitPage::requestCounts() {
    if (m_useFile->isChecked() && m_file->text().trimmed().isEmpty()) {
        m_pending = false;
        m_result = SplitResult{};
        m_result.error = QStringLiteral("no-split-file");
        m_counts->setTextFunction(
            [] { return tr("Choose a split file, or make a random split."); });
        Q_EMIT completeChanged();
        return;
    }
    m_request = m_wizard->nextRequestId();
    m_pending = true;
    m_counts->setTextFunction([] { return tr("Counting..."); });
    Q_EMIT completeChanged();
    QMetaObject::invokeMethod(m_wizard->worker(), "makeSplit", Qt::QueuedConnection,
                              Q_ARG(quint64, m_request),
                              Q_ARG(dermsam::SplitRequest, currentRequest()));
}

void SplitPage::onSplitMade(quint64 requestId, const SplitResult& result) {
    if (requestId != m_request)
        return;
    m_pending = false;
    m_result = result;
    m_counts->setTextFunction([result] { return countsText(result); });
    Q_EMIT completeChanged();
}

QString SplitPage::countsText(const SplitResult& result) {
    if (result.error == QLatin1String("bad-argument"))
        return tr("The shares must not be negative and must not all be zero.");
    if (!result.error.isEmpty())
        return errorCodeText(result.error, result.errorPath);
    QString text = tr("Training: %1 images, validation: %2, test: %3.")
                       .arg(result.train)
                       .arg(result.val)
                       .arg(result.test);
    if (result.unknownIds > 0 || result.unassignedIds > 0)
        text += QLatin1Char(' ') + tr("%1 ids of the file are not in the folder; %2 images "
                                      "of the folder are in no split.")
                                       .arg(result.unknownIds)
                                       .arg(result.unassignedIds);
    if (result.train == 0 || result.test == 0)
        text += QLatin1Char(' ') + tr("Training and test need at least one image each.");
    return text;
}

bool SplitPage::isComplete() const {
    return !m_pending && m_result.error.isEmpty() && m_result.train > 0 && m_result.test > 0;
}

bool SplitPage::validatePage() {
    FineTuneWizardSettings& s = m_wizard->settings();
    const SplitRequest r = currentRequest();
    s.useSplitFile = m_useFile->isChecked();
    if (s.useSplitFile)
        s.splitFile = r.splitFile;
    s.trainRatio = r.trainRatio;
    s.valRatio = r.valRatio;
    s.testRatio = r.testRatio;
    s.splitSeed = r.seed;
    return true;
}

} // namespace dermsam
