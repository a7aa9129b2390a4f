#pragma once

#include <QWizardPage>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace dermsam {

class FineTuneWizard;

// Step 4: training settings with short explanations, and where the run's files go.
class SettingsPage : public QWizardPage {
    Q_OBJECT
public:
    explicit SettingsPage(FineTuneWizard* wizard);

    void initializePage() override;
    bool isComplete() const override;
    bool validatePage() override;

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();

    FineTuneWizard* m_wizard;
    QSpinBox* m_epochs = nullptr;
    QDoubleSpinBox* m_lr = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_jitter = nullptr;
    QSpinBox* m_patience = nullptr;
    QSpinBox* m_seed = nullptr;
    QLineEdit* m_output = nullptr;
    QComboBox* m_testPrompt = nullptr;
    QPushButton* m_browse = nullptr;
    // Per field: its name and the one-line explanation under it.
    static constexpr int kFields = 8;
    QLabel* m_names[kFields] = {};
    QLabel* m_explanations[kFields] = {};
};

} // namespace dermsam
