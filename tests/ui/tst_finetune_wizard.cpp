// Protects the fine-tuning wizard: full run, CLI-equal results, files, cancel, responsive GUI.
// labels: gui
#include "core/comparison.h"
#include "core/dataset.h"
#include "core/dataset_split.h"
#include "core/evaluation.h"
#include "model/device.h"
#include "model/model_loader.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/safetensors.h"
#include "ui/live_label.h"
#include "ui/wizard/data_page.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/finetune_worker.h"
#include "ui/wizard/qcustomplot_include.h"
#include "ui/wizard/run_page.h"
#include "ui/wizard/split_page.h"

#include "block_probe.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>

using namespace dermsam;

using dermsam::test::BlockProbe;

namespace {

constexpr int kTrain = 4;
constexpr int kVal = 2;
constexpr int kTest = 4;

} // namespace

class TestFineTuneWizard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void runsToTheEndAndAgreesWithCli();
    void stopKeepsLoadableCheckpoint();
    void destroyedWhileOpen();
    void typedFolderIsScanned();
    void otherTestPromptAgreesWithCli();

private:
    // Fills the first four pages and starts the run; returns false (with a failed check) when
    // a page did not become complete.
    void driveToRun(FineTuneWizard& w, const QString& out, int epochs, int batch,
                    const QString& testPrompt = QStringLiteral("box"));
    // `dermsam-cli compare` on the run's split and checkpoint must print exactly json.
    void compareWithCli(const QString& out, const QString& checkpoint, const QString& prompt,
                        const QString& json);

    QTemporaryDir m_tmp;
    QString m_data;
    QString m_model;
};

void TestFineTuneWizard::initTestCase() {
    DERMSAM_REQUIRE_ISIC(isic);
    QVERIFY(m_tmp.isValid());
    QStandardPaths::setTestModeEnabled(true); // embedding cache in a test location
    QCoreApplication::setOrganizationName(QStringLiteral("DermSAM-test"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_finetune_wizard"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_tmp.path() + "/settings");
    QSettings().clear();

    // A handful of real ISIC images: the first of each split of the shared split file.
    m_data = m_tmp.path() + "/data";
    QVERIFY(QDir().mkpath(m_data + "/images"));
    QVERIFY(QDir().mkpath(m_data + "/masks"));
    const Dataset ds = scanDataset(isic.toStdString());
    const DatasetSplit all =
        applySplitFile(ds, loadSplitFile((isic + "/splits.txt").toStdString()));
    QFile split(m_data + "/splits.txt");
    QVERIFY(split.open(QIODevice::WriteOnly));
    const auto take = [&](const std::vector<DatasetItem>& items, int n, const char* name) {
        for (int i = 0; i < n; ++i) {
            const DatasetItem& it = items.at(static_cast<size_t>(i));
            const QString id = QString::fromStdString(it.id);
            QVERIFY(QFile::copy(QString::fromStdString(it.imagePath),
                                m_data + "/images/" + id + ".jpg"));
            QVERIFY(QFile::copy(QString::fromStdString(it.maskPath),
                                m_data + "/masks/" + id + "_segmentation.png"));
            split.write((id + " " + name + "\n").toUtf8());
        }
    };
    take(all.train, kTrain, "train");
    take(all.val, kVal, "val");
    take(all.test, kTest, "test");
    split.close();

    // The base model: a seeded random compact model in a file (the "checkpoint file" choice).
    at::manual_seed(11);
    const SamModel base(SamArchitecture::compact());
    m_model = m_tmp.path() + "/base.safetensors";
    writeSafetensors(m_model.toStdString(), base.stateDict(), {{"profile", "compact"}});
}

void TestFineTuneWizard::driveToRun(FineTuneWizard& w, const QString& out, int epochs, int batch,
                                    const QString& testPrompt) {
    w.settings().dataFolder = m_data;
    w.show();
    QCOMPARE(w.currentId(), int(FineTuneWizard::DataPageId));
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 20000);
    const auto* data = qobject_cast<DataPage*>(w.currentPage());
    QCOMPARE(data->scan().pairs, kTrain + kVal + kTest);
    QCOMPARE(data->scan().layout, QStringLiteral("isic"));
    QVERIFY(data->scan().problems.isEmpty());
    QCOMPARE(w.findChild<QListWidget*>("dataPreviews")->count(), 8);

    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::SplitPageId));
    QVERIFY(w.findChild<QRadioButton*>("useSplitFile")->isChecked()); // the folder has one
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 10000);
    const SplitResult counts = qobject_cast<SplitPage*>(w.currentPage())->counts();
    QCOMPARE(counts.train, kTrain);
    QCOMPARE(counts.val, kVal);
    QCOMPARE(counts.test, kTest);

    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::ModelPageId));
    w.findChild<QRadioButton*>("baseFile")->setChecked(true);
    w.findChild<QLineEdit*>("basePath")->setText(m_model);
    QVERIFY(w.currentPage()->isComplete());
    // Precision and TF32 are GPU settings: off on the CPU, TF32 only for float32.
    auto* device = w.findChild<QComboBox*>("device");
    auto* precision = w.findChild<QComboBox*>("precision");
    auto* tf32 = w.findChild<QCheckBox*>("tf32");
    const int chosen = device->currentIndex();
    device->setCurrentIndex(device->findData(QStringLiteral("cuda")));
    precision->setCurrentIndex(precision->findData(QStringLiteral("bfloat16")));
    QVERIFY(precision->isEnabled());
    QVERIFY(!tf32->isEnabled());
    precision->setCurrentIndex(precision->findData(QStringLiteral("float32")));
    QVERIFY(tf32->isEnabled());
    device->setCurrentIndex(device->findData(QStringLiteral("cpu")));
    QVERIFY(!precision->isEnabled());
    QVERIFY(!tf32->isEnabled());
    device->setCurrentIndex(chosen);

    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::SettingsPageId));
    if (!QSettings().contains("finetune/epochs"))
        QCOMPARE(w.findChild<QSpinBox*>("epochs")->value(), 10); // CLI default on a first run
    w.findChild<QSpinBox*>("epochs")->setValue(epochs);
    w.findChild<QSpinBox*>("batchSize")->setValue(batch);
    w.findChild<QLineEdit*>("outputFolder")->setText(out);
    auto* prompt = w.findChild<QComboBox*>("testPrompt");
    prompt->setCurrentIndex(prompt->findData(testPrompt));
    QCOMPARE(prompt->currentData().toString(), testPrompt);

    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::RunPageId));
}

