// Drives the real fine-tuning wizard for tools/wizard-screenshots.sh: fills in the settings a
// user would choose, presses Next whenever a page is complete, waits for the run and the
// comparison and saves grabs of the run and results pages. With --eta-log it also prints, for
// every training step, the time left that the run page showed and the time the run then really
// took (docs/performance.md). The product has no autopilot of its own; this driver is the user.
//
//   dermsam-wizard-driver --data DIR [--base MODEL] [--epochs N] [--lr X] [--patience N]
//                         [--batch N] [--output DIR] [--shots PREFIX] [--eta-log]
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/finetune_worker.h"
#include "ui/wizard/qcustomplot_include.h"
#include "ui/wizard/run_page.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <cstdio>
#include <vector>

using namespace dermsam;

namespace {

struct EtaSample {
    double at = 0; // seconds since the first training step
    int epoch = 0;
    qint64 step = 0;
    double shown = -1; // the run page's estimate of the time left
};

// Presses Next once the current page is complete; false when it did not become complete.
bool pressNext(FineTuneWizard& wizard, int timeoutMs) {
    if (!QTest::qWaitFor([&] { return wizard.currentPage()->isComplete(); }, timeoutMs))
        return false;
    // The settings page is a commit page: its Next button is QWizard's commit button.
    QAbstractButton* next = wizard.currentPage()->isCommitPage()
                                ? wizard.button(QWizard::CommitButton)
                                : wizard.button(QWizard::NextButton);
    if (!QTest::qWaitFor([next] { return next->isVisible() && next->isEnabled(); }, timeoutMs))
        return false;
    const int from = wizard.currentId();
    QTest::mouseClick(next, Qt::LeftButton);
    return wizard.currentId() != from;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    QCommandLineParser parser;
    const QCommandLineOption data(QStringLiteral("data"), QString(), QStringLiteral("dir"));
    const QCommandLineOption base(QStringLiteral("base"), QString(), QStringLiteral("model"));
    const QCommandLineOption epochs(QStringLiteral("epochs"), QString(), QStringLiteral("n"));
    const QCommandLineOption lr(QStringLiteral("lr"), QString(), QStringLiteral("x"));
    const QCommandLineOption patience(QStringLiteral("patience"), QString(), QStringLiteral("n"));
    const QCommandLineOption batch(QStringLiteral("batch"), QString(), QStringLiteral("n"));
    const QCommandLineOption output(QStringLiteral("output"), QString(), QStringLiteral("dir"));
    const QCommandLineOption shots(QStringLiteral("shots"), QString(), QStringLiteral("prefix"));
    const QCommandLineOption etaLog(QStringLiteral("eta-log"), QString());
    parser.addOptions({data, base, epochs, lr, patience, batch, output, shots, etaLog});
    parser.process(app);
    if (!parser.isSet(data)) {
        std::fprintf(stderr, "usage: dermsam-wizard-driver --data DIR [--base MODEL] [--epochs N] "
                             "[--lr X] [--patience N] [--batch N] [--output DIR] "
                             "[--shots PREFIX] [--eta-log]\n");
        return 2;
    }
    const auto fail = [](const char* what) {
        std::fprintf(stderr, "dermsam-wizard-driver: %s\n", what);
        return 1;
    };

    // The built-in model is the viewer's current one; the settings below are what a user would
    // type into the pages (the wizard starts from the remembered ones, as for a user).
    FineTuneWizard wizard(QString{});
    FineTuneWizardSettings& s = wizard.settings();
    s.dataFolder = parser.value(data);
    if (parser.isSet(base))
        s.baseModel = parser.value(base);
    s.epochs = parser.isSet(epochs) ? parser.value(epochs).toInt() : 2;
    if (parser.isSet(lr))
        s.learningRate = parser.value(lr).toDouble();
    if (parser.isSet(patience))
        s.patience = parser.value(patience).toInt();
    if (parser.isSet(batch))
        s.batchSize = parser.value(batch).toInt();
    s.outputFolder = parser.isSet(output) ? parser.value(output)
                                          : QDir(QDir::tempPath())
                                                .filePath(QStringLiteral("dermsam-wizard-") +
                                                          QDateTime::currentDateTime().toString(
                                                              QStringLiteral("yyyyMMdd-HHmmss")));
    wizard.show();
    if (!QTest::qWaitForWindowExposed(&wizard))
        return fail("the wizard was not shown");

    auto* run = qobject_cast<RunPage*>(wizard.page(FineTuneWizard::RunPageId));
    std::vector<EtaSample> samples;
    QElapsedTimer clock;
    // Connected after the run page's own slot, so the page has updated its estimate.
    QObject::connect(
        wizard.worker(), &FineTuneWorker::stepFinished, &wizard,
        [&](int epoch, qint64 step, qint64, double) {
            if (!clock.isValid())
                clock.start();
            samples.push_back({clock.elapsed() / 1000.0, epoch, step, run->estimatedSecondsLeft()});
        });
    QSignalSpy runDone(&wizard, &FineTuneWizard::runPageFinished);
    QSignalSpy resultsDone(&wizard, &FineTuneWizard::resultsPageFinished);
    constexpr int kPageMs = 120000;
    while (wizard.currentId() < FineTuneWizard::RunPageId)
        if (!pressNext(wizard, kPageMs)) {
            std::fprintf(stderr, "dermsam-wizard-driver: stuck on page %d\n", wizard.currentId());
            return fail("a page before the run did not become complete");
        }
    if (runDone.isEmpty() && !runDone.wait(24 * 3600 * 1000))
        return fail("the run did not end");
    const double end = clock.isValid() ? clock.elapsed() / 1000.0 : 0;
    if (!wizard.trainingOutcome.completed)
        return fail("the run did not complete");
    if (parser.isSet(etaLog)) {
        // The estimate against the time the run really took from that moment on.
        std::printf("epoch step  elapsed_s  shown_left_s  actual_left_s  shown/actual\n");
        for (const EtaSample& e : samples) {
            const double actual = end - e.at;
            std::printf("%5d %4lld %10.1f %13.1f %14.1f %13.2f\n", e.epoch,
                        static_cast<long long>(e.step), e.at, e.shown, actual,
                        e.shown >= 0 && actual > 0 ? e.shown / actual : 0.0);
        }
        std::printf("training wall time from the first step: %.1f s\n", end);
        std::fflush(stdout);
    }
    const QString prefix = parser.value(shots);
    // Plots replot on the next frame; done now so that the grab shows the last point.
    const auto grab = [&](const QString& path) {
        for (QCustomPlot* plot : wizard.currentPage()->findChildren<QCustomPlot*>())
            plot->replot();
        QCoreApplication::sendPostedEvents(); // pending layout requests of the page
        return wizard.grab().save(path);
    };
    if (!prefix.isEmpty() && !grab(prefix + QStringLiteral("-run.png")))
        return fail("cannot write the run page's picture");

    if (!pressNext(wizard, kPageMs))
        return fail("the run page did not let the results page open");
    if (resultsDone.isEmpty() && !resultsDone.wait(24 * 3600 * 1000))
        return fail("the comparison did not end");
    if (!wizard.comparison.error.isEmpty())
        return fail("the comparison failed");
    if (!prefix.isEmpty() && !grab(prefix + QStringLiteral("-results.png")))
        return fail("cannot write the results page's picture");
    return 0;
}
