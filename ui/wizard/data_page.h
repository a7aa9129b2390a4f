#pragma once

#include "ui/wizard/finetune_types.h"

#include <QWizardPage>

class QLabel;
class QLineEdit;
class QListWidget;

namespace dermsam {

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

private:
    void requestScan();
    void onScanned(quint64 requestId, const DatasetScanResult& result);

    FineTuneWizard* m_wizard;
    QLineEdit* m_folder = nullptr;
    QLabel* m_summary = nullptr;
    QListWidget* m_problems = nullptr;
    QListWidget* m_previews = nullptr;
    quint64 m_request = 0; // newest scan; older answers are dropped
    bool m_scanning = false;
    DatasetScanResult m_scan;
};

} // namespace dermsam