void TestFineTuneWizard::compareWithCli(const QString& out, const QString& checkpoint,
                                        const QString& prompt, const QString& json) {
    const QString cli = QStringLiteral(DERMSAM_CLI_PATH);
    if (!QFileInfo(cli).isExecutable()) {
        qInfo("dermsam-cli not built: compared with the library only");
        return;
    }
    QProcess p;
    p.start(cli, {"compare", "--data", m_data, "--split", out + "/splits.txt:test", "--model",
                  m_model, "--model", checkpoint, "--prompt", prompt, "--json", "--no-cache"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(), json);
}

void TestFineTuneWizard::runsToTheEndAndAgreesWithCli() {
    DERMSAM_REQUIRE_ISIC(isic);
    Q_UNUSED(isic)
    BlockProbe probe;
    const QString out = m_tmp.path() + "/run1";
    FineTuneWizard w(QString{});
    QSignalSpy epochs(w.worker(), &FineTuneWorker::epochFinished);
    QSignalSpy zeroShot(w.worker(), &FineTuneWorker::zeroShotValidated);
    // What the run page shows at each step report (its time left, its label and progress) and
    // when; the run's real end is taken when the page learns it.
    struct Shown {
        qint64 atMs;
        int epoch;
        double left;
        QString label;
        int progress;
    };
    QList<Shown> steps;
    QElapsedTimer runClock;
    runClock.start();
    qint64 endMs = -1;
    const auto* runPage = qobject_cast<RunPage*>(w.page(FineTuneWizard::RunPageId));
    // Connected after the page's own handlers (both queued), so the page has updated.
    connect(w.worker(), &FineTuneWorker::stepFinished, &w, [&](int epoch, qint64, qint64, double) {
        steps.append({runClock.elapsed(), epoch, runPage->estimatedSecondsLeft(),
                      w.findChild<QLabel*>("runEta")->text(),
                      w.findChild<QProgressBar*>("runProgress")->value()});
    });
    connect(&w, &FineTuneWizard::runPageFinished, &w, [&] { endMs = runClock.elapsed(); });
    driveToRun(w, out, 2, 2);
    if (QTest::currentTestFailed())
        return;
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 60000);
    qInfo("training: %lld ms", clock.restart());
    // The time left shown once the first epoch is over, against the time this same run then
    // really took. It was 3 + 3 x step / (step + overhead) times that (the step number, which
    // counts within an epoch, was taken for the run's). A generous band: the load of the machine
    // and the checkpoint writes (one more when validation improved) vary within a run.
    QVERIFY(endMs > 0);
    const auto second =
        std::find_if(steps.cbegin(), steps.cend(), [](const Shown& s) { return s.epoch == 2; });
    QVERIFY(second != steps.cend());
    const double actual = static_cast<double>(endMs - second->atMs) / 1000.0;
    qInfo("time left shown at the second epoch's first step: %.2f s; it took %.2f s", second->left,
          actual);
    QVERIFY2(second->left >= actual / 3 && second->left <= 3 * actual,
             qPrintable(QStringLiteral("%1 s shown, %2 s taken").arg(second->left).arg(actual)));
    QVERIFY(!second->label.isEmpty());
    // The progress bar counts the run's steps (2 epochs x 2): it never goes back at an epoch.
    for (qsizetype i = 1; i < steps.size(); ++i)
        QVERIFY2(steps[i].progress > steps[i - 1].progress, qPrintable(QString::number(i)));
    QCOMPARE(steps.last().progress, 4);
    const TrainingOutcome t = w.trainingOutcome;
    QVERIFY2(t.completed, qPrintable(t.error + " " + t.errorPath));
    QCOMPARE(t.epochsDone, 2);
    QCOMPARE(t.trainCount, kTrain);
    QCOMPARE(t.valCount, kVal);
    QCOMPARE(epochs.count(), 2);
    QCOMPARE(zeroShot.count(), 1);
    // Settings was the commit page: a finished run cannot be edited from behind.
    QVERIFY(!w.button(QWizard::BackButton)->isEnabled());
    // The live curves hold one point per epoch.
    const auto* run = qobject_cast<RunPage*>(w.page(FineTuneWizard::RunPageId));
    QCOMPARE(run->plot()->graph(0)->dataCount(), 2);
    QCOMPARE(run->plot()->graph(1)->dataCount(), 2);
    // The legend sits beside the axes, never over the curves.
    run->plot()->replot();
    QVERIFY(!run->plot()->legend->outerRect().intersects(run->plot()->axisRect()->rect()));

    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::ResultsPageId));
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 60000);
    qInfo("evaluation: %lld ms, worst GUI-thread gap so far %lld ms", clock.restart(),
          probe.worstMs());
    probe.pause();
    const ComparisonResult r = w.comparison;
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error + " " + r.errorPath));
    QCOMPARE(r.n, kTest);
    QCOMPARE(r.gained.size() + r.lost.size() <= kTest, true);
    QCOMPARE(w.findChild<QListWidget*>("gainedImages")->count(), r.gained.size());
    // An empty list is replaced by a sentence, not left as an empty box.
    const auto* lost = w.findChild<QListWidget*>("lostImages");
    QCOMPARE(lost->count(), r.lost.size());
    QCOMPARE(!lost->isHidden(), !r.lost.isEmpty());
    const QString lostTitle = w.findChild<QLabel*>("lostImagesLabel")->text();
    QCOMPARE(lostTitle.contains(QStringLiteral("none of the test images got worse")),
             r.lost.isEmpty());

    // The same comparison through the library, without the embedding cache: identical JSON.
    const LoadedModel a = loadModel(m_model.toStdString());
    const LoadedModel b = loadModel(t.checkpoint.toStdString());
    const std::vector<DatasetItem> test =
        applySplitFile(scanDataset(m_data.toStdString()),
                       loadSplitFile((out + "/splits.txt").toStdString()))
            .test;
    QCOMPARE(int(test.size()), kTest);
    // LibTorch's thread count is per thread (OpenMP): use all cores here too, as the CLI and
    // the worker do, so the encoder sums in the same order.
    configureThreads(0);
    EvalOptions options; // ground-truth box, seed 0: compare's defaults
    const EvalRun ra = runEvaluation(Predictor(a.model, a.profile), a.sha256, test, options);
    const EvalRun rb = runEvaluation(Predictor(b.model, b.profile), b.sha256, test, options);
    const PairedComparison c = compareRuns(ra, rb);
    QCOMPARE(r.diceA.mean, ra.summary.dice.mean);
    QCOMPARE(r.diceA.sd, ra.summary.dice.sd);
    QCOMPARE(r.diceB.mean, rb.summary.dice.mean);
    QCOMPARE(r.iouB.sd, rb.summary.jaccard.sd);
    QCOMPARE(r.diceP, c.wilcoxonDice.pValue);
    QCOMPARE(r.diceMeanDifference, c.dice.meanDifference);
    QCOMPARE(r.diceCiLow, c.dice.ci.low);
    QCOMPARE(r.iouP, c.wilcoxonIou.pValue);
    const auto named = [](const LoadedModel& m) {
        return ComparedModel{m.path, m.sha256, profileName(m.profile)};
    };
    QCOMPARE(r.reportJson.toStdString(),
             comparisonJson(c, EvalPrompt::Box, 0, TtaMode::Off, named(a), ra, named(b), rb));
    // What the page shows is those numbers.
    const QString shown = w.findChild<QLabel*>("resultsSummary")->text();
    QVERIFY(shown.contains(QString::number(rb.summary.dice.mean, 'f', 4)));
    QVERIFY(shown.contains(QString::asprintf("%+.4f", c.dice.meanDifference)));

    // And the command line itself, when it is built.
    compareWithCli(out, t.checkpoint, QStringLiteral("box"), r.reportJson);
    if (QTest::currentTestFailed())
        return;

    probe.resume();
    QTRY_VERIFY(probe.ticks() > 0);
    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::SavePageId));
    for (const char* name : {"finetuned.safetensors", "splits.txt", "compare.json", "compare.csv",
                             "report.html", "training-curves.png", "dice-per-image.png"})
        QVERIFY2(QFileInfo::exists(out + "/" + name), name);
    QFile json(out + "/compare.json");
    QVERIFY(json.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(json.readAll()), r.reportJson + "\n");
    QFile csv(out + "/compare.csv");
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().toStdString(), comparisonCsv(c));
    // The page accounts for every file in the folder, the resume state too.
    const QString listed = w.findChild<LiveLabel*>("saveSummary") != nullptr
                               ? w.findChild<LiveLabel*>("saveSummary")->text()
                               : QString();
    for (const QFileInfo& fi : QDir(out).entryInfoList(QDir::Files))
        QVERIFY2(listed.contains(fi.fileName()), qPrintable(fi.fileName() + " not in " + listed));

    const int ticks = probe.ticks();
    QTRY_VERIFY(probe.ticks() > ticks + 1); // the save page's work is inside a measured gap
    probe.pause();
    QSignalSpy use(&w, &FineTuneWizard::useModelRequested);
    w.findChild<QPushButton*>("useModelButton")->click();
    QCOMPARE(use.count(), 1);
    QCOMPARE(use.at(0).at(0).toString(), t.checkpoint);

    // This run's settings are remembered for the next one.
    QSettings s;
    QCOMPARE(s.value("finetune/epochs").toInt(), 2);
    QCOMPARE(s.value("finetune/batchSize").toInt(), 2);
    QCOMPARE(s.value("finetune/baseModel").toString(), m_model);
    FineTuneWizard again(QString{});
    QCOMPARE(again.settings().dataFolder, m_data);
    QCOMPARE(again.settings().epochs, 2);

    qInfo("GUI thread during the whole run: worst block %lld ms, worst tick gap %lld ms",
          probe.worstMs(), probe.worstGapMs());
    QVERIFY2(probe.worstMs() < 50, qPrintable(QString::number(probe.worstMs())));
}

