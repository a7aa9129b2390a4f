#pragma once

#include "ui/wizard/finetune_types.h"

#include <QWizardPage>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace dermsam {

class LiveLabel;

class FineTuneWizard;

// Step 2: a split file, or a seeded random split with editable ratios; counts per split.
class SplitPage : public QWizardPage {
    Q_OBJECT
public:
    explicit SplitPage(FineTuneWizard* wizard);

    void initializePage() override;
    bool isComplete() const override;
    bool validatePage() override;
    const SplitResult& counts() const { return m_result; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    SplitRequest currentRequest() const;
    void requestCounts();
    void onSplitMade(quint64 requestId, const SplitResult& result);
    static QString countsText(const SplitResult& result);

    FineTuneWizard* m_wizard;
    QRadioButton* m_useFile = nullptr;
    QRadioButton* m_random = nullptr;
    QLineEdit* m_file = nullptr;
    QPushButton* m_browse = nullptr;
    QLabel* m_shareLabels[4] = {};
    QDoubleSpinBox* m_train = nullptr;
    QDoubleSpinBox* m_val = nullptr;
    QDoubleSpinBox* m_test = nullptr;
    QSpinBox* m_seed = nullptr;
    LiveLabel* m_counts = nullptr;
    quint64 m_request = 0;
    bool m_pending = false;
    SplitResult m_result;
};

} // namespace dermsam
