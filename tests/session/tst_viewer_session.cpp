// Protects the viewer's stories on the widget-free session model: open, box, candidates, heatmap,
// undo, save and reopen, calibration, worklist marks, recovery, hostile files, session-only model,
// Auto (no prompt) and outlining on open.
// labels: slow e2e
#include "follow_up_fixture.h"
#include "mask_compare.h"
#include "test_support.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/inference_worker.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_saver.h"
#include "ui/session/recovery_store.h"
#include "ui/session/viewer_session.h"
#include "ui/session/worklist.h"

#include "core/evaluation.h"
#include "core/mask_io.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoGroup>

#include <opencv2/core.hpp>

#include <memory>

using namespace dermsam;
using dermsam::test::countSet;
using dermsam::test::dice;
using dermsam::test::readGrey;

class TestViewerSession : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;
    QString m_isic;
    QString m_work;
    QStringList m_images;

    std::unique_ptr<ViewerSession> startSession();
    // expected: the image that opens (a folder's first), path itself when empty.
    void openAndWait(ViewerSession& s, const QString& path, const QString& expected = {});
    BoxPrompt truthBox(int imageIndex) const;
    QImage truthMask(int imageIndex) const;
    void boxAndWait(ViewerSession& s, int imageIndex);

private Q_SLOTS:
    void initTestCase();
    void noWidgetsAreLinked();
    void boxGivesMaskOfTheCliConvention();
    void pointGivesThreeCandidatesAndChoosingIsOneUndoStep();
    void heatmapFollowsTheMask_data();
    void heatmapFollowsTheMask();
    void savedMaskAndCalibrationComeBack();
    void worklistStepsAndMarks();
    void discardedEditsDropTheDoneMark();
    void keptEditsAreOffered();
    void brokenFilesAreRefusedWithOneLine_data();
    void brokenFilesAreRefusedWithOneLine();
    void sessionModelIsNotSaved();
    void sampleImageIsCopiedWhole();
    void followUpFindsTheKnownGrowth();
    void autoOutlinesTheLesionAsOneUndoStep();
    void autoOutlineOnOpenIsASetting();
    void ttaSettingDecodesTheMirrorToo();
};

void TestViewerSession::initTestCase() {
    m_isic = dermsam::test::isicDir();
    if (m_isic.isEmpty())
        QSKIP("../shared/data/isic2018-512 is absent: the session stories need real images");
    QVERIFY(m_home.isValid());
    qputenv("HOME", m_home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral("cache")).toUtf8());
    qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral("data")).toUtf8());
    QCoreApplication::setApplicationName(QStringLiteral("DermSAM"));
    QCoreApplication::setOrganizationName(QStringLiteral("DermSAM"));
    m_work = m_home.filePath(QStringLiteral("work"));
    QVERIFY(QDir().mkpath(m_work));
    for (const char* id : {"ISIC_0000009", "ISIC_0000017", "ISIC_0000023"}) {
        const QString name = QString::fromLatin1(id) + QStringLiteral(".jpg");
        QVERIFY(QFile::copy(m_isic + QStringLiteral("/images/") + name, m_work + '/' + name));
        m_images << m_work + '/' + name;
    }
}

std::unique_ptr<ViewerSession> TestViewerSession::startSession() {
    auto s = std::make_unique<ViewerSession>();
    QSignalSpy changed(s.get(), &ViewerSession::modelStateChanged);
    s->loadModelFromSettings(); // the built-in default model, the disk cache on
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(s->modelState() != ViewerSession::ModelState::Loading, 60000);
        QCOMPARE(int(s->modelState()), int(ViewerSession::ModelState::Ready));
    }();
    return s;
}

void TestViewerSession::openAndWait(ViewerSession& s, const QString& path,
                                    const QString& expected) {
    QSignalSpy opened(&s, &ViewerSession::imageOpened);
    QVERIFY(s.openPath(path));
    QVERIFY(opened.wait(30000));
    QVERIFY(s.document());
    QCOMPARE(s.document()->path(),
             QFileInfo(expected.isEmpty() ? path : expected).absoluteFilePath());
}

