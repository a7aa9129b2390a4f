#pragma once

#include <QStringList>
#include <QWizardPage>

class QLabel;
class QPushButton;

namespace dermsam {

class LiveLabel;

class FineTuneWizard;

// Step 7: the checkpoint, an HTML report (with the figures and the CLI's JSON/CSV beside it),
// and "use this model now".
class SavePage : public QWizardPage {
    Q_OBJECT
public:
    explicit SavePage(FineTuneWizard* wizard);

    void initializePage() override;
    // The files of the run (checkpoint, split, compare.json/.csv, report.html, plots).
    const QStringList& files() const { return m_files; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    bool writeReport(QString& error);

    FineTuneWizard* m_wizard;
    LiveLabel* m_summary = nullptr;
    QPushButton* m_use = nullptr;
    QPushButton* m_open = nullptr;
    QStringList m_files;
};

} // namespace dermsam