void TestFineTuneWizard::stopKeepsLoadableCheckpoint() {
    DERMSAM_REQUIRE_ISIC(isic);
    Q_UNUSED(isic)
    const BlockProbe probe;
    const QString out = m_tmp.path() + "/run2";
    FineTuneWizard w(QString{});
    QSignalSpy steps(w.worker(), &FineTuneWorker::stepFinished);
    QSignalSpy epochs(w.worker(), &FineTuneWorker::epochFinished);
    QSignalSpy finished(w.worker(), &FineTuneWorker::trainingFinished);
    driveToRun(w, out, 200, 2);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(epochs.wait(60000));

    // Pause holds the worker between steps; resume lets it go on.
    w.findChild<QPushButton*>("pauseButton")->click();
    QVERIFY(w.control().isPaused());
    // The step or validation under way when Pause was pressed finishes first (the spy counts
    // steps as they are emitted, on the worker thread); once parked, no step may come.
    QTRY_VERIFY_WITH_TIMEOUT(w.control().isHolding(), 30000);
    const int pausedAt = steps.count();
    QVERIFY(!steps.wait(500));
    QCOMPARE(steps.count(), pausedAt);
    w.findChild<QPushButton*>("pauseButton")->click();
    QVERIFY(steps.wait(10000));

    w.findChild<QPushButton*>("cancelRunButton")->click();
    QVERIFY(finished.count() == 1 || finished.wait(30000));
    const TrainingOutcome t = w.trainingOutcome;
    QVERIFY(t.cancelled);
    QVERIFY(!t.completed);
    QVERIFY(t.checkpointExists);
    QVERIFY(t.epochsDone >= 1 && t.epochsDone < 200);
    QVERIFY(w.currentPage()->isComplete()); // the kept checkpoint can go on to the comparison
    const qint64 worst = probe.worstMs();
    qInfo("GUI thread, run with pause and stop: worst tick gap %lld ms", probe.worstGapMs());
    const LoadedModel m = loadModel(t.checkpoint.toStdString());
    QVERIFY(m.model);
    QCOMPARE(std::stoi(m.metadata.at("epoch")), t.bestEpoch);
    qInfo("GUI thread, run with pause and stop: worst block %lld ms", worst);
    QVERIFY2(worst < 50, qPrintable(QString::number(worst)));
}

