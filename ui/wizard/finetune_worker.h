#pragma once

#include "ui/wizard/finetune_types.h"
#include "ui/wizard/finetune_wizard_settings.h"

#include <QObject>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace dermsam {

// What the GUI thread changes while a run is going and the worker reads between steps.
class FineTuneControl {
public:
    void setPaused(bool paused);
    void cancel();
    void reset(); // before a new run
    bool isCancelled() const { return m_cancelled.load(); }
    bool isPaused() const { return m_paused.load(); }
    // True while the worker is actually parked between steps: Pause asks, and the step (or the
    // epoch's validation) that is running finishes first.
    bool isHolding() const { return m_holding.load(); }
    // Worker thread: blocks while paused (never the GUI thread); returns at once when not paused
    // or cancelled.
    void waitWhilePaused();

private:
    std::atomic<bool> m_cancelled{false};
    std::atomic<bool> m_paused{false};
    std::atomic<bool> m_holding{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
};

// The wizard's one long-lived worker: it lives on the wizard's QThread, every slot runs there
// and reports back by queued signals carrying value types (the InferenceWorker pattern).
// Torch and OpenCV stay in the .cpp.
class FineTuneWorker : public QObject {
    Q_OBJECT
public:
    explicit FineTuneWorker(std::shared_ptr<FineTuneControl> control, QObject* parent = nullptr);
    ~FineTuneWorker() override;

public Q_SLOTS:
    // Detects the layout, checks every pair and draws a preview grid of the first images.
    void scanDataset(quint64 requestId, const QString& folder);
    void makeSplit(quint64 requestId, const dermsam::SplitRequest& request);
    // Writes the split file, prepares embeddings, trains; best checkpoint at checkpointPath().
    void train(const dermsam::FineTuneWizardSettings& settings);
    // Zero-shot (base) vs fine-tuned on the test split, as `dermsam-cli compare` does; writes
    // the JSON and CSV report.
    void evaluate(const dermsam::FineTuneWizardSettings& settings, const QString& checkpoint);

Q_SIGNALS:
    void datasetScanned(quint64 requestId, const dermsam::DatasetScanResult& result);
    void splitMade(quint64 requestId, const dermsam::SplitResult& result);
    // stage: "prepare-train", "prepare-val", "train", "evaluate-zero-shot", "evaluate-fine-tuned"
    void progressed(const QString& stage, qint64 done, qint64 total);
    void stepFinished(int epoch, qint64 step, qint64 stepsPerEpoch, double loss);
    void zeroShotValidated(double valDice);
    void epochFinished(const dermsam::EpochPoint& point);
    void logged(const QString& line);
    void trainingFinished(const dermsam::TrainingOutcome& outcome);
    void evaluationFinished(const dermsam::ComparisonResult& result);

private:
    std::shared_ptr<FineTuneControl> m_control;
};

} // namespace dermsam
