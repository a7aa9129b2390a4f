#pragma once

#include "ui/wizard/finetune_types.h"

#include <QWizardPage>

class QCustomPlot;
class QLabel;
class QListWidget;
class QProgressBar;

namespace dermsam {

class LiveLabel;

class FineTuneWizard;

// Step 6: zero-shot vs fine-tuned on the test split, the figures of `dermsam-cli compare`:
// mean +/- SD Dice and IoU, paired Wilcoxon p, mean difference with CI, a box plot of the
// per-image Dice, and the five images that gained and lost most. Evaluates on entry.
class ResultsPage : public QWizardPage {
    Q_OBJECT
public:
    explicit ResultsPage(FineTuneWizard* wizard);

    void initializePage() override;
    bool isComplete() const override;
    QCustomPlot* plot() const { return m_plot; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void onProgress(const QString& stage, qint64 done, qint64 total);
    void onEvaluated(const ComparisonResult& result);
    void showPlot(const ComparisonResult& r);
    static QString summaryText(const ComparisonResult& r);

    FineTuneWizard* m_wizard;
    LiveLabel* m_status = nullptr;
    QProgressBar* m_progress = nullptr;
    LiveLabel* m_summary = nullptr;
    QLabel* m_gainedLabel = nullptr;
    QLabel* m_lostLabel = nullptr;
    QCustomPlot* m_plot = nullptr;
    QListWidget* m_gained = nullptr;
    QListWidget* m_lost = nullptr;
    bool m_running = false;
    bool m_done = false;
};

} // namespace dermsam
