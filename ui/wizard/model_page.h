#pragma once

#include <QWizardPage>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace dermsam {

class FineTuneWizard;

// Step 3: the base model, what trains, device and precision.
class ModelPage : public QWizardPage {
    Q_OBJECT
public:
    explicit ModelPage(FineTuneWizard* wizard);

    void initializePage() override;
    bool isComplete() const override;
    bool validatePage() override;

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updateEnabled();
    QString chosenModel() const;

    FineTuneWizard* m_wizard;
    QRadioButton* m_current = nullptr;
    QRadioButton* m_default = nullptr;
    QRadioButton* m_file = nullptr;
    QLineEdit* m_path = nullptr;
    QPushButton* m_browse = nullptr;
    QCheckBox* m_decoder = nullptr;
    QLabel* m_formLabels[3] = {};
    QCheckBox* m_promptEncoder = nullptr;
    QComboBox* m_device = nullptr;
    QComboBox* m_precision = nullptr;
    QCheckBox* m_tf32 = nullptr;
};

} // namespace dermsam