QImage TestViewerSession::truthMask(int imageIndex) const {
    const QString id = QFileInfo(m_images[imageIndex]).completeBaseName();
    return readGrey(m_isic + QStringLiteral("/masks/") + id + QStringLiteral("_segmentation.png"));
}

BoxPrompt TestViewerSession::truthBox(int imageIndex) const {
    const QImage m = truthMask(imageIndex);
    const cv::Mat view(m.height(), m.width(), CV_8UC1, const_cast<uchar*>(m.constBits()),
                       static_cast<std::size_t>(m.bytesPerLine()));
    BoxPrompt box;
    [&] { QVERIFY(maskBoundingBox(view, box)); }();
    return box;
}

void TestViewerSession::boxAndWait(ViewerSession& s, int imageIndex) {
    Prompts p;
    p.boxes.push_back(truthBox(imageIndex));
    s.document()->setPrompts(p);
    QSignalSpy applied(&s, &ViewerSession::maskApplied);
    s.requestMask();
    QVERIFY(applied.wait(60000));
}

void TestViewerSession::noWidgetsAreLinked() {
    // This executable links dermsam_session and Qt Test only: QTEST_MAIN made a
    // QGuiApplication, which it does only when Qt Widgets is absent.
    QVERIFY(qobject_cast<QGuiApplication*>(QCoreApplication::instance()));
    QCOMPARE(QCoreApplication::instance()->metaObject()->className(), "QGuiApplication");
}

void TestViewerSession::boxGivesMaskOfTheCliConvention() {
    auto s = startSession();
    openAndWait(*s, m_images[0]);
    QCOMPARE(s->measurements().areaPx, qint64{0});
    boxAndWait(*s, 0);
    // The box from the expert mask, as `dermsam-cli eval --prompt box` builds it, gives a mask
    // close to the expert's: the built-in model's test-split Dice is 0.935.
    const double d = dice(s->document()->mask(), truthMask(0));
    QVERIFY2(d > 0.85, qPrintable(QString::number(d)));
    QCOMPARE(s->lastResponse().candidates.size(), std::size_t{1});
    QVERIFY(s->hasUnsavedEdits());
    QCOMPARE(s->measurements().areaPx, countSet(s->document()->mask()));
    // The full measurements follow off the GUI thread, of this very mask.
    QTRY_VERIFY_WITH_TIMEOUT(s->lesionMeasurementsCurrent(), 10000);
    const LesionMeasurements& full = s->lesionMeasurements();
    QCOMPARE(full.areaPx, countSet(s->document()->mask()));
    QVERIFY(full.colourMeasured && full.colourCount >= 1);
    QVERIFY(std::abs(full.maxFeretPx - s->measurements().maxDiameterPx) < 1e-6);
    // One undo step back to no mask, one redo to it.
    s->undoGroup()->undo();
    QCOMPARE(countSet(s->document()->mask()), qint64{0});
    QVERIFY(!s->hasUnsavedEdits());
    s->undoGroup()->redo();
    QVERIFY(countSet(s->document()->mask()) > 0);
}