// Quitting the application with the wizard open destroys it while visible, its data folder field
// focused: the field's editingFinished (focus lost) asked the already deleted worker for a scan.
void TestFineTuneWizard::destroyedWhileOpen() {
    DERMSAM_REQUIRE_ISIC(isic);
    Q_UNUSED(isic)
    auto window = std::make_unique<QWidget>();
    auto* w = new FineTuneWizard(QString{}, window.get());
    w->settings().dataFolder = m_data;
    window->show();
    w->show();
    QVERIFY(QTest::qWaitForWindowActive(w));
    auto* folder = w->findChild<QLineEdit*>(QStringLiteral("dataFolder"));
    folder->setFocus();
    QTRY_VERIFY(folder->hasFocus());
    QTRY_VERIFY_WITH_TIMEOUT(w->currentPage()->isComplete(), 20000);
    folder->setText(m_tmp.path()); // edited, not yet confirmed: losing focus starts a scan
    QSignalSpy destroyed(w, &QObject::destroyed);
    window.reset();
    QCOMPARE(destroyed.count(), 1);
}

// A folder typed into the field, without Enter, is scanned once the typing stops: the page sat
// silent with Next disabled until the field lost the focus.
void TestFineTuneWizard::typedFolderIsScanned() {
    DERMSAM_REQUIRE_ISIC(isic);
    Q_UNUSED(isic)
    FineTuneWizard w(QString{});
    w.settings().dataFolder.clear();
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    auto* folder = w.findChild<QLineEdit*>(QStringLiteral("dataFolder"));
    folder->setFocus();
    QTRY_VERIFY(folder->hasFocus());
    QTest::keyClicks(folder, m_data);
    QVERIFY(!w.currentPage()->isComplete());
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 20000);
    QVERIFY(folder->hasFocus()); // still in the field, as the user left it
    QCOMPARE(qobject_cast<DataPage*>(w.currentPage())->scan().pairs, kTrain + kVal + kTest);
    QCOMPARE(w.findChild<QListWidget*>("dataPreviews")->count(), 8);
}

