#pragma once

#include "ui/wizard/finetune_types.h"
#include "ui/wizard/finetune_wizard_settings.h"

#include <QThread>
#include <QWizard>

#include <memory>

namespace dermsam {

class FineTuneControl;
class FineTuneWorker;

// Tools > Fine-tune model...: from a folder of images and masks to a fine-tuned, compared and
// saved model (PEFT: only the mask decoder trains). Owns the FineTuneWorker and its QThread;
// the GUI thread only sends requests and shows what comes back.
class FineTuneWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId {
        DataPageId,
        SplitPageId,
        ModelPageId,
        SettingsPageId,
        RunPageId,
        ResultsPageId,
        SavePageId
    };

    // currentModel: the viewer's checkpoint ("" = the built-in default model).
    explicit FineTuneWizard(const QString& currentModel, QWidget* parent = nullptr);
    ~FineTuneWizard() override;

    FineTuneWizardSettings& settings() { return m_settings; }
    const QString& currentModel() const { return m_currentModel; }
    FineTuneWorker* worker() const { return m_worker; }
    FineTuneControl& control() const { return *m_control; }
    quint64 nextRequestId() { return ++m_lastRequest; }

    // Shared between the run, results and save pages.
    TrainingOutcome trainingOutcome;
    ComparisonResult comparison;

    // How a test prompt ("box", "jitter", "center") prompts the models, for the results page
    // and the report: "the ground-truth box", ...
    static QString testPromptText(const QString& prompt);

    void reject() override;

protected:
    void changeEvent(QEvent* event) override;

Q_SIGNALS:
    // "Use this model now" on the save page.
    void useModelRequested(const QString& checkpoint);
    // Training ended (any way) and the run page shows the outcome; the comparison is on screen.
    // What a driver waits for before it grabs a page (tests/bench/wizard_driver.cpp).
    void runPageFinished();
    void resultsPageFinished();

private:
    FineTuneWizardSettings m_settings;
    QString m_currentModel;
    std::shared_ptr<FineTuneControl> m_control;
    QThread m_thread;
    FineTuneWorker* m_worker = nullptr; // lives on m_thread, deleted when it finishes
    quint64 m_lastRequest = 0;
};

} // namespace dermsam