void TestViewerSession::pointGivesThreeCandidatesAndChoosingIsOneUndoStep() {
    auto s = startSession();
    openAndWait(*s, m_images[1]);
    const BoxPrompt b = truthBox(1);
    Prompts p;
    p.points.push_back({(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, 1});
    s->document()->setPrompts(p);
    QSignalSpy applied(s.get(), &ViewerSession::maskApplied);
    s->requestMask();
    QVERIFY(applied.wait(60000));
    const auto& candidates = s->lastResponse().candidates;
    QCOMPARE(candidates.size(), std::size_t{3});
    // The first candidate is applied; choosing the third shows exactly its mask.
    QCOMPARE(s->document()->mask(), candidates[0].mask);
    s->chooseCandidate(2);
    QCOMPARE(s->document()->mask(), candidates[2].mask);
    QCOMPARE(s->document()->currentModelResult().iou, candidates[2].iou);
    // Choosing merged into the result's undo step: one undo leaves no mask.
    s->undoGroup()->undo();
    QCOMPARE(countSet(s->document()->mask()), qint64{0});
    s->chooseCandidate(7); // out of range: ignored
}

void TestViewerSession::heatmapFollowsTheMask_data() {
    QTest::addColumn<QString>("method");
    QTest::newRow("Grad-CAM") << QStringLiteral("gradcam");
    QTest::newRow("HiResCAM") << QStringLiteral("hirescam");
    QTest::newRow("Grad-CAM++") << QStringLiteral("gradcam++");
}

void TestViewerSession::heatmapFollowsTheMask() {
    QFETCH(QString, method);
    auto s = startSession();
    openAndWait(*s, m_images[0]);
    boxAndWait(*s, 0);
    QSignalSpy ready(s.get(), &ViewerSession::heatmapReady);
    QSignalSpy failed(s.get(), &ViewerSession::heatmapFailed);
    HeatmapOptions options;
    options.enabled = true;
    options.method = method;
    s->setHeatmapOptions(options);
    QVERIFY(ready.wait(60000));
    QCOMPARE(failed.count(), 0);
    const auto r = ready.at(0).at(0).value<HeatmapResponse>();
    QCOMPARE(r.imageId, s->document()->id());
    QVERIFY(!r.heat.isNull());
    // Not a blank picture: the map has a range, and its peak lies on the lesion.
    int lo = 255, hi = 0;
    for (int y = 0; y < r.heat.height(); ++y)
        for (int x = 0; x < r.heat.width(); ++x) {
            lo = std::min(lo, qGray(r.heat.pixel(x, y)));
            hi = std::max(hi, qGray(r.heat.pixel(x, y)));
        }
    QVERIFY2(hi - lo > 100, qPrintable(QStringLiteral("%1..%2").arg(lo).arg(hi)));
    const BoxPrompt b = truthBox(0);
    const double margin = 0.1 * s->document()->size().width();
    QVERIFY(r.peak.x() >= b.x0 - margin && r.peak.x() <= b.x1 + margin);
    QVERIFY(r.peak.y() >= b.y0 - margin && r.peak.y() <= b.y1 + margin);
    // A new mask clears the old heatmap first, then its own follows.
    QSignalSpy cleared(s.get(), &ViewerSession::heatmapCleared);
    boxAndWait(*s, 0);
    QVERIFY(cleared.count() >= 1);
    QVERIFY(ready.wait(60000));
}

void TestViewerSession::savedMaskAndCalibrationComeBack() {
    const QString image = m_images[2];
    QFile::remove(maskPathForImage(image));
    QFile::remove(calibrationPathForImage(image));
    QImage shown;
    {
        auto s = startSession();
        openAndWait(*s, image);
        boxAndWait(*s, 2);
        QSignalSpy calibrated(s.get(), &ViewerSession::measurementsChanged);
        // A 100 px line of 5 mm: 0.05 mm per pixel.
        QVERIFY(s->calibrate(QLineF(10, 10, 110, 10), 5.0).contains(QStringLiteral("0.05")));
        QVERIFY(s->document()->isCalibrated());
        QVERIFY(calibrated.count() >= 1);
        QVERIFY(s->save().isEmpty());
        QVERIFY(!s->hasUnsavedEdits());
        shown = s->document()->mask();
        // On disk, where the CLI and other tools find them.
        QCOMPARE(readGrey(maskPathForImage(image)), shown);
        QVERIFY(QFileInfo::exists(calibrationPathForImage(image)));
        const MaskSidecar sidecar = loadMaskSidecar(
            sidecarPathFor(QFile::encodeName(maskPathForImage(image)).toStdString()));
        QCOMPARE(sidecar.pixelSizeSource, std::string("calibration"));
        // Every figure of docs/measurements.md, in mm with the calibration.
        const auto value = [&sidecar](const std::string& name) {
            for (const auto& [k, v] : sidecar.measurements)
                if (k == name)
                    return v;
            return -1.0;
        };
        QCOMPARE(value("areaPx"), double(countSet(shown)));
        QVERIFY(std::abs(value("areaMm2") - countSet(shown) * 0.05 * 0.05) < 1e-6);
        QVERIFY(value("maxDiameterMm") > 0);
        QVERIFY(value("colourCount") >= 1);
        QVERIFY(value("borderSharpnessSector7") >= 0);
    }
    // A new session, as after a restart: the mask and the calibration are back, unmodified.
    auto s = startSession();
    openAndWait(*s, image);
    QCOMPARE(s->document()->mask(), shown);
    QVERIFY(!s->hasUnsavedEdits());
    QVERIFY(s->document()->isCalibrated());
    QCOMPARE(s->document()->calibrationMmPerPixel(), 0.05);
    QCOMPARE(s->document()->calibrationLine(), QLineF(10, 10, 110, 10));
    const MaskMeasurements m = s->measurements();
    QCOMPARE(m.areaPx, countSet(shown));
    QVERIFY(qAbs(m.maxDiameterMm - m.maxDiameterPx * 0.05) < 1e-6);
}

void TestViewerSession::worklistStepsAndMarks() {
    const QString folder = m_home.filePath(QStringLiteral("list"));
    QVERIFY(QDir().mkpath(folder));
    QStringList files;
    for (int i : {0, 1}) {
        const QString dst = folder + '/' + QFileInfo(m_images[i]).fileName();
        QVERIFY(QFile::copy(m_images[i], dst));
        files << dst;
    }
    auto s = startSession();
    openAndWait(*s, folder, files[0]);
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(s->worklist()->files(), files);
    QCOMPARE(s->worklistNeighbour(-1), QString()); // already the first
    QCOMPARE(s->worklistNeighbour(1), files[1]);
    // The next image is prefetched into the disk cache while this one is reviewed.
    QCOMPARE(s->inference()->pendingPrefetch(), files[1]);
    s->toggleDone();
    QCOMPARE(s->worklist()->mark(files[0]), Worklist::Mark::DoneByHand);
    openAndWait(*s, s->worklistNeighbour(1));
    boxAndWait(*s, 1);
    QVERIFY(s->save().isEmpty());
    QCOMPARE(s->worklist()->mark(files[1]), Worklist::Mark::Saved);
    QCOMPARE(s->worklistNeighbour(1), QString()); // already the last
    // A file from elsewhere ends the worklist.
    openAndWait(*s, m_images[2]);
    QVERIFY(s->worklist()->isEmpty());
    // The hand mark was remembered for the folder (QSettings), as after a restart.
    Worklist again;
    again.setFiles(folder, files);
    QCOMPARE(again.mark(files[0]), Worklist::Mark::DoneByHand);
}

void TestViewerSession::discardedEditsDropTheDoneMark() {
    const QString folder = m_home.filePath(QStringLiteral("discard"));
    QVERIFY(QDir().mkpath(folder));
    const QString file = folder + '/' + QFileInfo(m_images[0]).fileName();
    QVERIFY(QFile::copy(m_images[0], file));
    auto s = startSession();
    openAndWait(*s, folder, file);
    QVERIFY(!QTest::currentTestFailed());
    boxAndWait(*s, 0);
    s->toggleDone();
    QVERIFY(s->worklist()->isDone(file));
    s->discardEdits();
    QVERIFY(!s->worklist()->hasMark(file));
    QVERIFY(!s->worklist()->isDone(file));
    QVERIFY(!s->recovery()->find(file));
}

void TestViewerSession::keptEditsAreOffered() {
    const QString image = m_home.filePath(QStringLiteral("kept.jpg"));
    QVERIFY(QFile::copy(m_images[1], image));
    QImage edited;
    {
        auto s = startSession();
        openAndWait(*s, image);
        boxAndWait(*s, 1);
        edited = s->document()->mask();
        // The autosave runs a second after the last edit; then DermSAM "crashes" (the session
        // is destroyed without saving or discarding).
        QTRY_VERIFY_WITH_TIMEOUT(s->recovery()->find(QFileInfo(image).absoluteFilePath()), 10000);
        s->recovery()->flush();
    }
    auto s = startSession();
    QSignalSpy offered(s.get(), &ViewerSession::recoveryAvailable);
    openAndWait(*s, image);
    QCOMPARE(offered.count(), 1);
    QCOMPARE(offered.at(0).at(0).toString(), QFileInfo(image).absoluteFilePath());
    QVERIFY(!s->hasUnsavedEdits());
    s->answerRecovery(true);
    QCOMPARE(s->document()->mask(), edited);
    QVERIFY(s->hasUnsavedEdits()); // restored, not saved: one undo step away from the original
    s->undoGroup()->undo();
    QCOMPARE(countSet(s->document()->mask()), qint64{0});
}

void TestViewerSession::brokenFilesAreRefusedWithOneLine_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("suffix");
    QFile jpeg(m_isic.isEmpty() ? QString() : m_isic + QStringLiteral("/images/ISIC_0000009.jpg"));
    QByteArray full;
    if (jpeg.open(QIODevice::ReadOnly))
        full = jpeg.readAll();
    QTest::newRow("truncated JPEG") << full.left(full.size() / 2) << QStringLiteral(".jpg");
    QTest::newRow("empty PNG") << QByteArray() << QStringLiteral(".png");
    QTest::newRow("text as DICOM") << QByteArray("not a dicom file\n") << QStringLiteral(".dcm");
}

