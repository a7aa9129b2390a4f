#include "ui/wizard/data_page.h"

#include "ui/live_label.h"
#include "ui/session/error_text.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/finetune_worker.h"

#include <QCompleter>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMetaObject>
#include <QPushButton>
#include <QVBoxLayout>

namespace dermsam {

DataPage::DataPage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    m_folder = new QLineEdit(this);
    m_folder->setObjectName(QStringLiteral("dataFolder"));
    m_browse = new QPushButton(this);
    auto* row = new QHBoxLayout;
    row->addWidget(m_folder);
    row->addWidget(m_browse);
    m_summary = new LiveLabel(this);
    m_summary->setObjectName(QStringLiteral("dataSummary"));
    m_summary->setWordWrap(true);
    m_problems = new QListWidget(this);
    m_problems->setObjectName(QStringLiteral("dataProblems"));
    m_problems->setMaximumHeight(90);
    m_previews = new QListWidget(this);
    m_previews->setObjectName(QStringLiteral("dataPreviews"));
    m_previews->setViewMode(QListView::IconMode);
    m_previews->setIconSize(QSize(150, 150));
    m_previews->setResizeMode(QListView::Adjust);
    m_previews->setMovement(QListView::Static);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_summary);
    m_problemsLabel = new QLabel(this);
    layout->addWidget(m_problemsLabel);
    layout->addWidget(m_problems);
    m_previewsLabel = new QLabel(this);
    layout->addWidget(m_previewsLabel);
    layout->addWidget(m_previews, 1);
    retranslate();

    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Data folder"), m_folder->text());
        if (!dir.isEmpty()) {
            m_folder->setText(dir);
            requestScan();
        }
    });
    connect(m_folder, &QLineEdit::editingFinished, this, &DataPage::requestScan);
    // A typed path was scanned only on Enter or when the field lost the focus, so the page sat
    // silent with Next disabled. Folders are completed as they are typed, and an existing one
    // is scanned once the typing pauses.
    auto* folders = new QFileSystemModel(this);
    folders->setFilter(QDir::AllDirs | QDir::NoDotAndDotDot | QDir::Drives);
    folders->setRootPath(QString());
    auto* completer = new QCompleter(folders, this);
    m_folder->setCompleter(completer);
    m_typingPause.setSingleShot(true);
    m_typingPause.setInterval(700);
    connect(&m_typingPause, &QTimer::timeout, this, &DataPage::requestScan);
    connect(m_folder, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (QFileInfo(text.trimmed()).isDir())
            m_typingPause.start();
        else
            m_typingPause.stop();
    });
    connect(m_wizard->worker(), &FineTuneWorker::datasetScanned, this, &DataPage::onScanned);
}

void DataPage::retranslate() {
    setTitle(tr("Data"));
    setSubTitle(tr("Choose a folder of dermoscopy images and their lesion masks. ISIC, PH2, "
                   "images/ + masks/ and MedSAM .npy layouts are recognised."));
    m_browse->setText(tr("&Browse..."));
    m_problemsLabel->setText(tr("Problems (these pairs are left out):"));
    m_previewsLabel->setText(tr("Preview (mask outlined in green):"));
}

void DataPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void DataPage::initializePage() {
    if (m_folder->text().isEmpty())
        m_folder->setText(m_wizard->settings().dataFolder);
    if (!m_folder->text().isEmpty() && m_scan.folder != m_folder->text())
        requestScan();
}

void DataPage::requestScan() {
    m_typingPause.stop();
    const QString folder = m_folder->text().trimmed();
    if (folder.isEmpty() || (folder == m_scan.folder && !m_scanning && m_scan.error.isEmpty()))
        return;
    m_request = m_wizard->nextRequestId();
    m_scanning = true;
    m_scan = DatasetScanResult{};
    m_summary->setTextFunction([folder] {
        return tr("Checking every image and mask in %1...").arg(QDir::toNativeSeparators(folder));
    });
    m_problems->clear();
    m_previews->clear();
    Q_EMIT completeChanged();
    QMetaObject::invokeMethod(m_wizard->worker(), "scanDataset", Qt::QueuedConnection,
                              Q_ARG(quint64, m_request), Q_ARG(QString, folder));
}

void DataPage::onScanned(quint64 requestId, const DatasetScanResult& result) {
    if (requestId != m_request)
        return;
    m_scanning = false;
    m_scan = result;
    m_summary->setTextFunction([result] {
        if (result.error == QLatin1String("unknown-layout"))
            return tr("No images with masks were recognised in this folder.");
        if (!result.error.isEmpty())
            return errorCodeText(result.error, result.errorPath);
        return tr("Layout: %1. Usable image/mask pairs: %2. Problems: %3.")
            .arg(result.layout)
            .arg(result.pairs)
            .arg(result.problems.size());
    });
    if (result.error.isEmpty()) {
        m_problems->addItems(result.problems);
        for (const DatasetPreview& p : result.previews)
            new QListWidgetItem(QIcon(QPixmap::fromImage(p.thumbnail)), p.id, m_previews);
    }
    Q_EMIT completeChanged();
}

bool DataPage::isComplete() const {
    return !m_scanning && m_scan.error.isEmpty() && m_scan.pairs > 0 &&
           m_scan.folder == m_folder->text().trimmed();
}

bool DataPage::validatePage() {
    m_wizard->settings().dataFolder = m_scan.folder;
    return true;
}

} // namespace dermsam
