// Protects the viewer's user journeys end to end: the real window, the built-in model, the disk
// embedding cache, real ISIC images, driven by mouse drags and key presses through the event loop.
// labels: gui slow e2e
#include "follow_up_fixture.h"
#include "mask_compare.h"
#include "test_dicom.h"
#include "test_support.h"
#include "ui/earlier_visit_chooser.h"
#include "ui/follow_up_dialog.h"
#include "ui/follow_up_view.h"
#include "ui/heatmap_panel.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/mask_saver.h"
#include "ui/session/recovery_store.h"
#include "ui/session/viewer_session.h"
#include "ui/settings_dialog.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/worklist_view.h"

#include "core/dicom_seg.h"
#include "core/mask_io.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <memory>

using namespace dermsam;
using dermsam::test::countSet;
using dermsam::test::dice;
using dermsam::test::lesionBox;
using dermsam::test::readGrey;

namespace {

// Pixels whose colour moved by more than `threshold` in any channel.
qint64 changedPixels(const QImage& before, const QImage& after, int threshold = 40) {
    const QImage a = before.convertToFormat(QImage::Format_RGB32);
    const QImage b = after.convertToFormat(QImage::Format_RGB32);
    qint64 n = 0;
    for (int y = 0; y < std::min(a.height(), b.height()); ++y)
        for (int x = 0; x < std::min(a.width(), b.width()); ++x) {
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            if (std::abs(qRed(p) - qRed(q)) > threshold ||
                std::abs(qGreen(p) - qGreen(q)) > threshold ||
                std::abs(qBlue(p) - qBlue(q)) > threshold)
                ++n;
        }
    return n;
}

// Connected parts of the lesion (8-connected) and holes in them (4-connected background not
// reaching the border), each of 4 pixels or more: single stray pixels along the outline are not
// what a user sees as a hole.
std::pair<int, int> partsAndHoles(const QImage& mask) {
    cv::Mat m(mask.height(), mask.width(), CV_8UC1);
    for (int y = 0; y < mask.height(); ++y)
        for (int x = 0; x < mask.width(); ++x)
            m.at<uchar>(y, x) = qGray(mask.pixel(x, y)) > 127 ? 255 : 0;
    const auto count = [](const cv::Mat& binary, int connectivity, bool skipBorder) {
        cv::Mat labels, stats, centroids;
        const int n =
            cv::connectedComponentsWithStats(binary, labels, stats, centroids, connectivity);
        int found = 0;
        for (int i = 1; i < n; ++i) {
            const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
            const bool border = x == 0 || y == 0 ||
                                x + stats.at<int>(i, cv::CC_STAT_WIDTH) == binary.cols ||
                                y + stats.at<int>(i, cv::CC_STAT_HEIGHT) == binary.rows;
            if (stats.at<int>(i, cv::CC_STAT_AREA) >= 4 && !(skipBorder && border))
                ++found;
        }
        return found;
    };
    return {count(m, 8, false), count(255 - m, 4, true)};
}

// The largest difference between two grey images of one size (255 when the sizes differ).
int maxGreyDifference(const QImage& a, const QImage& b) {
    if (a.size() != b.size() || a.format() != QImage::Format_Grayscale8 ||
        b.format() != QImage::Format_Grayscale8)
        return 255;
    int worst = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            worst = std::max(worst, std::abs(int(a.constScanLine(y)[x]) - b.constScanLine(y)[x]));
    return worst;
}

QString labelText(MainWindow& w, const char* name) {
    auto* label = w.findChild<QLabel*>(QLatin1String(name));
    return label ? label->text() : QString();
}

} // namespace

class TestViewerJourneys : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;
    QString m_work; // a copy of a few ISIC test images: masks are saved beside them
    QStringList m_images;
    QString m_isic;
    QTimer m_dialogs;
    // How the next modal dialog is answered: a message box's button, an input dialog's value.
    QMessageBox::StandardButton m_answer = QMessageBox::Cancel;
    double m_inputValue = 0;
    QString m_language; // what a Settings dialog is set to
    QString m_savePath; // what a file dialog is answered with
    int m_fileDialogTries = 0;
    int m_dialogsSeen = 0;
    QString m_lastDialogText;
    // The Compare with Earlier Visit chooser: the row picked with the keyboard (its file name;
    // empty = Choose File...), and what it showed.
    QString m_chooserPick;
    QStringList m_chooserRows;
    bool m_chooserListHadFocus = false;
    bool m_chooserCompareEnabled = false;

    std::unique_ptr<MainWindow> startWindow();
    void openAndWait(MainWindow& w, const QString& path);
    void drag(ImageCanvas* canvas, QPointF fromImage, QPointF toImage,
              Qt::MouseButton button = Qt::LeftButton);
    void press(MainWindow& w, int key, Qt::KeyboardModifiers mods = Qt::NoModifier);
    void boxLesion(MainWindow& w, int imageIndex);
    QImage truthMask(int imageIndex) const;

private Q_SLOTS:
    void initTestCase();
    void boxGivesMaskAndEveryHeatmapMethodDraws_data();
    void boxGivesMaskAndEveryHeatmapMethodDraws();
    void panelControlsLeaveKeysToTheCanvas();
    void pointsGiveThreeCandidates();
    void brushEraserUndoRedo();
    void refineKeepsAGoodOutline();
    void undoTakesHeatmapAndCandidateAlong();
    void savedMaskComesBackOnReopenAndRestart();
    void savedMaskGetsItsHeatmapBack();
    void worklistClickNextPreviousAndDone();
    void truncatedJpegIsRefused();
    void calibrationIsDrawnSavedAndRestored();
    void dicomOpensAndItsSegValidates();
    void newUserGetsHelp();
    void unsavedEditsSurviveACrash();
    void imageSizeLimitFromSettings();
    void wizardModelIsForThisSessionOnly();
    void languageSwitchesLive();
    void measurementsPanelAndDiameter();
    void reportIsExported();
    void followUpComparesTwoVisits();
    void followUpWithAWorklistItem();
};