void TestViewerSession::brokenFilesAreRefusedWithOneLine() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, suffix);
    const QString path = m_home.filePath(QStringLiteral("broken") + suffix);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }
    ViewerSession s;
    QSignalSpy failed(&s, &ViewerSession::imageOpenFailed);
    QSignalSpy opened(&s, &ViewerSession::imageOpened);
    s.openPath(path);
    QVERIFY(failed.wait(30000));
    const QString message = failed.at(0).at(1).toString();
    QVERIFY(!message.isEmpty());
    QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
    QCOMPARE(opened.count(), 0);
    QVERIFY(!s.document());
    QVERIFY(!s.settings().recentFiles.contains(path));
    QVERIFY(!s.isLoading());
}

void TestViewerSession::sampleImageIsCopiedWhole() {
    // The sample goes to the data folder through io's atomic writer: the whole JPEG or nothing,
    // no temporaries; a file where the folder should be is one status line, not an image.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                        QStringLiteral("/samples");
    QDir(dir).removeRecursively();
    const QString blocker = QFileInfo(dir).absoluteFilePath();
    QVERIFY(QDir().mkpath(QFileInfo(blocker).path()));
    {
        QFile f(blocker);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    {
        ViewerSession s;
        QSignalSpy status(&s, &ViewerSession::statusMessage);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                               "^sample image: .*samples: file-write-failed: .*")));
        QVERIFY(!s.openSample());
        QVERIFY(!status.isEmpty());
        const QString message = status.last().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("could not be copied")), qPrintable(message));
        QVERIFY(!message.contains(QLatin1Char('\n')));
    }
    QVERIFY(QFile::remove(blocker));

    ViewerSession s;
    QSignalSpy opened(&s, &ViewerSession::imageOpened);
    QVERIFY(s.openSample());
    QVERIFY(opened.wait(30000));
    QFile resource(QStringLiteral(":/samples/ISIC_0000009.jpg"));
    QVERIFY(resource.open(QIODevice::ReadOnly));
    QFile copy(dir + QStringLiteral("/ISIC_0000009.jpg"));
    QVERIFY(copy.open(QIODevice::ReadOnly));
    QCOMPARE(copy.readAll(), resource.readAll());
    QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("ISIC_0000009.jpg")});
}

