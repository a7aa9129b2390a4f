#include "ui/wizard/results_page.h"

#include "ui/live_label.h"
#include "ui/session/error_text.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/finetune_worker.h"
#include "ui/wizard/qcustomplot_include.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QMetaObject>
#include <QProgressBar>
#include <QVBoxLayout>

#include <algorithm>

namespace dermsam {

namespace {

QString number(double v, int decimals = 4) {
    return QString::number(v, 'f', decimals);
}

QString pValue(double p) {
    return p < 1e-4 ? QString::number(p, 'g', 3) : QString::number(p, 'f', 4);
}

// Quartiles with numpy's linear interpolation, for the box plot.
double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const size_t lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

QListWidget* overlayList(QWidget* parent, const QString& name) {
    auto* list = new QListWidget(parent);
    list->setObjectName(name);
    list->setViewMode(QListView::IconMode);
    list->setIconSize(QSize(120, 120));
    list->setFlow(QListView::LeftToRight);
    list->setWrapping(false);
    list->setMovement(QListView::Static);
    list->setMinimumHeight(165);
    return list;
}

} // namespace

ResultsPage::ResultsPage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    m_status = new LiveLabel(this);
    m_status->setObjectName(QStringLiteral("resultsStatus"));
    m_progress = new QProgressBar(this);
    m_summary = new LiveLabel(this);
    m_summary->setObjectName(QStringLiteral("resultsSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("resultsPlot"));
    m_plot->setMinimumSize(260, 220);
    m_gained = overlayList(this, QStringLiteral("gainedImages"));
    m_lost = overlayList(this, QStringLiteral("lostImages"));

    auto* grid = new QGridLayout;
    grid->addWidget(m_summary, 0, 0);
    grid->addWidget(m_plot, 0, 1);
    grid->setColumnStretch(0, 3);
    grid->setColumnStretch(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_progress);
    layout->addLayout(grid, 1);
    m_gainedLabel = new QLabel(this);
    m_gainedLabel->setObjectName(QStringLiteral("gainedImagesLabel"));
    layout->addWidget(m_gainedLabel);
    layout->addWidget(m_gained);
    m_lostLabel = new QLabel(this);
    m_lostLabel->setObjectName(QStringLiteral("lostImagesLabel"));
    layout->addWidget(m_lostLabel);
    layout->addWidget(m_lost);
    retranslate();

    FineTuneWorker* w = m_wizard->worker();
    connect(w, &FineTuneWorker::progressed, this, &ResultsPage::onProgress);
    connect(w, &FineTuneWorker::evaluationFinished, this, &ResultsPage::onEvaluated);
}

void ResultsPage::retranslate() {
    setTitle(tr("Results"));
    setSubTitle(tr("Zero-shot (A) against fine-tuned (B) on the test images, prompted with %1: "
                   "the numbers of dermsam-cli compare.")
                    .arg(FineTuneWizard::testPromptText(m_wizard->settings().testPrompt)));
    m_gainedLabel->setText(tr("Most improved (outlines: green ground truth, orange "
                              "zero-shot, magenta fine-tuned):"));
    m_lostLabel->setText(tr("Most worsened:"));
    // An empty list box looks unfinished: say in words that no test image changed that way.
    if (m_done && m_gained->count() == 0)
        m_gainedLabel->setText(tr("Most improved: none of the test images got better."));
    if (m_done && m_lost->count() == 0)
        m_lostLabel->setText(tr("Most worsened: none of the test images got worse."));
    if (m_done)
        showPlot(m_wizard->comparison); // its tick labels and axis title
}

void ResultsPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void ResultsPage::initializePage() {
    if (m_running || m_done)
        return;
    retranslate(); // the subtitle names the test prompt chosen on the settings page
    m_running = true;
    m_wizard->control().reset();
    m_status->setTextFunction([] { return tr("Evaluating both models on the test images..."); });
    m_progress->setVisible(true);
    QMetaObject::invokeMethod(m_wizard->worker(), "evaluate", Qt::QueuedConnection,
                              Q_ARG(dermsam::FineTuneWizardSettings, m_wizard->settings()),
                              Q_ARG(QString, m_wizard->trainingOutcome.checkpoint));
}

void ResultsPage::onProgress(const QString& stage, qint64 done, qint64 total) {
    if (!m_running)
        return;
    if (stage == QLatin1String("evaluate-zero-shot"))
        m_status->setTextFunction(
            [done, total] { return tr("Zero-shot model: image %1 of %2").arg(done).arg(total); });
    else if (stage == QLatin1String("evaluate-fine-tuned"))
        m_status->setTextFunction(
            [done, total] { return tr("Fine-tuned model: image %1 of %2").arg(done).arg(total); });
    else
        return;
    m_progress->setRange(0, static_cast<int>(2 * total));
    m_progress->setValue(
        static_cast<int>(stage == QLatin1String("evaluate-zero-shot") ? done : total + done));
}

void ResultsPage::onEvaluated(const ComparisonResult& r) {
    m_running = false;
    m_done = r.error.isEmpty();
    m_wizard->comparison = r;
    m_progress->setVisible(false);
    if (!r.error.isEmpty()) {
        m_status->setTextFunction([r] {
            return tr("The comparison failed: %1").arg(errorCodeText(r.error, r.errorPath));
        });
        Q_EMIT completeChanged();
        return;
    }
    m_status->setTextFunction([significant = r.significant] {
        return significant ? tr("The difference in Dice is significant (p < 0.05).")
                           : tr("The difference in Dice is not significant.");
    });
    m_summary->setTextFunction([r] { return summaryText(r); });
    const auto fill = [](QListWidget* list, const QList<ImageOutcome>& items) {
        list->clear();
        for (const ImageOutcome& o : items)
            new QListWidgetItem(QIcon(QPixmap::fromImage(o.overlay)),
                                QStringLiteral("%1\n%2 \u2192 %3")
                                    .arg(o.id, QString::number(o.diceZeroShot, 'f', 3),
                                         QString::number(o.diceFineTuned, 'f', 3)),
                                list);
    };
    fill(m_gained, r.gained);
    fill(m_lost, r.lost);
    m_gained->setVisible(!r.gained.isEmpty());
    m_lost->setVisible(!r.lost.isEmpty());
    retranslate(); // the list titles and the plot
    Q_EMIT completeChanged();
    Q_EMIT m_wizard->resultsPageFinished();
}

QString ResultsPage::summaryText(const ComparisonResult& r) {
    return tr("<table cellspacing=4>"
              "<tr><th></th><th>Dice</th><th>IoU</th></tr>"
              "<tr><td>A zero-shot</td><td>%1 &plusmn; %2</td><td>%3 &plusmn; %4</td></tr>"
              "<tr><td>B fine-tuned</td><td>%5 &plusmn; %6</td><td>%7 &plusmn; %8</td></tr>"
              "<tr><td>B &minus; A</td><td>%9 (95% CI %10 to %11)</td>"
              "<td>%12 (95% CI %13 to %14)</td></tr>"
              "<tr><td>Wilcoxon p</td><td>%15</td><td>%16</td></tr>"
              "</table><p>%17 paired test images, mean &plusmn; SD; Wilcoxon signed-rank "
              "(%18).</p>")
        .arg(number(r.diceA.mean), number(r.diceA.sd), number(r.iouA.mean), number(r.iouA.sd),
             number(r.diceB.mean), number(r.diceB.sd), number(r.iouB.mean), number(r.iouB.sd))
        .arg(QString::asprintf("%+.4f", r.diceMeanDifference),
             QString::asprintf("%+.4f", r.diceCiLow), QString::asprintf("%+.4f", r.diceCiHigh),
             QString::asprintf("%+.4f", r.iouMeanDifference),
             QString::asprintf("%+.4f", r.iouCiLow), QString::asprintf("%+.4f", r.iouCiHigh),
             pValue(r.diceP), pValue(r.iouP))
        .arg(r.n)
        .arg(r.diceMethod);
}

void ResultsPage::showPlot(const ComparisonResult& r) {
    m_plot->clearPlottables();
    auto* boxes = new QCPStatisticalBox(m_plot->xAxis, m_plot->yAxis);
    boxes->setBrush(QColor(31, 119, 180, 60));
    const auto add = [boxes](double key, const QVector<double>& values) {
        const std::vector<double> v(values.begin(), values.end());
        const double q1 = quantile(v, 0.25);
        const double q3 = quantile(v, 0.75);
        const double iqr = q3 - q1;
        // Tukey whiskers: the furthest values within 1.5 IQR; the rest are outliers.
        double lo = q3, hi = q1;
        QVector<double> outliers;
        for (double x : v) {
            if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr)
                outliers << x;
            else {
                lo = std::min(lo, x);
                hi = std::max(hi, x);
            }
        }
        boxes->addData(key, lo, q1, quantile(v, 0.5), q3, hi, outliers);
    };
    add(1, r.perImageDiceA);
    add(2, r.perImageDiceB);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    ticker->addTick(1, tr("zero-shot"));
    ticker->addTick(2, tr("fine-tuned"));
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(0.4, 2.6);
    m_plot->yAxis->setLabel(tr("Dice per test image"));
    double low = 1;
    for (double x : r.perImageDiceA + r.perImageDiceB)
        low = std::min(low, x);
    m_plot->yAxis->setRange(std::max(0.0, low - 0.05), 1.0);
    m_plot->replot();
}

bool ResultsPage::isComplete() const {
    return m_done;
}

} // namespace dermsam
