#pragma once

#include "ui/wizard/finetune_types.h"

#include <QTimer>
#include <QWizardPage>

class QLabel;
class QPushButton;
class QLineEdit;
class QListWidget;

namespace dermsam {

class LiveLabel;

class FineTuneWizard;

// Step 1: the data folder, its detected layout, counts, problems and a preview grid.
class DataPage : public QWizardPage {
    Q_OBJECT
public:
    explicit DataPage(FineTuneWizard* wizard);

    void initializePage() override;
    bool isComplete() const override;
    bool validatePage() override;
    const DatasetScanResult& scan() const { return m_scan; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void requestScan();
    void onScanned(quint64 requestId, const DatasetScanResult& result);

    FineTuneWizard* m_wizard;
    QLineEdit* m_folder = nullptr;
    QPushButton* m_browse = nullptr;
    LiveLabel* m_summary = nullptr;
    QLabel* m_problemsLabel = nullptr;
    QLabel* m_previewsLabel = nullptr;
    QListWidget* m_problems = nullptr;
    QListWidget* m_previews = nullptr;
    QTimer m_typingPause;  // a folder typed in is scanned once the typing stops
    quint64 m_request = 0; // newest scan; older answers are dropped
    bool m_scanning = false;
    DatasetScanResult m_scan;
};

} // namespace dermsam