void TestViewerSession::sessionModelIsNotSaved() {
    // A session-only checkpoint (the wizard's "use this model now", --model) is what loads,
    // and never what Settings saved.
    QSettings().remove(QStringLiteral("model/checkpoint"));
    ViewerSession s;
    QSignalSpy changed(&s, &ViewerSession::modelStateChanged);
    const QString missing = m_home.filePath(QStringLiteral("no-such-model.pth"));
    s.loadModelFromSettings(missing);
    QTRY_VERIFY_WITH_TIMEOUT(s.modelState() != ViewerSession::ModelState::Loading, 30000);
    QCOMPARE(int(s.modelState()), int(ViewerSession::ModelState::Failed));
    QVERIFY(s.modelError().contains(QStringLiteral("no-such-model.pth")));
    QCOMPARE(s.sessionCheckpoint(), missing);
    QVERIFY(s.settings().checkpoint.isEmpty());
    ViewerSession next;
    QVERIFY(next.settings().checkpoint.isEmpty());
    QVERIFY(next.sessionCheckpoint().isEmpty());
}

void TestViewerSession::followUpFindsTheKnownGrowth() {
    auto s = startSession();
    openAndWait(*s, m_images[0]);
    boxAndWait(*s, 0);
    const QString dir = m_home.filePath(QStringLiteral("earlier"));
    QVERIFY(QDir().mkpath(dir));
    // The lesion grew by 30 % of its area since the earlier photo.
    QVERIFY(
        dermsam::test::writeEarlierVisit(s->document()->image(), s->document()->mask(), 1.3, dir));
    QSignalSpy ready(s.get(), &ViewerSession::followUpReady);
    s->compareWithEarlier(dir + QStringLiteral("/earlier.png"));
    QVERIFY(ready.wait(60000));
    const FollowUp& f = s->followUp();
    QVERIFY2(f.ok, qPrintable(f.error));
    QVERIFY(f.registration.ok());
    QVERIFY2(std::abs(f.registration.scale - 1 / 0.9) < 0.02,
             qPrintable(QString::number(f.registration.scale)));
    QVERIFY2(std::abs(f.change.areaChangePercent - 30.0) < 5.0,
             qPrintable(QString::number(f.change.areaChangePercent)));
    QVERIFY(f.change.areaBeyondThreshold); // the 20 % default
    QVERIFY(std::abs(f.change.dice - 2.0 / 2.3) < 0.05);
    QVERIFY(f.change.gainedPx > 0);
    QCOMPARE(f.earlierMaskInCurrent.size(), s->document()->size());
    QVERIFY(FollowUpText::verdict(f).contains(QStringLiteral("beyond")));
    // The report carries it.
    const LesionReportInput report = s->reportInput();
    QVERIFY(!report.followUp.isEmpty());

    // Unrelated photo with no saved mask: one clear line, no comparison.
    s->compareWithEarlier(m_images[1]);
    QVERIFY(ready.wait(60000));
    QVERIFY(!s->followUp().ok);
    QVERIFY(s->followUp().error.contains(QStringLiteral("no saved mask")));
    QVERIFY(!s->followUp().error.contains(QLatin1Char('\n')));

    // By hand: three matching points (the known transform's images of three lesion points).
    s->compareWithEarlier(dir + QStringLiteral("/earlier.png"));
    QVERIFY(ready.wait(60000));
    const cv::Matx23d t = s->followUp().registration.transform; // earlier -> current
    const cv::Matx23d inv = [&] {
        cv::Mat m(t), out;
        cv::invertAffineTransform(m, out);
        return cv::Matx23d(out);
    }();
    std::vector<QPointF> current = {{100, 120}, {300, 150}, {220, 380}};
    std::vector<QPointF> earlier;
    for (const QPointF& p : current)
        earlier.emplace_back(inv(0, 0) * p.x() + inv(0, 1) * p.y() + inv(0, 2),
                             inv(1, 0) * p.x() + inv(1, 1) * p.y() + inv(1, 2));
    s->compareWithPoints(earlier, current);
    QVERIFY(ready.wait(60000));
    QVERIFY(s->followUp().ok);
    QCOMPARE(int(s->followUp().registration.method), int(RegistrationMethod::ManualThreePoints));
    QVERIFY(std::abs(s->followUp().change.areaChangePercent - 30.0) < 5.0);
}