void TestViewerJourneys::initTestCase() {
    m_isic = dermsam::test::isicDir();
    if (m_isic.isEmpty())
        QSKIP("../shared/data/isic2018-512 is absent: the viewer journeys need real images");
    QVERIFY(m_home.isValid());
    qputenv("HOME", m_home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral("cache")).toUtf8());
    qputenv("USER", "test-operator");
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    m_work = m_home.filePath(QStringLiteral("work"));
    QVERIFY(QDir().mkpath(m_work));
    // Three images of the test split, copied so that masks can be saved beside them.
    for (const char* id : {"ISIC_0000009", "ISIC_0000017", "ISIC_0000023"}) {
        const QString name = QString::fromLatin1(id) + QStringLiteral(".jpg");
        QVERIFY(QFile::copy(m_isic + QStringLiteral("/images/") + name, m_work + '/' + name));
        m_images << m_work + '/' + name;
    }
    connect(&m_dialogs, &QTimer::timeout, this, [this] {
        QWidget* modal = QApplication::activeModalWidget();
        if (!modal) {
            m_fileDialogTries = 0;
            return;
        }
        ++m_dialogsSeen;
        if (auto* input = qobject_cast<QInputDialog*>(modal)) {
            input->setDoubleValue(m_inputValue);
            input->accept();
        } else if (auto* files = qobject_cast<QFileDialog*>(modal)) {
            // Its folder first, then the name typed, then the Open/Save button. A dialog that
            // will not take the answer is cancelled after a few tries: the test then fails at
            // once instead of hanging.
            if (++m_fileDialogTries > 20) {
                m_fileDialogTries = 0;
                files->reject();
                return;
            }
            // The path typed into the file name box, as a user would.
            if (auto* name = files->findChild<QLineEdit*>(QStringLiteral("fileNameEdit")))
                name->setText(m_savePath);
            else
                files->selectFile(m_savePath);
            QMetaObject::invokeMethod(files, "accept");
        } else if (auto* settings = qobject_cast<SettingsDialog*>(modal)) {
            // Chooses m_language in the language box, as a user would, and presses OK.
            auto* combo = settings->findChild<QComboBox*>(QStringLiteral("language"));
            if (combo)
                combo->setCurrentIndex(combo->findData(m_language));
            settings->accept();
        } else if (auto* chooser = qobject_cast<EarlierVisitChooser*>(modal)) {
            auto* list = chooser->findChild<QListWidget*>(QStringLiteral("earlierVisitList"));
            auto* compare = chooser->findChild<QPushButton*>(QStringLiteral("compareWithItem"));
            m_chooserRows.clear();
            for (int i = 0; list && i < list->count(); ++i)
                m_chooserRows << list->item(i)->text();
            m_chooserListHadFocus = list && chooser->focusWidget() == list;
            if (!list || !compare || m_chooserPick.isEmpty()) {
                if (auto* file =
                        chooser->findChild<QPushButton*>(QStringLiteral("chooseEarlierFile")))
                    file->click();
                else
                    chooser->reject();
                return;
            }
            // As a user would with the keyboard: Home, Down to the row, Enter.
            QTest::keyClick(list, Qt::Key_Home);
            for (int i = 0;
                 i < list->count() && !list->currentItem()->text().startsWith(m_chooserPick); ++i)
                QTest::keyClick(list, Qt::Key_Down);
            m_chooserCompareEnabled = compare->isEnabled();
            QTest::keyClick(list, Qt::Key_Return);
            if (chooser->isVisible()) // Enter did not compare: do not hang
                chooser->reject();
        } else if (auto* box = qobject_cast<QMessageBox*>(modal)) {
            m_lastDialogText = box->text();
            if (QAbstractButton* b = box->button(m_answer))
                b->click();
            else
                box->close();
        } else {
            modal->close();
        }
    });
    m_dialogs.start(50);
}

std::unique_ptr<MainWindow> TestViewerJourneys::startWindow() {
    auto w = std::make_unique<MainWindow>();
    w->show();
    w->activateWindow();
    [&] { QVERIFY(QTest::qWaitForWindowActive(w.get())); }();
    QSignalSpy loaded(w->inference(), &InferenceController::modelLoaded);
    w->loadModelFromSettings(); // the built-in default model, as `bash scripts/run.sh` starts it
    [&] { QVERIFY(loaded.wait(60000)); }();
    return w;
}

void TestViewerJourneys::openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy opened(&w, &MainWindow::imageOpened);
    w.openPath(path);
    QVERIFY(opened.wait(30000));
    QCOMPARE(w.document()->path(), QFileInfo(path).absoluteFilePath());
}

void TestViewerJourneys::drag(ImageCanvas* canvas, QPointF fromImage, QPointF toImage,
                              Qt::MouseButton button) {
    const QPoint a = canvas->imageToWidget(fromImage).toPoint();
    const QPoint b = canvas->imageToWidget(toImage).toPoint();
    QTest::mousePress(canvas, button, Qt::NoModifier, a);
    for (int i = 1; i <= 8; ++i)
        QTest::mouseMove(canvas, a + (b - a) * i / 8);
    QTest::mouseRelease(canvas, button, Qt::NoModifier, b);
}

// Keys go where a user's keys go: to the widget with the keyboard focus.
void TestViewerJourneys::press(MainWindow& w, int key, Qt::KeyboardModifiers mods) {
    // The offscreen platform has no window manager to give the window back its activation
    // after a dialog closed; a desktop does.
    if (QApplication::activeWindow() != &w) {
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
    }
    QWidget* target = QApplication::focusWidget();
    QTest::keyClick(target ? target : static_cast<QWidget*>(&w), Qt::Key(key), mods);
}

QImage TestViewerJourneys::truthMask(int imageIndex) const {
    const QString id = QFileInfo(m_images[imageIndex]).completeBaseName();
    return readGrey(m_isic + QStringLiteral("/masks/") + id + QStringLiteral("_segmentation.png"));
}

void TestViewerJourneys::boxLesion(MainWindow& w, int imageIndex) {
    const QRectF box = lesionBox(truthMask(imageIndex));
    QSignalSpy applied(&w, &MainWindow::maskApplied);
    drag(w.canvas(), box.topLeft(), box.bottomRight());
    QVERIFY(applied.wait(60000));
}

void TestViewerJourneys::boxGivesMaskAndEveryHeatmapMethodDraws_data() {
    QTest::addColumn<int>("methodIndex");
    QTest::newRow("Grad-CAM") << 0;
    QTest::newRow("HiResCAM") << 1;
    QTest::newRow("Grad-CAM++") << 2;
}

// Box a lesion, press H: the heatmap is drawn over the photo (it never was: the worker's model
// held inference tensors that Grad-CAM's backward pass refused).
void TestViewerJourneys::boxGivesMaskAndEveryHeatmapMethodDraws() {
    QFETCH(int, methodIndex);
    auto w = startWindow();
    openAndWait(*w, m_images[0]);
    boxLesion(*w, 0);
    const QImage mask = w->document()->mask();
    const double d = dice(mask, truthMask(0));
    QVERIFY2(d > 0.8, qPrintable(QString::number(d)));
    if (methodIndex == 0) {
        // The same image and box through `dermsam-cli segment` give the same mask.
        const BoxPrompt b = w->document()->prompts().boxes.at(0);
        const QString out = m_home.filePath(QStringLiteral("cli-mask.png"));
        QProcess cli;
        cli.start(QStringLiteral(DERMSAM_CLI_PATH),
                  {QStringLiteral("segment"), QStringLiteral("--model"), QStringLiteral("default"),
                   QStringLiteral("--image"), m_images[0], QStringLiteral("--box"),
                   QStringLiteral("%1,%2,%3,%4").arg(b.x0).arg(b.y0).arg(b.x1).arg(b.y1),
                   QStringLiteral("--out"), out});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QCOMPARE(readGrey(out), mask);
    }

    auto* panel = w->findChild<HeatmapPanel*>();
    auto* method = panel->findChildren<QComboBox*>().at(0);
    for (int i = 0; i < methodIndex; ++i)
        QTest::keyClick(method, Qt::Key_Down); // a user's arrow keys on the method box
    QCOMPARE(method->currentIndex(), methodIndex);

    w->canvas()->setFocus();
    const QImage before = w->canvas()->grab().toImage();
    QSignalSpy heat(w->inference(), &InferenceController::heatmapReady);
    QElapsedTimer clock;
    clock.start();
    press(*w, Qt::Key_H);
    QVERIFY(heat.wait(30000));
    const qint64 ms = clock.elapsed();
    const auto r = heat.last().at(0).value<HeatmapResponse>();
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY(!r.heat.isNull());
    QTRY_VERIFY(!w->canvas()->heatmap().isNull());
    // The heatmap colours a large part of the photo on screen.
    const QImage after = w->canvas()->grab().toImage();
    const qint64 changed = changedPixels(before, after);
    const QRectF shown(w->canvas()->imageToWidget({0, 0}), w->canvas()->imageToWidget({512, 512}));
    QVERIFY2(changed > shown.width() * shown.height() * 0.2,
             qPrintable(QStringLiteral("%1 pixels changed").arg(changed)));
    qInfo("heatmap on screen %lld ms after H (method %s)", ms, qPrintable(r.method));
}

