#include "ui/wizard/run_page.h"

#include "ui/live_label.h"
#include "ui/session/error_text.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/finetune_worker.h"
#include "ui/wizard/qcustomplot_include.h"

#include <QDir>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMetaObject>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace dermsam {

namespace {
QString duration(double seconds) {
    const int s = static_cast<int>(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3")
                           .arg(s / 3600)
                           .arg(s / 60 % 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}
} // namespace

RunPage::RunPage(FineTuneWizard* wizard)
    : QWizardPage(wizard)
    , m_wizard(wizard) {
    m_stage = new LiveLabel(this);
    m_stage->setObjectName(QStringLiteral("runStage"));
    m_eta = new LiveLabel(this);
    m_eta->setObjectName(QStringLiteral("runEta"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("runProgress"));
    m_pause = new QPushButton(this);
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_cancel = new QPushButton(this);
    m_cancel->setObjectName(QStringLiteral("cancelRunButton"));
    auto* top = new QHBoxLayout;
    top->addWidget(m_stage, 1);
    top->addWidget(m_eta);
    top->addWidget(m_pause);
    top->addWidget(m_cancel);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("runPlot"));
    m_plot->setMinimumHeight(240);
    m_plot->legend->setVisible(true);
    // The legend in a row of its own under the plot: inside the axes it covered the validation
    // curve, which rises towards the top right where a legend sits.
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->addElement(1, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setRange(0, 1);
    m_loss = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_loss->setPen(QPen(QColor(214, 39, 40), 2));
    m_loss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    m_dice = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_dice->setPen(QPen(QColor(31, 119, 180), 2));
    m_dice->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    m_zeroShot = new QCPItemStraightLine(m_plot);
    m_zeroShot->setPen(QPen(QColor(31, 119, 180), 1, Qt::DashLine));
    m_zeroShot->setVisible(false);
    m_zeroShotLegend = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_zeroShotLegend->setPen(m_zeroShot->pen());

    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("runLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setMaximumHeight(110);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_progress);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_log);
    retranslate();

    connect(m_pause, &QPushButton::clicked, this, &RunPage::togglePause);
    connect(m_cancel, &QPushButton::clicked, this, &RunPage::cancelRun);
    FineTuneWorker* w = m_wizard->worker();
    connect(w, &FineTuneWorker::progressed, this, &RunPage::onProgress);
    connect(w, &FineTuneWorker::stepFinished, this, &RunPage::onStep);
    connect(w, &FineTuneWorker::zeroShotValidated, this, &RunPage::onZeroShot);
    connect(w, &FineTuneWorker::epochFinished, this, &RunPage::onEpoch);
    connect(w, &FineTuneWorker::logged, this, &RunPage::log);
    connect(w, &FineTuneWorker::trainingFinished, this, &RunPage::onFinished);
}

void RunPage::retranslate() {
    setTitle(tr("Run"));
    setSubTitle(tr("Embeddings are computed once, then each epoch trains the mask decoder and "
                   "measures the Dice on the validation images."));
    m_pause->setText(m_running && m_wizard->control().isPaused() ? tr("&Resume") : tr("&Pause"));
    m_pause->setToolTip(tr("Pauses between training steps; the worker keeps its state."));
    m_cancel->setText(tr("&Stop"));
    m_cancel->setToolTip(tr("Stops after the current step. The best checkpoint so far is kept "
                            "and can be compared and used."));
    m_plot->xAxis->setLabel(tr("epoch"));
    m_plot->yAxis->setLabel(tr("training loss"));
    m_plot->yAxis2->setLabel(tr("validation Dice"));
    m_loss->setName(tr("training loss"));
    m_dice->setName(tr("validation Dice"));
    m_zeroShotLegend->setName(tr("zero-shot validation Dice"));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RunPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWizardPage::changeEvent(event);
}

void RunPage::initializePage() {
    if (m_running || m_finished)
        return;
    const FineTuneWizardSettings& s = m_wizard->settings();
    m_wizard->control().reset();
    m_running = true;
    m_epochs = s.epochs;
    m_clock.start();
    m_timing = TrainingClock(s.epochs);
    m_loss->data()->clear();
    m_dice->data()->clear();
    m_plot->xAxis->setRange(0, s.epochs + 0.5);
    m_plot->replot();
    m_stage->setTextFunction([] { return tr("Starting..."); });
    m_pause->setEnabled(true);
    m_cancel->setEnabled(true);
    log(tr("Fine-tuning %1 on %2; output in %3")
            .arg(s.baseModel, QDir::toNativeSeparators(s.dataFolder),
                 QDir::toNativeSeparators(s.outputFolder)));
    QMetaObject::invokeMethod(m_wizard->worker(), "train", Qt::QueuedConnection,
                              Q_ARG(dermsam::FineTuneWizardSettings, s));
}

void RunPage::onProgress(const QString& stage, qint64 done, qint64 total) {
    if (!m_running)
        return;
    if (stage == QLatin1String("prepare-train"))
        m_stage->setTextFunction([done, total] {
            return tr("Computing embeddings of the training images: %1 of %2").arg(done).arg(total);
        });
    else if (stage == QLatin1String("prepare-val"))
        m_stage->setTextFunction([done, total] {
            return tr("Computing embeddings of the validation images: %1 of %2")
                .arg(done)
                .arg(total);
        });
    else
        return;
    if (done == total)
        m_timing.prepared(m_clock.elapsed() / 1000.0);
    m_progress->setRange(0, static_cast<int>(total));
    m_progress->setValue(static_cast<int>(done));
}

void RunPage::onStep(int epoch, qint64 step, qint64 stepsPerEpoch, double loss) {
    // `step` counts within the epoch (1..stepsPerEpoch), as the trainer reports it.
    const qint64 total = stepsPerEpoch * m_epochs;
    const qint64 done = stepsPerEpoch * (epoch - 1) + step;
    m_timing.stepFinished(m_clock.elapsed() / 1000.0, epoch, step, stepsPerEpoch);
    if (m_wizard->control().isPaused())
        m_stageBeforePause = [epoch, step, stepsPerEpoch, loss, epochs = m_epochs] {
            return stepText(epoch, epochs, step, stepsPerEpoch, loss);
        };
    else
        m_stage->setTextFunction([epoch, step, stepsPerEpoch, loss, epochs = m_epochs] {
            return stepText(epoch, epochs, step, stepsPerEpoch, loss);
        });
    m_progress->setRange(0, static_cast<int>(total));
    m_progress->setValue(static_cast<int>(std::min(done, total)));
    // Steps, validation and checkpoint writes, each from what this run has measured so far
    // (training_eta.h).
    const double left = m_timing.secondsLeft();
    if (left >= 0) {
        m_secondsLeft = left;
        m_eta->setTextFunction([left] { return tr("about %1 left").arg(duration(left)); });
    }
}

QString RunPage::stepText(int epoch, int epochs, qint64 step, qint64 stepsPerEpoch, double loss) {
    return tr("Epoch %1 of %2, step %3 of %4, loss %5")
        .arg(epoch)
        .arg(epochs)
        .arg((step - 1) % std::max<qint64>(1, stepsPerEpoch) + 1)
        .arg(stepsPerEpoch)
        .arg(loss, 0, 'f', 4);
}

void RunPage::onZeroShot(double valDice) {
    m_zeroShot->point1->setAxes(m_plot->xAxis, m_plot->yAxis2);
    m_zeroShot->point2->setAxes(m_plot->xAxis, m_plot->yAxis2);
    m_zeroShot->point1->setCoords(0, valDice);
    m_zeroShot->point2->setCoords(1, valDice);
    m_zeroShot->setVisible(true);
    log(tr("zero-shot validation Dice %1").arg(valDice, 0, 'f', 4));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RunPage::onEpoch(const EpochPoint& p) {
    m_timing.epochTrained(p.epoch, p.seconds);
    m_loss->addData(p.epoch, p.trainLoss);
    m_dice->addData(p.epoch, p.valDice);
    bool found = false;
    const QCPRange losses = m_loss->data()->valueRange(found);
    if (found)
        m_plot->yAxis->setRange(0, std::max(losses.upper * 1.1, 1e-3));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RunPage::onFinished(const TrainingOutcome& outcome) {
    m_running = false;
    m_finished = true;
    m_wizard->trainingOutcome = outcome;
    m_pause->setEnabled(false);
    m_cancel->setEnabled(false);
    m_eta->setTextFunction({});
    m_secondsLeft = -1;
    m_pause->setText(tr("&Pause"));
    const QString where = QDir::toNativeSeparators(outcome.checkpoint);
    m_stage->setTextFunction([outcome]() -> QString {
        if (outcome.completed)
            return tr("Done: best validation Dice %1 at epoch %2 (%3 epochs run).")
                .arg(outcome.bestValDice, 0, 'f', 4)
                .arg(outcome.bestEpoch)
                .arg(outcome.epochsDone);
        if (outcome.cancelled)
            return outcome.checkpointExists
                       ? tr("Stopped. The best checkpoint so far (epoch %1) is kept.")
                             .arg(outcome.bestEpoch)
                       : tr("Stopped before the first checkpoint.");
        return tr("Failed: %1").arg(errorCodeText(outcome.error, outcome.errorPath));
    });
    if (outcome.completed)
        m_progress->setValue(m_progress->maximum());
    log(m_stage->text());
    if (outcome.checkpointExists)
        log(tr("checkpoint: %1").arg(where));
    Q_EMIT completeChanged();
    Q_EMIT m_wizard->runPageFinished();
}

void RunPage::log(const QString& line) {
    m_log->appendPlainText(line);
}

void RunPage::togglePause() {
    FineTuneControl& c = m_wizard->control();
    const bool pause = !c.isPaused();
    c.setPaused(pause);
    m_pause->setText(pause ? tr("&Resume") : tr("&Pause"));
    if (pause) {
        m_stageBeforePause = m_stage->textFunction();
        m_stage->setTextFunction([] { return tr("Paused after the current step."); });
    } else {
        m_timing.resumed(); // the pause is not a step's time
        m_stage->setTextFunction(m_stageBeforePause);
    }
}

void RunPage::cancelRun() {
    if (!m_running)
        return;
    m_wizard->control().cancel();
    m_stage->setTextFunction([] { return tr("Stopping after the current step..."); });
    m_cancel->setEnabled(false);
    m_pause->setEnabled(false);
}

bool RunPage::isComplete() const {
    return m_finished && m_wizard->trainingOutcome.checkpointExists;
}

} // namespace dermsam