void TestViewerSession::autoOutlinesTheLesionAsOneUndoStep() {
    auto s = startSession();
    openAndWait(*s, m_images[1]);
    QSignalSpy applied(s.get(), &ViewerSession::maskApplied);
    s->requestAuto();
    QVERIFY(applied.wait(60000));
    // No prompt from the user, yet the expert's lesion: the same bound as the box story.
    const QImage autoMask = s->document()->mask();
    const double d = dice(autoMask, truthMask(1));
    QVERIFY2(d > 0.85, qPrintable(QString::number(d)));
    // An ordinary candidate, recorded with the box Auto ended with (saved in the sidecar).
    QVERIFY(s->lastResponse().automatic);
    QCOMPARE(s->lastResponse().candidates.size(), std::size_t{1});
    const ModelResultInfo info = s->document()->currentModelResult();
    QVERIFY(info.valid);
    QCOMPARE(info.prompts.boxes.size(), std::size_t{1});
    QVERIFY(info.prompts.boxes[0].width() < 500); // a tight box, not the whole 512 frame
    QVERIFY(s->hasUnsavedEdits());
    // One undo step back to no mask, one redo to it.
    s->undoGroup()->undo();
    QCOMPARE(countSet(s->document()->mask()), qint64{0});
    s->undoGroup()->redo();
    QCOMPARE(s->document()->mask(), autoMask);
    // Redone with a box: a new result on top; undo returns to Auto's mask.
    boxAndWait(*s, 1);
    QVERIFY(!s->lastResponse().automatic);
    s->undoGroup()->undo();
    QCOMPARE(s->document()->mask(), autoMask);
}

