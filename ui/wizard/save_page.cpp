#include "ui/wizard/save_page.h"

#include "ui/live_label.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/qcustomplot_include.h"
#include "ui/wizard/results_page.h"
#include "ui/wizard/run_page.h"

#include "io/atomic_file.h"
#include "io/file_error.h"

#include <QDesktopServices>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace dermsam {

namespace {
QString esc(const QString& s) {
    return s.toHtmlEscaped();
}
} // namespace

SavePage::SavePage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    setFinalPage(true);
    m_summary = new LiveLabel(this);
    m_summary->setObjectName(QStringLiteral("saveSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_use = new QPushButton(this);
    m_use->setObjectName(QStringLiteral("useModelButton"));
    m_open = new QPushButton(this);
    auto* row = new QHBoxLayout;
    row->addWidget(m_use);
    row->addWidget(m_open);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addLayout(row);
    layout->addStretch(1);
    retranslate();

    connect(m_use, &QPushButton::clicked, this, [this] {
        Q_EMIT m_wizard->useModelRequested(m_wizard->trainingOutcome.checkpoint);
        m_use->setEnabled(false);
        retranslate();
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        QDesktopServices::openUrl(QUrl::fromLocalFile(m_wizard->settings().outputFolder));
    });
}

void SavePage::retranslate() {
    setTitle(tr("Save"));
    setSubTitle(tr("The fine-tuned checkpoint and the report are in the output folder."));
    // Disabled once used: the viewer has switched to this model.
    m_use->setText(m_use->isEnabled() ? tr("&Use this model now")
                                      : tr("The viewer now uses this model"));
    m_use->setToolTip(tr("Makes the fine-tuned checkpoint the viewer's model for this session; "
                         "Edit > Settings chooses the model that starts next time."));
    m_open->setText(tr("&Open output folder"));
}

void SavePage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void SavePage::initializePage() {
    QString error;
    const bool ok = writeReport(error);
    const QString command =
        QStringLiteral("dermsam-cli compare --data \"%1\" --split \"%2:test\" "
                       "--model \"%3\" --model \"%4\" --prompt %5 --json")
            .arg(m_wizard->settings().dataFolder, m_wizard->settings().splitPath(),
                 m_wizard->settings().baseModel, m_wizard->trainingOutcome.checkpoint,
                 m_wizard->settings().testPrompt);
    // Everything else the run left in the folder (the resume state: last weights, optimiser
    // moments), with sizes, so the folder holds no surprise of tens of megabytes.
    QStringList others;
    qint64 otherBytes = 0;
    const QDir out(m_wizard->settings().outputFolder);
    for (const QFileInfo& fi : out.entryInfoList(QDir::Files, QDir::Name)) {
        if (m_files.contains(fi.absoluteFilePath()) || m_files.contains(fi.filePath()))
            continue;
        others << QStringLiteral("%1 (%2 MB)")
                      .arg(QDir::toNativeSeparators(fi.absoluteFilePath()))
                      .arg(double(fi.size()) / (1 << 20), 0, 'f', 1);
        otherBytes += fi.size();
    }
    m_summary->setTextFunction([files = m_files, others, otherBytes, ok, error, command] {
        QString text = tr("<p>Files:</p><ul>");
        for (const QString& f : files)
            text += QStringLiteral("<li>%1</li>").arg(esc(QDir::toNativeSeparators(f)));
        text += QStringLiteral("</ul>");
        if (!others.isEmpty()) {
            text += tr("<p>Also in the folder, %1 MB (the state to resume the training, "
                       "safe to delete):</p><ul>")
                        .arg(double(otherBytes) / (1 << 20), 0, 'f', 1);
            for (const QString& f : others)
                text += QStringLiteral("<li>%1</li>").arg(esc(f));
            text += QStringLiteral("</ul>");
        }
        if (!ok)
            text += tr("<p><b>The HTML report could not be written:</b> %1</p>").arg(esc(error));
        text += tr("<p>To reproduce the comparison on the command line:</p><p><tt>%1</tt></p>")
                    .arg(esc(command));
        return text;
    });
}

bool SavePage::writeReport(QString& error) {
    const FineTuneWizardSettings& s = m_wizard->settings();
    const TrainingOutcome& t = m_wizard->trainingOutcome;
    const ComparisonResult& c = m_wizard->comparison;
    const QDir out(s.outputFolder);
    m_files.clear();
    m_files << t.checkpoint << s.splitPath() << c.jsonPath << c.csvPath;

    // The figures as images for the report, drawn on this thread from the plots on screen.
    const auto* run = qobject_cast<RunPage*>(m_wizard->page(FineTuneWizard::RunPageId));
    const auto* results = qobject_cast<ResultsPage*>(m_wizard->page(FineTuneWizard::ResultsPageId));
    const QString curves = out.filePath(QStringLiteral("training-curves.png"));
    const QString boxes = out.filePath(QStringLiteral("dice-per-image.png"));
    if (run && run->plot()->savePng(curves, 640, 320))
        m_files << curves;
    if (results && results->plot()->savePng(boxes, 360, 320))
        m_files << boxes;

    const auto row = [](const QString& name, const MetricPair& a, const MetricPair& b) {
        return QStringLiteral("<tr><td>%1</td><td>%2 &plusmn; %3</td><td>%4 &plusmn; %5</td></tr>")
            .arg(name, QString::number(a.mean, 'f', 4), QString::number(a.sd, 'f', 4),
                 QString::number(b.mean, 'f', 4), QString::number(b.sd, 'f', 4));
    };
    QString html;
    html += QStringLiteral("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%1</title>"
                           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
                           "td,th{padding:2px 10px;text-align:left}</style></head><body>")
                .arg(tr("DermSAM fine-tuning report"));
    html += QStringLiteral("<h1>%1</h1>").arg(tr("DermSAM fine-tuning report"));
    html += QStringLiteral("<p>%1</p>")
                .arg(tr("Research tool, not a diagnostic device. Base model: %1. Data: %2. "
                        "Checkpoint: %3.")
                         .arg(esc(s.baseModel), esc(s.dataFolder), esc(t.checkpoint)));
    html += QStringLiteral("<h2>%1</h2><p>%2</p>")
                .arg(tr("Training"),
                     tr("%1 training and %2 validation images; %3 epochs run; best validation "
                        "Dice %4 at epoch %5. Learning rate %6, batch size %7, box jitter %8 px, "
                        "patience %9, seed %10.")
                         .arg(t.trainCount)
                         .arg(t.valCount)
                         .arg(t.epochsDone)
                         .arg(QString::number(t.bestValDice, 'f', 4))
                         .arg(t.bestEpoch)
                         .arg(s.learningRate)
                         .arg(s.batchSize)
                         .arg(s.boxJitter)
                         .arg(s.patience)
                         .arg(s.seed));
    html += QStringLiteral("<img src=\"training-curves.png\" alt=\"\">");
    html += QStringLiteral("<h2>%1</h2><p>%2</p>")
                .arg(tr("Test split: zero-shot (A) vs fine-tuned (B)"),
                     tr("Both models prompted with %1.")
                         .arg(esc(FineTuneWizard::testPromptText(s.testPrompt))));
    html += QStringLiteral("<table><tr><th></th><th>A</th><th>B</th></tr>%1%2</table>")
                .arg(row(tr("Dice"), c.diceA, c.diceB), row(tr("IoU"), c.iouA, c.iouB));
    html +=
        QStringLiteral("<p>%1</p>")
            .arg(
                tr("n = %1 paired images. Dice B - A %2 (95% CI %3 to %4), Wilcoxon p = "
                   "%5 (%6). IoU B - A %7 (95% CI %8 to %9), p = %10.")
                    .arg(c.n)
                    .arg(QString::asprintf("%+.4f", c.diceMeanDifference),
                         QString::asprintf("%+.4f", c.diceCiLow),
                         QString::asprintf("%+.4f", c.diceCiHigh), QString::number(c.diceP, 'g', 4),
                         c.diceMethod, QString::asprintf("%+.4f", c.iouMeanDifference),
                         QString::asprintf("%+.4f", c.iouCiLow),
                         QString::asprintf("%+.4f", c.iouCiHigh), QString::number(c.iouP, 'g', 4)));
    html += QStringLiteral("<p><i>%1</i></p>").arg(esc(c.verdict));
    html += QStringLiteral("<img src=\"dice-per-image.png\" alt=\"\">");
    html += QStringLiteral("<p>%1 <a href=\"%2\">%2</a>, <a href=\"%3\">%3</a></p>")
                .arg(tr("Per-image values (as dermsam-cli compare --report writes them):"),
                     QFileInfo(c.jsonPath).fileName(), QFileInfo(c.csvPath).fileName());
    html += QStringLiteral("</body></html>\n");

    const QString path = s.htmlReportPath();
    try {
        const QByteArray bytes = html.toUtf8();
        io::writeFileAtomically(QFile::encodeName(path).toStdString(),
                                std::string(bytes.constData(), static_cast<size_t>(bytes.size())));
    } catch (const io::FileError& e) {
        error = QString::fromStdString(e.detail());
        return false;
    }
    m_files << path;
    return true;
}

} // namespace dermsam
