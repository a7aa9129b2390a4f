#pragma once

#include "ui/wizard/finetune_types.h"
#include "ui/wizard/training_eta.h"

#include <QElapsedTimer>
#include <QWizardPage>

#include <functional>

class QCPGraph;
class QCPItemStraightLine;
class QCustomPlot;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace dermsam {

class LiveLabel;

class FineTuneWizard;

// Step 5: embedding precompute, then epochs; progress with ETA, live loss and validation Dice
// curves (zero-shot Dice as a reference line), pause/cancel and a log. Starts on entry.
class RunPage : public QWizardPage {
    Q_OBJECT
public:
    explicit RunPage(FineTuneWizard* wizard);

    void initializePage() override;
    bool isComplete() const override;
    bool isRunning() const { return m_running; }
    QCustomPlot* plot() const { return m_plot; }
    // The time left that the page shows, in seconds; -1 while it shows none.
    double estimatedSecondsLeft() const { return m_secondsLeft; }
    void cancelRun();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void onProgress(const QString& stage, qint64 done, qint64 total);
    void onStep(int epoch, qint64 step, qint64 stepsPerEpoch, double loss);
    static QString stepText(int epoch, int epochs, qint64 step, qint64 stepsPerEpoch, double loss);
    void onZeroShot(double valDice);
    void onEpoch(const EpochPoint& point);
    void onFinished(const TrainingOutcome& outcome);
    void log(const QString& line);
    void togglePause();

    FineTuneWizard* m_wizard;
    LiveLabel* m_stage = nullptr;
    LiveLabel* m_eta = nullptr;
    std::function<QString()> m_stageBeforePause;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_cancel = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_loss = nullptr;
    QCPGraph* m_dice = nullptr;
    QCPGraph* m_zeroShotLegend = nullptr; // an empty graph: the dashed line's legend entry
    QCPItemStraightLine* m_zeroShot = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QElapsedTimer m_clock; // since the run started: the timestamps of m_timing
    TrainingClock m_timing;
    double m_secondsLeft = -1;
    int m_epochs = 0;
    bool m_running = false;
    bool m_finished = false;
};

} // namespace dermsam