void TestViewerSession::autoOutlineOnOpenIsASetting() {
    auto s = startSession();
    QVERIFY(!s->settings().autoOutlineOnOpen); // off unless the user turns it on
    AppSettings on = s->settings();
    on.autoOutlineOnOpen = true;
    s->applySettings(on);
    {
        QSettings qs;
        AppSettings stored;
        stored.load(qs);
        QVERIFY(stored.autoOutlineOnOpen);
    }
    // A copy with no saved mask beside it (other stories save masks next to the originals).
    const QString folder = m_home.filePath(QStringLiteral("auto-open"));
    QVERIFY(QDir().mkpath(folder));
    const QString image = folder + '/' + QFileInfo(m_images[1]).fileName();
    QVERIFY(QFile::exists(image) || QFile::copy(m_images[1], image));
    QSignalSpy applied(s.get(), &ViewerSession::maskApplied);
    openAndWait(*s, image);
    QVERIFY(applied.count() > 0 || applied.wait(60000));
    QVERIFY(s->lastResponse().automatic);
    const double d = dice(s->document()->mask(), truthMask(1));
    QVERIFY2(d > 0.85, qPrintable(QString::number(d)));
    AppSettings off = s->settings();
    off.autoOutlineOnOpen = false;
    s->applySettings(off);
}

void TestViewerSession::ttaSettingDecodesTheMirrorToo() {
    // Whatever happens below, later stories start with TTA off again.
    struct Reset {
        ~Reset() {
            QSettings qs;
            qs.setValue(QStringLiteral("model/tta"), QStringLiteral("off"));
        }
    } reset;
    auto s = startSession();
    QCOMPARE(s->settings().tta, QStringLiteral("off")); // off unless the user turns it on
    AppSettings on = s->settings();
    on.tta = QStringLiteral("hflip");
    s->applySettings(on);
    openAndWait(*s, m_images[0]);
    boxAndWait(*s, 0);
    // Two embeddings for this image, its own and its mirror's (encoded, or from the disk cache
    // of an earlier story): the decode averaged both.
    const InferenceFlags& f = s->inference()->flags();
    QCOMPARE(f.encodeCount.load() + f.diskCacheHits.load(), 2);
    const double d = dice(s->document()->mask(), truthMask(0));
    QVERIFY2(d > 0.85, qPrintable(QString::number(d)));
}

QTEST_MAIN(TestViewerSession)
#include "tst_viewer_session.moc"
