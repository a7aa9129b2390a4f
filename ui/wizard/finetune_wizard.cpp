#include "ui/wizard/finetune_wizard.h"

#include "ui/wizard/data_page.h"
#include "ui/wizard/finetune_worker.h"
#include "ui/wizard/model_page.h"
#include "ui/wizard/results_page.h"
#include "ui/wizard/run_page.h"
#include "ui/wizard/save_page.h"
#include "ui/wizard/settings_page.h"
#include "ui/wizard/split_page.h"

#include <QAbstractButton>
#include <QCoreApplication>
#include <QEvent>
#include <QMessageBox>
#include <QSettings>

#include <utility>

namespace dermsam {

FineTuneWizard::FineTuneWizard(const QString& currentModel, QWidget* parent)
    : QWizard(parent)
    , m_currentModel(currentModel)
    , m_control(std::make_shared<FineTuneControl>()) {
    static const bool registered = [] {
        qRegisterMetaType<DatasetScanResult>();
        qRegisterMetaType<SplitRequest>();
        qRegisterMetaType<SplitResult>();
        qRegisterMetaType<EpochPoint>();
        qRegisterMetaType<TrainingOutcome>();
        qRegisterMetaType<ComparisonResult>();
        qRegisterMetaType<FineTuneWizardSettings>();
        return true;
    }();
    Q_UNUSED(registered)
    setWindowTitle(tr("Fine-tune model"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnLastPage, true);
    setOption(QWizard::NoCancelButtonOnLastPage, true);
    resize(920, 720);
    {
        QSettings qs;
        m_settings.load(qs);
    }

    m_worker = new FineTuneWorker(m_control);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("FineTuneWorker"));
    m_thread.start();

    setPage(DataPageId, new DataPage(this));
    setPage(SplitPageId, new SplitPage(this));
    setPage(ModelPageId, new ModelPage(this));
    setPage(SettingsPageId, new SettingsPage(this));
    setPage(RunPageId, new RunPage(this));
    setPage(ResultsPageId, new ResultsPage(this));
    setPage(SavePageId, new SavePage(this));
    connect(this, &QWizard::currentIdChanged, this, [this](int id) {
        // No going back into a finished run: its files are the results.
        if (id >= ResultsPageId)
            button(QWizard::BackButton)->setEnabled(false);
    });
}

FineTuneWizard::~FineTuneWizard() {
    // Hidden here, while every member lives, and with no worker to ask: QDialog's destructor
    // would hide the pages after this object's members are gone, and a field losing focus asks
    // the worker for work (the data folder's editingFinished starts a scan). invokeMethod on a
    // null object does nothing; on the deleted worker it crashed when the application quit with
    // the wizard open.
    m_worker = nullptr;
    hide();
    // The worker checks the flag between steps and images, so this wait is short.
    m_control->cancel();
    m_thread.quit();
    m_thread.wait();
}

QString FineTuneWizard::testPromptText(const QString& prompt) {
    if (prompt == QLatin1String("jitter"))
        return tr("the ground-truth box, each side moved outward by up to 20 px");
    if (prompt == QLatin1String("center"))
        return tr("one click where the lesion is farthest from its border");
    return tr("the ground-truth box");
}

void FineTuneWizard::changeEvent(QEvent* event) {
    // The pages retranslate themselves (Edit > Settings > Language while the wizard is open).
    if (event->type() == QEvent::LanguageChange) {
        setWindowTitle(tr("Fine-tune model"));
        // QWizard translates its own buttons once, when it is made: again here, from Qt's
        // translation of its source texts (of the classic style). Not literals in translate(),
        // so lupdate does not copy Qt's messages into DermSAM's translation.
        static const std::pair<QWizard::WizardButton, const char*> buttons[] = {
            {QWizard::BackButton, "< &Back"},
            {QWizard::NextButton, "&Next >"},
            {QWizard::FinishButton, "&Finish"},
            {QWizard::CancelButton, "Cancel"}};
        const char* qtContext = "QWizard";
        for (const auto& [button, text] : buttons)
            setButtonText(button, QCoreApplication::translate(qtContext, text));
    }
    QWizard::changeEvent(event);
}

void FineTuneWizard::reject() {
    auto* run = qobject_cast<RunPage*>(page(RunPageId));
    if (run && run->isRunning()) {
        const auto answer = QMessageBox::question(
            this, tr("Stop fine-tuning?"),
            tr("Training is running. Stop it and close the wizard? The best checkpoint so far "
               "is kept in the output folder."));
        if (answer != QMessageBox::Yes)
            return;
        run->cancelRun();
    }
    QWizard::reject();
}

} // namespace dermsam