// The comparison can prompt with a centre click instead of the box (compare --prompt center):
// the page says so, and the JSON is the command line's for that prompt, byte for byte.
void TestFineTuneWizard::otherTestPromptAgreesWithCli() {
    DERMSAM_REQUIRE_ISIC(isic);
    Q_UNUSED(isic)
    const QString out = m_tmp.path() + "/run-center";
    FineTuneWizard w(QString{});
    driveToRun(w, out, 1, 2, QStringLiteral("center"));
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 60000);
    QVERIFY(w.trainingOutcome.completed);
    w.next();
    QCOMPARE(w.currentId(), int(FineTuneWizard::ResultsPageId));
    QTRY_VERIFY_WITH_TIMEOUT(w.currentPage()->isComplete(), 60000);
    const ComparisonResult r = w.comparison;
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error + " " + r.errorPath));
    QVERIFY(w.currentPage()->subTitle().contains(
        QStringLiteral("one click where the lesion is farthest from its border")));
    QVERIFY(r.reportJson.contains(QStringLiteral("\"prompt\":\"center\"")));

    compareWithCli(out, w.trainingOutcome.checkpoint, QStringLiteral("center"), r.reportJson);
    if (QTest::currentTestFailed())
        return;
    w.next();
    QVERIFY(w.findChild<QLabel*>("saveSummary")->text().contains("--prompt center"));
    QCOMPARE(QSettings().value("finetune/testPrompt").toString(), QStringLiteral("center"));
}

QTEST_MAIN(TestFineTuneWizard)
#include "tst_finetune_wizard.moc"