// After a side panel's control was used, Esc and the one-letter tool keys still reach the canvas.
void TestViewerJourneys::panelControlsLeaveKeysToTheCanvas() {
    auto w = startWindow();
    openAndWait(*w, m_images[0]);
    boxLesion(*w, 0);
    QVERIFY(!w->document()->prompts().boxes.empty());

    // The heatmap method chosen with the mouse from its popup list.
    auto* method = w->findChild<HeatmapPanel*>()->findChildren<QComboBox*>().at(0);
    QTest::mouseClick(method, Qt::LeftButton);
    QTRY_VERIFY(QApplication::activePopupWidget() != nullptr);
    auto* view = QApplication::activePopupWidget()->findChild<QAbstractItemView*>();
    QVERIFY(view);
    QTest::keyClick(view, Qt::Key_Down);
    QTest::keyClick(view, Qt::Key_Return);
    QTRY_VERIFY(QApplication::activePopupWidget() == nullptr);
    QCOMPARE(method->currentIndex(), 1);

    press(*w, Qt::Key_Escape);
    QVERIFY(w->document()->prompts().empty());
    press(*w, Qt::Key_P);
    QCOMPARE(w->canvas()->tool(), CanvasTool::Point);

    // The brush size typed into its box, then B for the box tool.
    auto* brush = w->findChild<QSpinBox*>(QStringLiteral("brushSize"));
    QTest::mouseClick(brush, Qt::LeftButton);
    brush->setFocus(Qt::MouseFocusReason); // a click into the text field
    QTest::keyClick(brush, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(brush, QStringLiteral("12"));
    QTest::keyClick(brush, Qt::Key_Return);
    QCOMPARE(brush->value(), 12);
    press(*w, Qt::Key_B);
    QCOMPARE(w->canvas()->tool(), CanvasTool::Box);
    QCOMPARE(w->canvas()->brushRadius(), 12.0);
}

// One click on the lesion: the three candidates of SAM's multimask output, best first.
void TestViewerJourneys::pointsGiveThreeCandidates() {
    auto w = startWindow();
    openAndWait(*w, m_images[1]);
    press(*w, Qt::Key_P);
    const QRectF box = lesionBox(truthMask(1));
    QSignalSpy applied(w.get(), &MainWindow::maskApplied);
    QTest::mouseClick(w->canvas(), Qt::LeftButton, Qt::NoModifier,
                      w->canvas()->imageToWidget(box.center()).toPoint());
    QVERIFY(applied.wait(60000));
    auto* list = w->findChild<QListWidget*>(QStringLiteral("candidateList"));
    QCOMPARE(list->count(), 3);
    QVERIFY(list->item(0)->text().contains(QStringLiteral("predicted IoU")));
    // Picking another candidate puts it on the canvas.
    const QImage first = w->document()->mask();
    QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier,
                      list->visualItemRect(list->item(2)).center());
    QTRY_VERIFY(w->document()->mask() != first);
}

void TestViewerJourneys::brushEraserUndoRedo() {
    auto w = startWindow();
    openAndWait(*w, m_images[2]);
    boxLesion(*w, 2);
    const qint64 model = countSet(w->document()->mask());
    press(*w, Qt::Key_U);
    drag(w->canvas(), QPointF(10, 10), QPointF(60, 10)); // a stroke in the corner, off the lesion
    const qint64 painted = countSet(w->document()->mask());
    QVERIFY2(painted > model, qPrintable(QStringLiteral("%1 -> %2").arg(model).arg(painted)));
    press(*w, Qt::Key_E);
    drag(w->canvas(), QPointF(10, 10), QPointF(60, 10));
    QVERIFY(countSet(w->document()->mask()) < painted);
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(countSet(w->document()->mask()), painted);
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(countSet(w->document()->mask()), model);
    press(*w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(countSet(w->document()->mask()), painted);
    QVERIFY(w->document()->isModified());
    m_answer = QMessageBox::Discard; // closing asks about the unsaved edit
    w->close();
    m_answer = QMessageBox::Cancel;
}

// R (Refine) on an outline that is already right, the expert's saved beside the image and on a
// box answer (also after a stray box was undone), gives it back nearly unchanged, in one piece. The
// built-in model had never learnt mask prompts: it answered them with a lattice of holes, and moved
// an expert outline by 3 %.
void TestViewerJourneys::refineKeepsAGoodOutline() {
    const QString image = m_images[0];
    const QString saved = maskPathForImage(image);
    QFile::remove(saved);
    QFile::remove(QString::fromStdString(sidecarPathFor(saved.toStdString())));
    const QImage truth = truthMask(0);
    QVERIFY(truth.save(saved));
    auto w = startWindow();
    openAndWait(*w, image);
    QCOMPARE(dice(w->document()->mask(), truth), 1.0);
    QSignalSpy applied(w.get(), &MainWindow::maskApplied);
    w->canvas()->setFocus();
    press(*w, Qt::Key_R);
    QVERIFY(applied.wait(60000));
    QVERIFY(w->document()->currentModelResult().refined);
    const QImage refined = w->document()->mask();
    const double fromExpert = dice(refined, truth);
    QVERIFY2(fromExpert >= 0.98, qPrintable(QString::number(fromExpert)));
    QCOMPARE(partsAndHoles(refined), std::make_pair(1, 0));
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(dice(w->document()->mask(), truth), 1.0);

    // A box answer, refined with no edit, stays as it was.
    boxLesion(*w, 0);
    const QImage answer = w->document()->mask();
    press(*w, Qt::Key_R);
    QVERIFY(applied.wait(60000));
    const double fromAnswer = dice(w->document()->mask(), answer);
    QVERIFY2(fromAnswer >= 0.98, qPrintable(QString::number(fromAnswer)));
    QCOMPARE(partsAndHoles(w->document()->mask()), std::make_pair(1, 0));

    // A stray box on the skin, undone: R refines the mask on screen with its own box, not with
    // the stray one the document still holds (which gave a mask spilling over the photo).
    press(*w, Qt::Key_Z, Qt::ControlModifier); // the refine
    QCOMPARE(w->document()->mask(), answer);
    drag(w->canvas(), QPointF(5, 440), QPointF(60, 500));
    QVERIFY(applied.wait(60000));
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(w->document()->mask(), answer);
    press(*w, Qt::Key_R);
    QVERIFY(applied.wait(60000));
    const double afterUndo = dice(w->document()->mask(), answer);
    QVERIFY2(afterUndo >= 0.98, qPrintable(QString::number(afterUndo)));
    m_answer = QMessageBox::Discard;
    w->close();
    m_answer = QMessageBox::Cancel;
    QFile::remove(saved);
}

// Ctrl+Z and Ctrl+Shift+Z over two model results: the heatmap and the highlighted candidate are
// always those of the mask on screen. They were the last result's whatever was undone: a
// heatmap over no mask, and a highlighted row that a click could not put back.
void TestViewerJourneys::undoTakesHeatmapAndCandidateAlong() {
    auto w = startWindow();
    openAndWait(*w, m_images[1]);
    auto* list = w->findChild<QListWidget*>(QStringLiteral("candidateList"));
    const auto heatOnScreen = [&] { return w->canvas()->heatmap(); };
    press(*w, Qt::Key_H);
    press(*w, Qt::Key_P);
    QSignalSpy applied(w.get(), &MainWindow::maskApplied);
    QTest::mouseClick(w->canvas(), Qt::LeftButton, Qt::NoModifier,
                      w->canvas()->imageToWidget(lesionBox(truthMask(1)).center()).toPoint());
    QVERIFY(applied.wait(60000));
    const QImage pointMask = w->document()->mask();
    QTRY_VERIFY_WITH_TIMEOUT(!heatOnScreen().isNull(), 30000);
    const QImage pointHeat = heatOnScreen();
    QCOMPARE(list->count(), 3);
    QCOMPARE(list->currentRow(), 0);

    press(*w, Qt::Key_B);
    boxLesion(*w, 1);
    const QImage boxMask = w->document()->mask();
    QVERIFY(boxMask != pointMask);
    QTRY_VERIFY_WITH_TIMEOUT(!heatOnScreen().isNull() && heatOnScreen() != pointHeat, 30000);
    const QImage boxHeat = heatOnScreen();
    QVERIFY2(maxGreyDifference(boxHeat, pointHeat) > 20, "two prompts, one heatmap?");
    QCOMPARE(list->count(), 1);
    QCOMPARE(list->currentRow(), 0);

    // Back to the click's mask: its heatmap is made again; the box's candidate is not on screen.
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(w->document()->mask(), pointMask);
    QCOMPARE(list->currentRow(), -1);
    QTRY_VERIFY_WITH_TIMEOUT(!heatOnScreen().isNull(), 30000);
    QVERIFY2(maxGreyDifference(heatOnScreen(), pointHeat) <= 2,
             qPrintable(QString::number(maxGreyDifference(heatOnScreen(), pointHeat))));

    // Back to no mask: nothing to explain, nothing highlighted.
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(countSet(w->document()->mask()), 0);
    QVERIFY(heatOnScreen().isNull());
    QCOMPARE(labelText(*w, "heatmapInfo"), QString());
    QCOMPARE(list->currentRow(), -1);

    // Redo both: the box's heatmap and its highlighted candidate come back with its mask.
    press(*w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(w->document()->mask(), pointMask);
    press(*w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(w->document()->mask(), boxMask);
    QCOMPARE(list->currentRow(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!heatOnScreen().isNull(), 30000);
    QVERIFY(maxGreyDifference(heatOnScreen(), boxHeat) <= 2);

    // Undone to the click's mask, a click on the box's candidate puts it back as a new step.
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(w->document()->mask(), pointMask);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier,
                      list->visualItemRect(list->item(0)).center());
    QCOMPARE(w->document()->mask(), boxMask);
    QCOMPARE(list->currentRow(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        !heatOnScreen().isNull() && maxGreyDifference(heatOnScreen(), boxHeat) <= 2, 30000);
    press(*w, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(w->document()->mask(), pointMask);
    m_answer = QMessageBox::Discard;
    w->close();
    m_answer = QMessageBox::Cancel;
}

// Save with Ctrl+S, go to the next image and back, start again: the saved mask is on screen.
void TestViewerJourneys::savedMaskComesBackOnReopenAndRestart() {
    const QString image = m_images[0];
    QFile::remove(maskPathForImage(image));
    QFile::remove(QString::fromStdString(sidecarPathFor(maskPathForImage(image).toStdString())));
    QImage saved;
    {
        auto w = startWindow();
        w->openPath(m_work); // the folder as a worklist, first image opened
        QTRY_VERIFY_WITH_TIMEOUT(w->document() && w->document()->path() == image, 30000);
        QTRY_COMPARE(labelText(*w, "measurement"), QStringLiteral("No lesion mask"));
        boxLesion(*w, 0);
        saved = w->document()->mask();
        press(*w, Qt::Key_S, Qt::ControlModifier);
        QTRY_VERIFY(QFile::exists(maskPathForImage(image)));
        QVERIFY(!w->document()->isModified());
        QCOMPARE(readGrey(maskPathForImage(image)), saved);

        // The sidecar says who, with what, and how big.
        QFile json(QString::fromStdString(sidecarPathFor(maskPathForImage(image).toStdString())));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(root.value("operator").toString(), QStringLiteral("test-operator"));
        QCOMPARE(root.value("pixelSize").toObject().value("source").toString(),
                 QStringLiteral("none"));
        QCOMPARE(root.value("measurements").toObject().value("areaPx").toDouble(),
                 double(countSet(saved)));
        QVERIFY(root.value("measurements").toObject().value("maxDiameterPx").toDouble() > 10);
        QCOMPARE(root.value("model").toObject().value("file").toString(),
                 QStringLiteral("default"));

        QSignalSpy opened(w.get(), &MainWindow::imageOpened);
        press(*w, Qt::Key_PageDown);
        QVERIFY(opened.wait(30000));
        QCOMPARE(w->document()->path(), m_images[1]);
        press(*w, Qt::Key_PageUp);
        QVERIFY(opened.wait(30000));
        QCOMPARE(w->document()->path(), image);
        QCOMPARE(w->document()->mask(), saved);
        QVERIFY(!w->document()->isModified());
        QTRY_VERIFY(labelText(*w, "measurement").startsWith(QStringLiteral("Area ")));
    }
    // A new session on the same image: the mask outline is drawn again.
    auto w = startWindow();
    openAndWait(*w, image);
    QCOMPARE(w->document()->mask(), saved);
    QVERIFY(w->document()->currentModelResult().valid); // the sidecar's model result
    QVERIFY(countSet(saved) > 1000);
    // The mask is drawn: M (show mask) off takes a lesion-sized overlay off the screen.
    w->canvas()->setFocus();
    const QImage shown = w->canvas()->grab().toImage();
    press(*w, Qt::Key_M);
    QVERIFY(!w->canvas()->overlayVisible());
    const qint64 drawn = changedPixels(shown, w->canvas()->grab().toImage(), 20);
    const double scale = w->canvas()->scale();
    QVERIFY2(drawn > countSet(saved) * scale * scale / 2,
             qPrintable(QStringLiteral("%1 of %2").arg(drawn).arg(countSet(saved))));
}

// An Auto outline saved, then opened in a new session: H draws the heatmap it had (made again
// from the sidecar's box and decoder) instead of nothing, and a mask brushed by hand says why
// it has none. Before, a ticked "Show heatmap" over a saved mask stayed blank and silent, with
// the previous image's "Peak at" still in the panel.
void TestViewerJourneys::savedMaskGetsItsHeatmapBack() {
    const QString dir = m_home.filePath(QStringLiteral("reopen-heatmap"));
    QVERIFY(QDir().mkpath(dir));
    const QString image = dir + QStringLiteral("/auto.jpg");
    const QString hand = dir + QStringLiteral("/hand.jpg");
    QVERIFY(QFile::copy(m_images[2], image));
    QVERIFY(QFile::copy(m_images[1], hand));
    HeatmapResponse first;
    {
        auto w = startWindow();
        openAndWait(*w, image);
        w->canvas()->setFocus();
        press(*w, Qt::Key_H); // on before there is a mask: nothing to explain yet
        QCOMPARE(labelText(*w, "heatmapInfo"), QString());
        QSignalSpy applied(w.get(), &MainWindow::maskApplied);
        QSignalSpy heat(w->inference(), &InferenceController::heatmapReady);
        press(*w, Qt::Key_O);
        QVERIFY(applied.wait(60000));
        QTRY_VERIFY_WITH_TIMEOUT(!heat.isEmpty(), 30000);
        first = heat.last().at(0).value<HeatmapResponse>();
        QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
        QTRY_VERIFY(!w->canvas()->heatmap().isNull());
        press(*w, Qt::Key_S, Qt::ControlModifier);
        QTRY_VERIFY(QFile::exists(maskPathForImage(image)));

        // The next image has no mask: the canvas and the panel drop the last one's heatmap.
        openAndWait(*w, hand);
        QTRY_VERIFY(w->canvas()->heatmap().isNull());
        QCOMPARE(labelText(*w, "heatmapInfo"), QString());
    }
    QFile json(QString::fromStdString(sidecarPathFor(maskPathForImage(image).toStdString())));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject model = QJsonDocument::fromJson(json.readAll()).object()["model"].toObject();
    QCOMPARE(model.value("decoder").toString(), QStringLiteral("auto"));

    auto w = startWindow();
    openAndWait(*w, image);
    QVERIFY(w->canvas()->heatmap().isNull());
    QSignalSpy heat(w->inference(), &InferenceController::heatmapReady);
    w->canvas()->setFocus();
    press(*w, Qt::Key_H);
    QVERIFY(heat.wait(30000));
    const auto again = heat.last().at(0).value<HeatmapResponse>();
    QVERIFY2(again.error.isEmpty(), qPrintable(again.error));
    QTRY_VERIFY(!w->canvas()->heatmap().isNull());
    QVERIFY(labelText(*w, "heatmapInfo").startsWith(QStringLiteral("Peak at")));
    // The same heatmap as when the outline was made (the embedding may come from the cache).
    QCOMPARE(again.heat.size(), first.heat.size());
    QCOMPARE(again.peak, first.peak);
    QVERIFY2(maxGreyDifference(again.heat, first.heat) <= 2,
             qPrintable(QString::number(maxGreyDifference(again.heat, first.heat))));

    // A mask brushed by hand on an image with no saved mask: the panel says why there is none.
    openAndWait(*w, hand);
    QTRY_VERIFY(w->canvas()->heatmap().isNull());
    press(*w, Qt::Key_U);
    drag(w->canvas(), {200, 200}, {300, 300});
    QTRY_VERIFY(w->document()->isModified());
    press(*w, Qt::Key_H); // off
    press(*w, Qt::Key_H); // and on again
    QTRY_VERIFY(labelText(*w, "heatmapInfo").startsWith(QStringLiteral("No heatmap")));
    QVERIFY(w->canvas()->heatmap().isNull());
}

void TestViewerJourneys::worklistClickNextPreviousAndDone() {
    for (const QString& image : m_images) {
        QFile::remove(maskPathForImage(image));
        QFile::remove(
            QString::fromStdString(sidecarPathFor(maskPathForImage(image).toStdString())));
    }
    auto w = startWindow();
    w->openPath(m_work);
    QTRY_VERIFY_WITH_TIMEOUT(w->document() && w->document()->path() == m_images[0], 30000);
    WorklistView* list = w->worklist();
    QCOMPARE(list->count(), 3);

    // One click opens the row; the highlighted row is the image on screen.
    QSignalSpy opened(w.get(), &MainWindow::imageOpened);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier,
                      list->visualItemRect(list->item(2)).center());
    QVERIFY(opened.wait(30000));
    QCOMPARE(w->document()->path(), m_images[2]);
    QCOMPARE(list->currentRow(), 2);

    // D marks the image done by hand: a partial tick, not the full tick of a saved mask.
    press(*w, Qt::Key_D);
    QCOMPARE(list->item(2)->checkState(), Qt::PartiallyChecked);
    // An edit, then Previous Image, answered "Discard": the hand mark goes with the edit.
    press(*w, Qt::Key_U);
    drag(w->canvas(), QPointF(100, 100), QPointF(200, 100));
    QVERIFY(w->document()->isModified());
    m_answer = QMessageBox::Discard;
    press(*w, Qt::Key_PageUp);
    QVERIFY(opened.wait(30000));
    m_answer = QMessageBox::Cancel;
    QCOMPARE(w->document()->path(), m_images[1]);
    QCOMPARE(list->item(2)->checkState(), Qt::Unchecked);
    QCOMPARE(list->currentRow(), 1);

    // A saved mask: a full tick.
    press(*w, Qt::Key_B);
    boxLesion(*w, 1);
    press(*w, Qt::Key_S, Qt::ControlModifier);
    QTRY_COMPARE(list->item(1)->checkState(), Qt::Checked);

    // An image from elsewhere ends the worklist.
    const QString elsewhere = m_home.filePath(QStringLiteral("elsewhere.jpg"));
    QVERIFY(QFile::copy(m_images[0], elsewhere));
    w->openPath(elsewhere);
    QVERIFY(opened.wait(30000));
    QCOMPARE(list->count(), 0);
    QVERIFY(!w->findChild<QDockWidget*>(QStringLiteral("worklist"))->isVisible());
}

// A JPEG cut short is refused with a message, and does not enter Open Recent.
void TestViewerJourneys::truncatedJpegIsRefused() {
    QFile source(m_images[1]);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray bytes = source.readAll();
    const QString cut = m_home.filePath(QStringLiteral("cut.jpg"));
    QFile out(cut);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(bytes.left(bytes.size() / 2));
    out.close();

    auto w = startWindow();
    openAndWait(*w, m_images[0]);
    QSignalSpy failed(w.get(), &MainWindow::imageOpenFailed);
    const int dialogs = m_dialogsSeen;
    w->openPath(cut);
    QVERIFY(failed.wait(30000));
    QVERIFY(failed.at(0).at(1).toString().contains(QStringLiteral("cut.jpg")));
    QTRY_VERIFY(m_dialogsSeen > dialogs); // the user was told in a message box
    QCOMPARE(w->document()->path(), m_images[0]);
    QVERIFY(!w->settings().recentFiles.contains(QFileInfo(cut).absoluteFilePath()));
}

// C, a line of known length, its length typed in: the line stays drawn, measurements turn into
// mm, and the calibration is there again when the image is reopened.
void TestViewerJourneys::calibrationIsDrawnSavedAndRestored() {
    const QString image = m_images[1];
    double mmPerPixel = 0;
    {
        auto w = startWindow();
        openAndWait(*w, image);
        boxLesion(*w, 1);
        press(*w, Qt::Key_C);
        const QImage before = w->canvas()->grab().toImage();
        m_inputValue = 5.0; // mm
        drag(w->canvas(), QPointF(50, 480), QPointF(250, 480));
        QTRY_VERIFY(w->document()->isCalibrated());
        // 5 mm over the line as drawn (200 image px, give or take the screen's rounding).
        mmPerPixel = w->document()->calibrationMmPerPixel();
        QVERIFY2(std::abs(mmPerPixel - 0.025) < 0.0005, qPrintable(QString::number(mmPerPixel)));
        QCOMPARE(w->document()->calibrationLine().length() * mmPerPixel, 5.0);
        QVERIFY(labelText(*w, "measurement").contains(QStringLiteral("calibrated")));
        // The line is drawn after the dialog closed.
        QTRY_VERIFY(changedPixels(before, w->canvas()->grab().toImage()) > 150);
        press(*w, Qt::Key_S, Qt::ControlModifier);
        QTRY_VERIFY(!w->document()->isModified());
        QFile json(QString::fromStdString(sidecarPathFor(maskPathForImage(image).toStdString())));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject pixel =
            QJsonDocument::fromJson(json.readAll()).object().value("pixelSize").toObject();
        QCOMPARE(pixel.value("source").toString(), QStringLiteral("calibration"));
        QCOMPARE(pixel.value("rowMm").toDouble(), mmPerPixel);
    }
    auto w = startWindow();
    openAndWait(*w, image);
    QVERIFY(w->document()->isCalibrated());
    QCOMPARE(w->document()->calibrationMmPerPixel(), mmPerPixel);
    QTRY_VERIFY(labelText(*w, "measurement").contains(QStringLiteral("mm²")));
}

// A DICOM of an ISIC photo: segmented, saved as a DICOM SEG that reads back and that dciodvfy
// (dicom3tools) accepts.
void TestViewerJourneys::dicomOpensAndItsSegValidates() {
    const QImage photo = QImage(m_images[2]).convertToFormat(QImage::Format_RGB888);
    const QString path = m_home.filePath(QStringLiteral("dicom/lesion.dcm"));
    QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
    QVERIFY(dermsam::test::writeDicom(path, photo, dermsam::test::DicomKind::Rgb,
                                      dermsam::test::kDermoscopic, "0.02\\0.02"));
    auto w = startWindow();
    openAndWait(*w, path);
    QCOMPARE(w->document()->size(), photo.size());
    boxLesion(*w, 2);
    press(*w, Qt::Key_S, Qt::ControlModifier);
    const QString seg = dicomSegPathFor(maskPathForImage(path));
    QTRY_VERIFY(QFile::exists(seg));
    const cv::Mat read = loadDicomSeg(seg.toStdString());
    QCOMPARE(qint64(cv::countNonZero(read)), countSet(w->document()->mask()));

    const QString dciodvfy = QStandardPaths::findExecutable(QStringLiteral("dciodvfy"));
    if (dciodvfy.isEmpty())
        QSKIP("dciodvfy (dicom3tools) is not installed: the SEG read back, IOD not validated");
    QProcess p;
    p.start(dciodvfy, {seg});
    QVERIFY(p.waitForFinished(60000));
    const QString report =
        QString::fromLocal8Bit(p.readAllStandardError() + p.readAllStandardOutput());
    QVERIFY2(!report.contains(QStringLiteral("Error")), qPrintable(report));
}

// Help lists the keys, the panels speak plainly, and Save needs an image.
void TestViewerJourneys::newUserGetsHelp() {
    auto w = startWindow();
    auto* save = [&]() -> QAction* {
        for (QAction* a : w->findChildren<QAction*>())
            if (a->shortcut() == QKeySequence::Save)
                return a;
        return nullptr;
    }();
    QVERIFY(save);
    QVERIFY(!save->isEnabled());
    QVERIFY(labelText(*w, "researchUse").contains(QStringLiteral("not for diagnosis")));
    // The built-in model by name and preprocessing, its "compact" said once.
    const QString model = labelText(*w, "model");
    QVERIFY2(model.startsWith(QStringLiteral("Model: default (compact) on ")) &&
                 model.count(QStringLiteral("compact")) == 1,
             qPrintable(model));
    // The empty window offers the sample image; one click opens it, ready for a box.
    auto* sample = w->findChild<QPushButton*>(QStringLiteral("openSample"));
    QVERIFY(sample && sample->isVisible());
    {
        // Only the welcome speaks: the canvas behind it draws no second, overlapping hint.
        auto* welcome = w->findChild<QWidget*>(QStringLiteral("welcome"));
        auto* canvas = w->findChild<ImageCanvas*>();
        QVERIFY(welcome && canvas);
        welcome->hide();
        const QImage bare = canvas->grab().toImage().convertToFormat(QImage::Format_RGB32);
        welcome->show();
        int other = 0;
        for (int y = 0; y < bare.height(); ++y)
            for (int x = 0; x < bare.width(); ++x)
                other += bare.pixel(x, y) != bare.pixel(0, 0);
        QCOMPARE(other, 0);
    }
    QSignalSpy opened(w.get(), &MainWindow::imageOpened);
    QTest::mouseClick(sample, Qt::LeftButton);
    QVERIFY(opened.wait(30000));
    QVERIFY(w->document()->path().endsWith(QStringLiteral("samples/ISIC_0000009.jpg")));
    QVERIFY(!sample->isVisible());
    QCOMPARE(w->document()->size(), QSize(512, 512));
    openAndWait(*w, m_images[0]);
    QVERIFY(save->isEnabled());
    const QString zoom = labelText(*w, "zoom");
    QVERIFY2(zoom.startsWith(QStringLiteral("Zoom ")), qPrintable(zoom));
    press(*w, Qt::Key_1); // actual pixels
    QTRY_COMPARE(labelText(*w, "zoom"), QStringLiteral("Zoom 100%"));

    m_answer = QMessageBox::Ok;
    m_lastDialogText.clear();
    press(*w, Qt::Key_F1); // returns when the dialog was answered
    m_answer = QMessageBox::Cancel;
    const QString shortcuts = m_lastDialogText;
    for (const char* expected : {"Show &Heatmap", "Clear Prompts", "Next Image", "Toggle Done"})
        QVERIFY2(shortcuts.contains(QString::fromLatin1(expected).remove(QLatin1Char('&'))),
                 qPrintable(shortcuts));
    auto* panel = w->findChild<HeatmapPanel*>();
    for (QLabel* l : panel->findChildren<QLabel*>())
        QVERIFY2(!l->text().contains(QStringLiteral("embedding")), qPrintable(l->text()));
}

// Brush edits, then the window dies without a chance to ask (a crash, a kill): the next session
// offers the edits back when the image is opened, and they come back as one undoable step.
void TestViewerJourneys::unsavedEditsSurviveACrash() {
    const QString image = m_images[2];
    QImage edited;
    {
        auto w = startWindow();
        openAndWait(*w, image);
        press(*w, Qt::Key_U);
        drag(w->canvas(), QPointF(100, 300), QPointF(300, 300));
        drag(w->canvas(), QPointF(100, 340), QPointF(300, 340));
        QVERIFY(w->document()->isModified());
        edited = w->document()->mask();
        QTRY_VERIFY_WITH_TIMEOUT(w->recovery()->find(image).has_value(), 10000);
        w->recovery()->flush();
        // No closeEvent, no question: what a crash leaves is only what is on the disk.
    }
    auto w = startWindow();
    m_answer = QMessageBox::Yes;
    openAndWait(*w, image);
    m_answer = QMessageBox::Cancel;
    QCOMPARE(w->document()->mask(), edited);
    QVERIFY(w->document()->isModified());
    QVERIFY(w->document()->editedSinceModel());
    press(*w, Qt::Key_Z, Qt::ControlModifier); // the restore is one undo step
    QVERIFY(countSet(w->document()->mask()) < countSet(edited));
    press(*w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    press(*w, Qt::Key_S, Qt::ControlModifier);
    QTRY_VERIFY(!w->document()->isModified());
    QCOMPARE(readGrey(maskPathForImage(image)), edited);
    w->recovery()->flush();
    QVERIFY(!w->recovery()->find(image)); // saved: nothing left to recover
}

// Edit > Settings > Largest image: a photo declaring more pixels is refused before it is read.
void TestViewerJourneys::imageSizeLimitFromSettings() {
    const QString big = m_home.filePath(QStringLiteral("big.png"));
    QImage img(1300, 1000, QImage::Format_RGB888); // 1.3 megapixels
    img.fill(QColor(180, 120, 90));
    QVERIFY(img.save(big));
    auto w = startWindow();
    AppSettings s = w->settings();
    s.maxMegapixels = 1;
    w->applySettings(s);
    QSignalSpy failed(w.get(), &MainWindow::imageOpenFailed);
    w->openPath(big);
    QVERIFY(failed.wait(30000));
    QVERIFY2(failed.at(0).at(1).toString().contains(QStringLiteral("Largest image")),
             qPrintable(failed.at(0).at(1).toString()));
    s.maxMegapixels = 2;
    w->applySettings(s);
    openAndWait(*w, big);
    QCOMPARE(w->document()->size(), QSize(1300, 1000));
    s.maxMegapixels = AppSettings().maxMegapixels;
    w->applySettings(s);
}

// Tools > Fine-tune model..., then "Use this model now" on its last page: the viewer switches to
// the checkpoint, and the next session starts on the model chosen in Settings, as before.
void TestViewerJourneys::wizardModelIsForThisSessionOnly() {
    const QString fixture = dermsam::test::fixtureDir();
    if (fixture.isEmpty())
        QSKIP("../shared/fixtures/sam-parity-tiny is absent");
    const QString checkpoint = fixture + QStringLiteral("/weights.pth");
    auto w = startWindow();
    QAction* fineTune = w->findChild<QAction*>(QStringLiteral("fineTuneAction"));
    QVERIFY(fineTune);
    fineTune->trigger();
    auto* wizard = w->findChild<FineTuneWizard*>();
    QVERIFY(wizard);
    QSignalSpy loaded(w->inference(), &InferenceController::modelLoaded);
    // What the save page's button sends once a run has finished (tst_finetune_wizard clicks it).
    Q_EMIT wizard->useModelRequested(checkpoint);
    QVERIFY(loaded.wait(60000));
    QCOMPARE(w->inference()->modelInfo().path, checkpoint);
    wizard->close();
    QSettings qs;
    QCOMPARE(qs.value(QStringLiteral("model/checkpoint")).toString(), QString());
    w.reset();
    auto next = startWindow(); // the next session: the built-in model again
    QCOMPARE(next->inference()->modelInfo().name, QStringLiteral("default"));
}

// Edit > Settings > Language: German, OK. Menus, the status bar and the undo text of a result
// change at once, with the image and its mask kept; English again the same way.
void TestViewerJourneys::languageSwitchesLive() {
    auto w = startWindow();
    openAndWait(*w, m_images[0]);
    boxLesion(*w, 0);
    const QImage mask = w->document()->mask();
    auto* settings = w->findChild<QAction*>(QStringLiteral("settingsAction"));
    QVERIFY(settings);
    QAction* undo = nullptr;
    for (QAction* a : w->findChildren<QAction*>())
        if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_Z))
            undo = a;
    QVERIFY(undo);
    QCOMPARE(undo->text(), QStringLiteral("Undo Model mask"));

    m_language = QStringLiteral("de");
    settings->trigger(); // the dialog is answered by the dialog timer
    // Widgets retranslate on the LanguageChange events that the new translator posts.
    QTRY_COMPARE(w->menuBar()->actions().first()->text(), QStringLiteral("&Datei"));
    QCOMPARE(labelText(*w, "researchUse"),
             QStringLiteral("Nur für die Forschung, nicht zur Diagnose"));
    QCOMPARE(undo->text(), QStringLiteral("Rückgängig: Modellmaske"));
    QCOMPARE(w->settings().language, QStringLiteral("de"));
    QCOMPARE(QSettings().value(QStringLiteral("ui/language")).toString(), QStringLiteral("de"));
    QCOMPARE(w->document()->mask(), mask); // the work on screen is untouched

    QCOMPARE(settings->text(), QStringLiteral("&Einstellungen …"));
    m_language = QStringLiteral("en");
    settings->trigger();
    QTRY_COMPARE(w->menuBar()->actions().first()->text(), QStringLiteral("&File"));
    QCOMPARE(undo->text(), QStringLiteral("Undo Model mask"));
    QCOMPARE(w->document()->mask(), mask);
}

// Box a lesion: the Measurements panel lists its figures and the greatest diameter is drawn on
// the image; calibrate, and the panel gives millimetres.
void TestViewerJourneys::measurementsPanelAndDiameter() {
    QFile::remove(calibrationPathForImage(m_images[1])); // an earlier story may have calibrated
    auto w = startWindow();
    openAndWait(*w, m_images[1]);
    const QImage before = w->canvas()->grab().toImage();
    boxLesion(*w, 1);
    auto* panel = w->findChild<QLabel*>(QStringLiteral("measurementsPanel"));
    QVERIFY(panel);
    QTRY_VERIFY_WITH_TIMEOUT(panel->text().contains(QStringLiteral("Greatest diameter")), 10000);
    QVERIFY(panel->text().contains(QStringLiteral("Colours")));
    QVERIFY(!panel->text().contains(QStringLiteral("mm²")));
    const QLineF line = w->canvas()->diameterLine();
    QVERIFY(!line.isNull());
    // The line joins two lesion pixels and is as long as the lesion is wide.
    const QImage mask = w->document()->mask();
    QVERIFY(qGray(mask.pixel(line.p1().toPoint())) > 127);
    QVERIFY(qGray(mask.pixel(line.p2().toPoint())) > 127);
    const QRectF box = lesionBox(mask);
    QVERIFY(line.length() >= std::max(box.width(), box.height()) - 2);
    // Drawn: white pixels along the line's middle that were not there before.
    const QImage after = w->canvas()->grab().toImage();
    const QPointF mid = w->canvas()->imageToWidget(line.center() + QPointF(0.5, 0.5));
    int white = 0;
    for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx) {
            const QPoint p = mid.toPoint() + QPoint(dx, dy);
            white += qGray(after.pixel(p)) > 230 && qGray(before.pixel(p)) <= 230;
        }
    QVERIFY(white > 0);

    m_inputValue = 10.0; // a 10 mm line
    press(*w, Qt::Key_C);
    drag(w->canvas(), QPointF(20, 20), QPointF(220, 20));
    QTRY_VERIFY_WITH_TIMEOUT(panel->text().contains(QStringLiteral("mm²")), 10000);
    QVERIFY(panel->text().contains(QStringLiteral("calibrated")));
}

// Box, heatmap, File > Export Report (Ctrl+E), a file name: a PDF with the figures, the model's
// SHA-256 and both pictures.
void TestViewerJourneys::reportIsExported() {
    if (QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty())
        QSKIP("pdftotext (poppler-utils) is not installed: scripts/install-deps.sh installs it");
    auto w = startWindow();
    openAndWait(*w, m_images[2]);
    boxLesion(*w, 2);
    QSignalSpy heat(w->inference(), &InferenceController::heatmapReady);
    press(*w, Qt::Key_H);
    QVERIFY(heat.wait(60000));
    QTRY_VERIFY_WITH_TIMEOUT(w->session()->lesionMeasurementsCurrent(), 10000);
    m_savePath = m_home.filePath(QStringLiteral("visit-report.pdf"));
    // File > Export Report... (the menu item; Ctrl+E is its shortcut)
    auto* exportAction = w->findChild<QAction*>(QStringLiteral("exportReportAction"));
    QVERIFY(exportAction && exportAction->isEnabled());
    QCOMPARE(exportAction->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_savePath), 30000);
    QProcess text;
    text.start(QStringLiteral("pdftotext"), {m_savePath, QStringLiteral("-")});
    QVERIFY(text.waitForFinished(30000));
    QString t = QString::fromUtf8(text.readAllStandardOutput());
    t.remove(QRegularExpression(QStringLiteral("\\s")));
    QVERIFY(t.contains(QStringLiteral("DermSAMlesionreport")));
    QVERIFY(t.contains(QStringLiteral("Researchuse,notfordiagnosis.")));
    QVERIFY(t.contains(QStringLiteral("ISIC_0000023.jpg")));
    QVERIFY(t.contains(QStringLiteral("Greatestdiameter")));
    QVERIFY(t.contains(QStringLiteral("test-operator")));
    QVERIFY(t.contains(w->inference()->modelInfo().sha256.left(32)));
    QVERIFY(t.contains(QStringLiteral("Grad-CAMheatmap"))); // the heatmap picture's caption
}

// Tools > Compare with Earlier Visit: pick the earlier photo (its mask saved beside it), see both
// outlines aligned, the growth flagged, switch to blend; the report then has a follow-up section.
void TestViewerJourneys::followUpComparesTwoVisits() {
    auto w = startWindow();
    openAndWait(*w, m_images[0]);
    boxLesion(*w, 0);
    const QString dir = m_home.filePath(QStringLiteral("visit1"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(
        dermsam::test::writeEarlierVisit(w->document()->image(), w->document()->mask(), 1.4, dir));
    auto* compare = w->findChild<QAction*>(QStringLiteral("compareAction"));
    QVERIFY(compare);
    QSignalSpy ready(w->session(), &ViewerSession::followUpReady);
    m_savePath = dir + QStringLiteral("/earlier.png"); // what the file dialog is answered with
    compare->trigger();
    QVERIFY(ready.wait(60000));
    auto* dialog = w->findChild<FollowUpDialog*>(QStringLiteral("followUpDialog"));
    QVERIFY(dialog && dialog->isVisible());
    auto* verdict = dialog->findChild<QLabel*>(QStringLiteral("followUpVerdict"));
    auto* figures = dialog->findChild<QLabel*>(QStringLiteral("followUpFigures"));
    QVERIFY2(verdict->text().contains(QStringLiteral("beyond the 20 % threshold")),
             qPrintable(verdict->text()));
    QVERIFY(figures->text().contains(QStringLiteral("Dice")));
    // At its default size the window holds the whole side panel (nothing clipped or pushed out,
    // the window not widened by a long line) and gives the photos most of its width.
    dialog->layout()->activate(); // what the next event loop pass does after the new text
    QCOMPARE(dialog->width(), 1100);
    const QRect panel(figures->mapTo(dialog, QPoint(0, 0)), figures->size());
    QVERIFY2(dialog->rect().contains(panel),
             qPrintable(QStringLiteral("figures at %1,%2 %3x%4 in %5x%6")
                            .arg(panel.x())
                            .arg(panel.y())
                            .arg(panel.width())
                            .arg(panel.height())
                            .arg(dialog->width())
                            .arg(dialog->height())));
    QCOMPARE(figures->visibleRegion().boundingRect(), figures->rect());
    QVERIFY2(dialog->view()->width() > dialog->width() / 2,
             qPrintable(QString::number(dialog->view()->width())));
    // Both outlines are drawn: orange (earlier) and cyan (current) pixels in the view.
    const auto count = [](const QImage& img, auto pred) {
        int n = 0;
        for (int y = 0; y < img.height(); ++y)
            for (int x = 0; x < img.width(); ++x)
                n += pred(img.pixelColor(x, y));
        return n;
    };
    const QImage shot = dialog->view()->grab().toImage();
    const int orange = count(shot, [](QColor c) {
        return c.red() > 220 && c.green() > 110 && c.green() < 190 && c.blue() < 60;
    });
    const int cyan =
        count(shot, [](QColor c) { return c.red() < 60 && c.green() > 190 && c.blue() > 220; });
    QVERIFY2(orange > 50 && cyan > 50, qPrintable(QStringLiteral("%1 %2").arg(orange).arg(cyan)));
    // Blend mode draws one pane with the slider.
    auto* mode = dialog->findChild<QComboBox*>(QStringLiteral("compareMode"));
    mode->setCurrentIndex(1);
    QCOMPARE(dialog->view()->mode(), FollowUpView::Mode::Blend);
    // The report now has the follow-up (File > Export Report itself: reportIsExported).
    dialog->close();
    const QString pdf = m_home.filePath(QStringLiteral("follow-up-report.pdf"));
    QCOMPARE(w->session()->exportReport(pdf), QString());
    if (!QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty()) {
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
        QVERIFY(text.waitForFinished(30000));
        const QString t = QString::fromUtf8(text.readAllStandardOutput());
        QVERIFY(t.contains(QStringLiteral("Follow-up")));
        QVERIFY(t.contains(QStringLiteral("earlier.png")));
    }
}

// With a folder open, Compare with Earlier Visit lists the folder's other images: the earlier
// visit, whose mask was saved in this session (Ctrl+S), is picked with the keyboard and its saved
// mask compared; Choose File... still opens the file dialog.
void TestViewerJourneys::followUpWithAWorklistItem() {
    const QString dir = m_home.filePath(QStringLiteral("visits"));
    QVERIFY(QDir().mkpath(dir));
    // Visit 1: the lesion of ISIC_0000009 photographed again (moved, rotated, brighter); visit 2:
    // the ISIC photo itself; and an image with no mask saved, listed but not comparable.
    QVERIFY(dermsam::test::writeEarlierVisit(QImage(m_images[0]), truthMask(0), 1.0, dir));
    const QString earlier = dir + QStringLiteral("/earlier.png");
    const QString earlierMaskFile = dir + QStringLiteral("/earlier_segmentation.png");
    const QRectF earlierBox = lesionBox(readGrey(earlierMaskFile));
    QVERIFY(QFile::remove(earlierMaskFile)); // saved below, through the viewer
    const QString later = dir + QStringLiteral("/later.jpg");
    QVERIFY(QFile::copy(m_images[0], later));
    QVERIFY(QFile::copy(m_images[1], dir + QStringLiteral("/other.jpg")));

    auto w = startWindow();
    w->openPath(dir); // the worklist: earlier.png, later.jpg, other.jpg
    QTRY_VERIFY_WITH_TIMEOUT(w->document() && w->document()->path() == earlier, 30000);
    QTRY_COMPARE(labelText(*w, "measurement"), QStringLiteral("No lesion mask"));
    {
        QSignalSpy applied(w.get(), &MainWindow::maskApplied);
        drag(w->canvas(), earlierBox.topLeft(), earlierBox.bottomRight());
        QVERIFY(applied.wait(60000));
    }
    press(*w, Qt::Key_S, Qt::ControlModifier);
    QTRY_VERIFY(QFile::exists(earlierMaskFile));
    QSignalSpy opened(w.get(), &MainWindow::imageOpened);
    press(*w, Qt::Key_PageDown);
    QVERIFY(opened.wait(30000));
    QCOMPARE(w->document()->path(), later);
    boxLesion(*w, 0);

    auto* compare = w->findChild<QAction*>(QStringLiteral("compareAction"));
    QVERIFY(compare);
    QSignalSpy ready(w->session(), &ViewerSession::followUpReady);
    m_chooserPick = QStringLiteral("earlier.png");
    m_savePath.clear(); // a file dialog would be cancelled
    compare->trigger();
    QVERIFY(ready.wait(60000));
    // The chooser listed the other two images, with whether their mask is saved, the list had
    // the keyboard focus, and Compare was enabled on the earlier visit.
    QCOMPARE(m_chooserRows,
             QStringList({QStringLiteral("earlier.png\nmask saved"),
                          QStringLiteral("other.jpg\nno mask saved: cannot compare")}));
    QVERIFY(m_chooserListHadFocus);
    QVERIFY(m_chooserCompareEnabled);
    const FollowUp& f = w->session()->followUp();
    QVERIFY2(f.ok, qPrintable(f.error));
    QCOMPARE(f.earlierPath, earlier);
    // The same lesion, the mask saved on each visit by the same model: little change.
    QVERIFY2(f.change.dice > 0.85, qPrintable(QString::number(f.change.dice)));
    auto* dialog = w->findChild<FollowUpDialog*>(QStringLiteral("followUpDialog"));
    QVERIFY(dialog && dialog->isVisible());
    auto* figures = dialog->findChild<QLabel*>(QStringLiteral("followUpFigures"));
    QVERIFY2(figures->text().contains(QStringLiteral("Dice")), qPrintable(figures->text()));
    auto* verdict = dialog->findChild<QLabel*>(QStringLiteral("followUpVerdict"));
    QVERIFY2(verdict->text().contains(QStringLiteral("within the 20 % threshold")),
             qPrintable(verdict->text()));
    // Both outlines are drawn: orange (earlier) and cyan (current) pixels in the view.
    const QImage shot = dialog->view()->grab().toImage();
    int orange = 0, cyan = 0;
    for (int y = 0; y < shot.height(); ++y)
        for (int x = 0; x < shot.width(); ++x) {
            const QColor c = shot.pixelColor(x, y);
            orange += c.red() > 220 && c.green() > 110 && c.green() < 190 && c.blue() < 60;
            cyan += c.red() < 60 && c.green() > 190 && c.blue() > 220;
        }
    QVERIFY2(orange > 50 && cyan > 50, qPrintable(QStringLiteral("%1 %2").arg(orange).arg(cyan)));

    // Choose File... in the chooser opens the file dialog, as without a worklist.
    m_chooserPick.clear();
    m_savePath = earlier;
    compare->trigger();
    QVERIFY(ready.wait(60000));
    QVERIFY(w->session()->followUp().ok);
    QCOMPARE(w->session()->followUp().earlierPath, earlier);
    m_savePath.clear();
}

QTEST_MAIN(TestViewerJourneys)
#include "tst_viewer_journeys.moc"
