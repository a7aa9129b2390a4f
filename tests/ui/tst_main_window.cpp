// Protects the viewer: open images and DICOM off-thread, broken files, prompts, edits, save.
// labels: gui
#include "mask_compare.h"
#include "test_dicom.h"
#include "test_support.h"
#include "tiny_model.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_saver.h"
#include "ui/session/viewer_session.h"

#include "core/dicom_seg.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QUndoGroup>
#include <QUrl>
#include <QWidget>

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <vector>

using namespace dermsam;
using dermsam::test::DicomKind;
using dermsam::test::kDermoscopic;
using dermsam::test::kVlPhotographic;
using dermsam::test::writeDicom;

namespace {
QImage sample(int w, int h) {
    QImage img(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.setPixelColor(x, y, QColor((x * 7) % 256, (y * 3) % 256, 90));
    return img;
}

// Smooth enough for lossy JPEG to stay within a few grey levels.
QImage smoothSample(int w, int h) {
    QImage img(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.setPixelColor(x, y, QColor(40 + 2 * x, 30 + 3 * y, 160 - x));
    return img;
}

// Largest per-channel difference between two RGB images of the same size.
int maxDifference(const QImage& a, const QImage& b) {
    int worst = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const QColor p = a.pixelColor(x, y), q = b.pixelColor(x, y);
            worst = std::max({worst, std::abs(p.red() - q.red()), std::abs(p.green() - q.green()),
                              std::abs(p.blue() - q.blue())});
        }
    return worst;
}

QString measurementText(MainWindow& w) {
    auto* label = w.findChild<QLabel*>(QStringLiteral("measurement"));
    return label ? label->text() : QString();
}

// The tiny test model in the window's worker, in place of a checkpoint from the settings.
bool useTinyModel(MainWindow& w, const QString& name = QStringLiteral("tiny")) {
    QSignalSpy loaded(w.inference(), &InferenceController::modelLoaded);
    w.inference()->useModel(test::tinySamModel(), QStringLiteral("sam"), name);
    return loaded.wait(10000);
}

bool openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy opened(&w, &MainWindow::imageOpened);
    w.openPath(path);
    return opened.wait(10000);
}
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QTimer m_closer; // dismisses message boxes so a test never blocks on one

private Q_SLOTS:
    void initTestCase() {
        qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
        connect(&m_closer, &QTimer::timeout, this, [] {
            if (QWidget* w = QApplication::activeModalWidget())
                w->close();
        });
        m_closer.start(50);
        DJEncoderRegistration::registerCodecs(); // the decoders are core's business
    }

    void cleanupTestCase() { DJEncoderRegistration::cleanup(); }

    void opensFormats_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("format");
        QTest::newRow("jpeg") << QStringLiteral("a.jpg") << QByteArray("JPG");
        QTest::newRow("png 8-bit") << QStringLiteral("b.png") << QByteArray("PNG");
        QTest::newRow("bmp") << QStringLiteral("c.bmp") << QByteArray("BMP");
        QTest::newRow("tiff") << QStringLiteral("d.tif") << QByteArray("TIFF");
        QTest::newRow("png 16-bit") << QStringLiteral("e16.png") << QByteArray("PNG16");
    }
    void opensFormats() {
        QFETCH(QString, file);
        QFETCH(QByteArray, format);
        const QString path = m_dir.filePath(file);
        QImage img = sample(64, 48);
        if (format == "PNG16")
            QVERIFY(img.convertToFormat(QImage::Format_RGBX64).save(path, "PNG"));
        else if (format == "TIFF") {
            cv::Mat m(img.height(), img.width(), CV_8UC3, img.bits(),
                      static_cast<std::size_t>(img.bytesPerLine()));
            QVERIFY(cv::imwrite(path.toStdString(), m));
        } else
            QVERIFY(img.save(path, format.constData()));
        MainWindow w;
        QVERIFY(openAndWait(w, path));
        QVERIFY(w.document());
        QCOMPARE(w.document()->size(), QSize(64, 48));
    }

    void brokenFileLeavesCurrentImage() {
        const QString good = m_dir.filePath(QStringLiteral("good.png"));
        QVERIFY(sample(30, 20).save(good));
        const QString bad = m_dir.filePath(QStringLiteral("bad.jpg"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a jpeg at all");
        f.close();
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        QSignalSpy failed(&w, &MainWindow::imageOpenFailed);
        w.openPath(good);
        QVERIFY(opened.wait(10000));
        ImageDocument* doc = w.document();
        w.openPath(bad);
        QVERIFY(failed.wait(10000));
        QVERIFY(!failed.at(0).at(1).toString().isEmpty());
        QCOMPARE(w.document(), doc);
        w.openPath(m_dir.filePath(QStringLiteral("missing.png")));
        QVERIFY(failed.wait(10000));
        QCOMPARE(w.document(), doc);
    }

    void opensDicom_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("sopClass");
        QTest::addColumn<QString>("spacing");
        QTest::addColumn<int>("tolerance");
        QTest::newRow("RGB uncompressed, dermoscopic, spacing")
            << int(DicomKind::Rgb) << kDermoscopic << QStringLiteral("0.1\\0.2") << 0;
        QTest::newRow("RGB uncompressed, VL photographic")
            << int(DicomKind::Rgb) << kVlPhotographic << QString() << 0;
        QTest::newRow("MONOCHROME2, spacing")
            << int(DicomKind::Monochrome) << kVlPhotographic << QStringLiteral("0.05\\0.05") << 0;
        QTest::newRow("JPEG baseline RGB, dermoscopic")
            << int(DicomKind::JpegRgb) << kDermoscopic << QStringLiteral("0.1\\0.2") << 8;
    }
    // Through File > Open's path (openPath -> loader thread): pixels, size and the file's pixel
    // spacing turned into mm in the status bar.
    void opensDicom() {
        QFETCH(int, kind);
        QFETCH(QString, sopClass);
        QFETCH(QString, spacing);
        QFETCH(int, tolerance);
        const QImage img = smoothSample(40, 30);
        const QString path = m_dir.filePath(QStringLiteral("%1.dcm")
                                                .arg(QTest::currentDataTag())
                                                .remove(QLatin1Char(' '))
                                                .remove(QLatin1Char(',')));
        const QByteArray spacingBytes = spacing.toLatin1();
        QVERIFY(writeDicom(path, img, DicomKind(kind), sopClass.toLatin1().constData(),
                           spacing.isEmpty() ? nullptr : spacingBytes.constData()));
        MainWindow w;
        QVERIFY(openAndWait(w, path));
        ImageDocument* doc = w.document();
        QVERIFY(doc);
        QCOMPARE(doc->size(), QSize(40, 30));
        QImage expected = img;
        if (DicomKind(kind) == DicomKind::Monochrome)
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width(); ++x) {
                    const int v = img.pixelColor(x, y).red();
                    expected.setPixelColor(x, y, QColor(v, v, v));
                }
        QVERIFY2(maxDifference(doc->image(), expected) <= tolerance,
                 qPrintable(QString::number(maxDifference(doc->image(), expected))));

        // A 20 x 10 px mask: the status bar gives its area in px, and in mm² from the spacing.
        QImage mask(doc->size(), QImage::Format_Grayscale8);
        mask.fill(0);
        for (int y = 5; y < 15; ++y)
            for (int x = 8; x < 28; ++x)
                mask.setPixel(x, y, 255);
        doc->undoStack()->push(new ModelResultCommand(doc, 1, mask, ModelResultInfo{}));
        QTRY_VERIFY(measurementText(w).startsWith(QStringLiteral("Area 200 px")));
        // Saved as PNG + sidecar and, for a DICOM source, as a DICOM SEG that reads back equal.
        QVERIFY(w.saveCurrent());
        const QString png = maskPathForImage(path);
        QVERIFY(QFile::exists(png));
        const cv::Mat seg = loadDicomSeg(dicomSegPathFor(png).toStdString());
        QCOMPARE(seg.rows, 30);
        QCOMPARE(seg.cols, 40);
        QCOMPARE(cv::countNonZero(seg), 200);
        QCOMPARE(int(seg.at<uchar>(5, 8)), 255);
        QCOMPARE(int(seg.at<uchar>(4, 8)), 0);
        if (spacing.isEmpty()) {
            QVERIFY(!doc->hasSpacing());
            QVERIFY(!measurementText(w).contains(QStringLiteral("mm")));
        } else {
            const QStringList parts = spacing.split(QLatin1Char('\\'));
            const double row = parts[0].toDouble(), col = parts[1].toDouble();
            QCOMPARE(doc->spacingRowMm(), row);
            QCOMPARE(doc->spacingColMm(), col);
            const QString area = QString::number(200 * row * col, 'f', 2);
            // Corner pixel centres 19 columns and 9 rows apart.
            const QString diameter = QString::number(std::hypot(19 * col, 9 * row), 'f', 2);
            QVERIFY2(
                measurementText(w).contains(QStringLiteral("(%1 mm², %2 mm)").arg(area, diameter)),
                qPrintable(measurementText(w)));
        }
    }

    void brokenDicomLeavesCurrentImage_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("no pixel data") << QStringLiteral("nopixels.dcm");
        QTest::newRow("truncated") << QStringLiteral("truncated.dcm");
        QTest::newRow("preamble only") << QStringLiteral("preamble.dcm");
    }
    void brokenDicomLeavesCurrentImage() {
        QFETCH(QString, file);
        const QString path = m_dir.filePath(file);
        const QImage img = smoothSample(40, 30);
        if (file == QLatin1String("nopixels.dcm")) {
            QVERIFY(writeDicom(path, img, DicomKind::NoPixelData, kDermoscopic, "0.1\\0.1"));
        } else if (file == QLatin1String("truncated.dcm")) {
            QVERIFY(writeDicom(path, img, DicomKind::Rgb, kDermoscopic, "0.1\\0.1"));
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.resize(f.size() - 2000)); // cuts into the pixel data
        } else {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(128, '\0') + "DICM" + QByteArray(10, '\x7f'));
        }
        const QString good = m_dir.filePath(QStringLiteral("current.dcm"));
        QVERIFY(writeDicom(good, img, DicomKind::Rgb, kDermoscopic, "0.1\\0.1"));
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        QSignalSpy failed(&w, &MainWindow::imageOpenFailed);
        w.openPath(good);
        QVERIFY(opened.wait(10000));
        ImageDocument* doc = w.document();
        const QImage before = doc->image();
        w.openPath(path);
        QVERIFY(failed.wait(10000));
        QCOMPARE(opened.count(), 1);
        const QString message = failed.at(0).at(1).toString();
        QVERIFY2(message.contains(QFileInfo(path).fileName()), qPrintable(message));
        QCOMPARE(w.document(), doc);
        QCOMPARE(doc->image(), before);
        QVERIFY(doc->hasSpacing());
    }

    // Point prompts: three candidates listed with their predicted IoU; picking one replaces the
    // mask within the same undo step; R refines with the mask as the mask prompt.
    void pointCandidatesAndRefine() {
        const QString path = m_dir.filePath(QStringLiteral("points.png"));
        QVERIFY(sample(120, 90).save(path));
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // A 256 input: its mask prompts are 64 x 64 logits, not the 256 x 256 of a 1024 input.
        QVERIFY(useTinyModel(w, QStringLiteral("tiny 256")));
        QVERIFY(openAndWait(w, path));
        ImageDocument* doc = w.document();
        ImageCanvas* canvas = w.canvas();
        canvas->setTool(CanvasTool::Point);
        QSignalSpy ready(w.inference(), &InferenceController::maskReady);
        QSignalSpy applied(&w, &MainWindow::maskApplied);
        QTest::mouseClick(canvas, Qt::LeftButton, {},
                          canvas->imageToWidget(QPointF(60, 45)).toPoint());
        QVERIFY(applied.wait(10000));
        QCOMPARE(int(doc->prompts().points.size()), 1);
        QCOMPARE(doc->prompts().points[0].label, 1);
        const auto r = ready.last().at(0).value<MaskResponse>();
        QCOMPARE(int(r.candidates.size()), 3);
        auto* list = w.findChild<QListWidget*>(QStringLiteral("candidateList"));
        QVERIFY(list);
        QCOMPARE(list->count(), 3);
        for (int i = 0; i < 3; ++i)
            QVERIFY2(list->item(i)->text().contains(
                         QString::number(double(r.candidates[std::size_t(i)].iou), 'f', 3)),
                     qPrintable(list->item(i)->text()));
        QCOMPARE(list->currentRow(), 0);
        QCOMPARE(doc->mask(), r.candidates[0].mask);
        list->setCurrentRow(2);
        QCOMPARE(doc->mask(), r.candidates[2].mask);
        QCOMPARE(doc->undoStack()->count(), 1);
        QCOMPARE(doc->currentModelResult().iou, r.candidates[2].iou);
        QCOMPARE(doc->currentModelResult().refined, false);

        // A right click adds a background point and asks again.
        QTest::mouseClick(canvas, Qt::RightButton, {},
                          canvas->imageToWidget(QPointF(10, 10)).toPoint());
        QCOMPARE(int(doc->prompts().points.size()), 2);
        QCOMPARE(doc->prompts().points[1].label, 0);
        QVERIFY(applied.wait(10000));
        QCOMPARE(doc->undoStack()->count(), 2);

        QTest::keyClick(&w, Qt::Key_R);
        QVERIFY(applied.wait(10000));
        QVERIFY(ready.last().at(0).value<MaskResponse>().refined);
        QVERIFY(doc->currentModelResult().refined);
        QCOMPARE(doc->undoStack()->count(), 3);
    }

    // The calibration tool: a line of known length gives mm per pixel for the measurements.
    void calibrationLineGivesMillimetres() {
        const QString path = m_dir.filePath(QStringLiteral("calibrate.png"));
        QVERIFY(sample(120, 90).save(path));
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, path));
        ImageDocument* doc = w.document();
        QVERIFY(!doc->hasSpacing());
        QImage mask(doc->size(), QImage::Format_Grayscale8);
        mask.fill(0);
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 10; ++x)
                mask.setPixel(x, y, 255);
        doc->undoStack()->push(new ModelResultCommand(doc, 1, mask, ModelResultInfo{}));
        QTRY_VERIFY(measurementText(w).startsWith(QStringLiteral("Area 100 px")));
        QVERIFY(!measurementText(w).contains(QStringLiteral("mm")));

        // The length dialog is answered here, not by the closer that cancels other boxes.
        m_closer.stop();
        QTimer answer;
        connect(&answer, &QTimer::timeout, this, [&answer] {
            if (auto* d = qobject_cast<QInputDialog*>(QApplication::activeModalWidget())) {
                d->setDoubleValue(4.0);
                d->accept();
                answer.stop();
            }
        });
        answer.start(10);
        ImageCanvas* canvas = w.canvas();
        canvas->setTool(CanvasTool::Calibrate);
        const QPoint a = canvas->imageToWidget(QPointF(20, 50)).toPoint();
        const QPoint b = canvas->imageToWidget(QPointF(100, 50)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, {}, a);
        QTest::mouseMove(canvas, b);
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, b);
        m_closer.start(50);
        QVERIFY(doc->isCalibrated());
        const double lineImagePx =
            QLineF(canvas->widgetToImage(a), canvas->widgetToImage(b)).length();
        QCOMPARE(doc->spacingRowMm(), 4.0 / lineImagePx);
        QCOMPARE(doc->spacingColMm(), 4.0 / lineImagePx);
        const double mm = 4.0 / lineImagePx;
        QVERIFY2(measurementText(w).contains(
                     QStringLiteral("(%1 mm², ").arg(QString::number(100 * mm * mm, 'f', 2))),
                 qPrintable(measurementText(w)));
        QVERIFY(measurementText(w).contains(QStringLiteral(", calibrated)")));
    }

    // Every shortcut is bound once (Pan and Show Heatmap both had H: neither fired), and the
    // single keys do what the menus say.
    void shortcutsAreUniqueAndWork() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QHash<QKeySequence, QString> seen;
        for (QAction* a : w.findChildren<QAction*>()) {
            for (const QKeySequence& k : a->shortcuts()) {
                QVERIFY2(!seen.contains(k),
                         qPrintable(k.toString() + QStringLiteral(": ") + seen.value(k) +
                                    QStringLiteral(" and ") + a->text()));
                seen.insert(k, a->text());
            }
        }
        QVERIFY(seen.size() > 20);
        auto* heatmap = w.findChild<QAction*>(QStringLiteral("showHeatmap"));
        QTest::keyClick(&w, Qt::Key_H);
        QVERIFY(heatmap->isChecked());
        QTest::keyClick(&w, Qt::Key_A);
        QCOMPARE(w.canvas()->tool(), CanvasTool::Pan);
        QTest::keyClick(&w, Qt::Key_P);
        QCOMPARE(w.canvas()->tool(), CanvasTool::Point);
        QVERIFY(w.canvas()->overlayVisible());
        QTest::keyClick(&w, Qt::Key_M);
        QVERIFY(!w.canvas()->overlayVisible());
        // [ and ]: the brush a quarter smaller or larger, at least one pixel, within 1..1000.
        auto* size = w.findChild<QSpinBox*>(QStringLiteral("brushSize"));
        QVERIFY(size);
        size->setValue(40);
        QTest::keyClick(&w, Qt::Key_BracketRight);
        QCOMPARE(w.canvas()->brushRadius(), 50.0);
        QTest::keyClick(&w, Qt::Key_BracketLeft);
        QTest::keyClick(&w, Qt::Key_BracketLeft);
        QCOMPARE(w.canvas()->brushRadius(), 29.0); // 50 - 12 - 9
        size->setValue(2);
        QTest::keyClick(&w, Qt::Key_BracketLeft);
        QTest::keyClick(&w, Qt::Key_BracketLeft);
        QCOMPARE(w.canvas()->brushRadius(), 1.0);
        size->setValue(990);
        QTest::keyClick(&w, Qt::Key_BracketRight);
        QCOMPARE(w.canvas()->brushRadius(), 1000.0);
    }

    // Edit > Auto Outline (O, and on the toolbar) outlines the lesion of a real ISIC image with
    // the built-in model and no prompt: one undo step, redone by a box like any result.
    void autoOutlineAction() {
        DERMSAM_REQUIRE_ISIC(isic);
        const QString path = m_dir.filePath(QStringLiteral("ISIC_0000017.jpg"));
        QVERIFY(QFile::exists(path) ||
                QFile::copy(isic + QStringLiteral("/images/ISIC_0000017.jpg"), path));
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        auto* action = w.findChild<QAction*>(QStringLiteral("autoAction"));
        QVERIFY(action);
        QVERIFY(!action->isEnabled()); // nothing to outline yet
        bool onToolbar = false;
        for (QToolBar* bar : w.findChildren<QToolBar*>())
            onToolbar = onToolbar || bar->actions().contains(action);
        QVERIFY(onToolbar);
        QSignalSpy loaded(w.inference(), &InferenceController::modelLoaded);
        w.loadModelFromSettings(); // the built-in default model
        QVERIFY(loaded.wait(60000));
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        w.openPath(path);
        QVERIFY(opened.wait(30000));
        QVERIFY(action->isEnabled());
        QSignalSpy applied(&w, &MainWindow::maskApplied);
        QTest::keyClick(&w, Qt::Key_O);
        QVERIFY(applied.wait(60000));
        ImageDocument* doc = w.document();
        QVERIFY(w.session()->lastResponse().automatic);
        QCOMPARE(doc->undoStack()->count(), 1);
        const QImage truth =
            test::readGrey(isic + QStringLiteral("/masks/ISIC_0000017_segmentation.png"));
        const double d = test::dice(doc->mask(), truth);
        QVERIFY2(d > 0.85, qPrintable(QString::number(d)));
        // H over the Auto mask: the heatmap explains the Auto decoder that made it, the same map
        // as asked of that decoder directly, not the mask decoder's.
        const MaskResponse result = w.session()->lastResponse();
        QCOMPARE(result.head, DecoderHead::Auto);
        auto* heatmapAction = w.findChild<QAction*>(QStringLiteral("showHeatmap"));
        QVERIFY(heatmapAction);
        if (heatmapAction->isChecked())
            heatmapAction->trigger();
        QSignalSpy heat(w.inference(), &InferenceController::heatmapReady);
        QTest::keyClick(&w, Qt::Key_H);
        QVERIFY(heat.wait(60000));
        const QImage shown = heat.at(0).at(0).value<HeatmapResponse>().heat;
        QVERIFY(!shown.isNull());
        for (DecoderHead head : {DecoderHead::Auto, DecoderHead::Main}) {
            heat.clear();
            w.inference()->requestHeatmap(doc->id(), result.prompts, QImage(), head);
            QVERIFY(heat.wait(60000));
            const QImage direct = heat.at(0).at(0).value<HeatmapResponse>().heat;
            QCOMPARE(direct == shown, head == DecoderHead::Auto);
        }
        heatmapAction->trigger(); // off again: the rest of the journey as before
        // The toolbar's action does the same, as a second result on top of the first.
        action->trigger();
        QVERIFY(applied.wait(60000));
        QCOMPARE(doc->undoStack()->count(), 2);
        w.session()->undoGroup()->undo();
        w.session()->undoGroup()->undo();
        QCOMPARE(test::countSet(doc->mask()), qint64{0});
    }

    // An image opened before the model is ready: the status bar says it waits, then, once the
    // model is in, what to do (it kept saying "Waiting for the model" after the model came).
    void statusBarFollowsTheModel() {
        const QString path = m_dir.filePath(QStringLiteral("early.png"));
        QVERIFY(sample(50, 40).save(path));
        MainWindow w;
        QVERIFY(openAndWait(w, path));
        QCOMPARE(w.statusBar()->currentMessage(),
                 QStringLiteral("Image opened. Waiting for the model..."));
        QVERIFY(useTinyModel(w));
        QCOMPARE(w.statusBar()->currentMessage(),
                 QStringLiteral("Drag a box around the lesion, or click points on it."));
    }

    // A message too long for the room beside the permanent read-outs takes the room of the
    // secondary ones (position, size, zoom, area) until it is cleared, so it is read whole; the
    // research-use notice and the model stay, and a short message moves nothing.
    void longStatusMessageIsShownWhole() {
        const QString path = m_dir.filePath(QStringLiteral("status.png"));
        QVERIFY(sample(640, 480).save(path));
        MainWindow w;
        w.resize(1150, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(useTinyModel(w));
        QVERIFY(openAndWait(w, path));
        QStatusBar* bar = w.statusBar();
        bar->clearMessage();
        auto label = [&](const char* name) { return bar->findChild<QLabel*>(name); };
        const QList<QLabel*> secondary{label("imageSize"), label("zoom"), label("measurement")};
        for (QLabel* l : secondary) {
            QVERIFY(l && !l->isHidden() && !l->text().isEmpty());
            QTRY_VERIFY(l->width() >= l->sizeHint().width()); // laid out with its text
        }
        // Where the first permanent widget starts: the message is painted left of it.
        const auto messageRoom = [&] {
            int left = bar->width();
            for (QWidget* child : bar->findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
                if (child->isVisible() && child->geometry().left() > 0)
                    left = std::min(left, child->geometry().left());
            return left;
        };
        const QString text = QStringLiteral("Lesion outlined automatically in 297 ms: accept it, "
                                            "edit it, or draw a box to redo it.");
        const int needed = bar->fontMetrics().horizontalAdvance(text);
        QVERIFY2(messageRoom() < needed, "the window is wide enough for the message anyway");

        bar->showMessage(text);
        QTRY_VERIFY2(messageRoom() > needed,
                     qPrintable(QStringLiteral("%1 px for %2").arg(messageRoom()).arg(needed)));
        QVERIFY(!label("researchUse")->isHidden());
        QVERIFY(!label("model")->isHidden());

        bar->clearMessage();
        for (QLabel* l : secondary)
            QVERIFY(!l->isHidden());
        bar->showMessage(QStringLiteral("Saved"));
        for (QLabel* l : secondary)
            QVERIFY(!l->isHidden());
        // A message that fits beside the read-outs leaves them (an estimate of the margins hid
        // them beside "Mask computed in 50 ms." with 20 px to spare).
        bar->clearMessage();
        QTRY_VERIFY(messageRoom() < needed);
        QString fits = QStringLiteral("Mask computed");
        while (bar->fontMetrics().horizontalAdvance(fits + QStringLiteral(" ok")) + 16 <
               messageRoom())
            fits += QStringLiteral(" ok");
        bar->showMessage(fits);
        for (QLabel* l : secondary)
            QVERIFY2(!l->isHidden(), qPrintable(fits));

        // A short message that came while the progress bar was up (a point decoded during the
        // next image's prefetch) gets the read-outs back when the bar goes, not 8 s later.
        InferenceController* inference = w.inference();
        Q_EMIT inference->progressChanged(true, InferenceStage::Encoding);
        // The shortest message that the bar's progress leaves no room for.
        QString message = QStringLiteral("Mask computed in 30 ms.");
        for (bar->showMessage(message); !label("zoom")->isHidden() && message.size() < 400;
             bar->showMessage(message))
            message += QStringLiteral(" ok");
        QVERIFY(label("zoom")->isHidden());
        Q_EMIT inference->progressChanged(false, InferenceStage::Idle);
        QCOMPARE(bar->currentMessage(), message);
        for (QLabel* l : secondary)
            QVERIFY(!l->isHidden());
    }

    // Drag and drop opens the file and it joins File > Open Recent; the status bar names the
    // model and its device.
    void dropRecentAndModelLabel() {
        const QString path = m_dir.filePath(QStringLiteral("dropped.png"));
        QVERIFY(sample(50, 40).save(path));
        MainWindow w;
        QVERIFY(useTinyModel(w));
        const QString label = w.findChild<QLabel*>(QStringLiteral("model"))->text();
        QVERIFY2(label.contains(QStringLiteral("tiny")) && label.contains(QStringLiteral("cpu")),
                 qPrintable(label));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QApplication::sendEvent(&w, &drop);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), path);
        QCOMPARE(w.settings().recentFiles.value(0), path);
        QMenu* recent = nullptr;
        for (QMenu* m : w.findChildren<QMenu*>())
            if (m->title() == QStringLiteral("Open &Recent"))
                recent = m;
        QVERIFY(recent);
        QVERIFY(!recent->actions().isEmpty());
        QCOMPARE(recent->actions().first()->text(), QDir::toNativeSeparators(path));
    }

    // Closing with an unsaved mask asks; Cancel keeps the window open.
    // A panel closed with its X comes back from View > Panels, the heatmap is in the View menu,
    // and the window's size and panels are as the user left them at the next start.
    void panelsFromTheViewMenuAndLayoutRemembered() {
        const QSize size(1000, 720);
        {
            MainWindow w;
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            auto* panels = w.findChild<QMenu*>(QStringLiteral("panelsMenu"));
            auto* heatDock = w.findChild<QDockWidget*>(QStringLiteral("heatmap"));
            QVERIFY(panels && heatDock);
            QMenu* view = nullptr;
            for (QAction* a : w.menuBar()->actions())
                if (a->menu() && a->menu()->actions().contains(panels->menuAction()))
                    view = a->menu();
            QVERIFY(view);
            QVERIFY(view->actions().contains(w.findChild<QAction*>(QStringLiteral("showHeatmap"))));

            QVERIFY(heatDock->close()); // its title bar's X
            QVERIFY(heatDock->isHidden());
            QAction* heatItem = nullptr;
            for (QAction* a : panels->actions())
                if (a->text() == heatDock->windowTitle())
                    heatItem = a;
            QVERIFY(heatItem);
            QVERIFY(!heatItem->isChecked());
            heatItem->trigger();
            QVERIFY(!heatDock->isHidden());
            QVERIFY(heatItem->isChecked());

            // Left closed this time, in a smaller window.
            heatItem->trigger();
            QVERIFY(heatDock->isHidden());
            w.resize(size);
            QTRY_COMPARE(w.size(), size);
            QVERIFY(w.close());
        }
        MainWindow again;
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.size(), size);
        QVERIFY(again.findChild<QDockWidget*>(QStringLiteral("heatmap"))->isHidden());
        QVERIFY(!again.findChild<QDockWidget*>(QStringLiteral("measurements"))->isHidden());
        QVERIFY(again.findChild<QDockWidget*>(QStringLiteral("worklist"))->isHidden());
        QSettings().remove(QStringLiteral("window")); // the other tests start from the default
    }

    void closeAsksAboutUnsavedMask() {
        const QString path = m_dir.filePath(QStringLiteral("closing.png"));
        QVERIFY(sample(50, 40).save(path));
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, path));
        QImage mask(w.document()->size(), QImage::Format_Grayscale8);
        mask.fill(255);
        w.document()->undoStack()->push(
            new ModelResultCommand(w.document(), 1, mask, ModelResultInfo{}));
        QVERIFY(w.windowTitle().contains(QStringLiteral("closing.png")));
        QVERIFY(w.isWindowModified());
        // The closer answers the question by closing it, which is Cancel.
        QVERIFY(!w.close());
        QVERIFY(w.isVisible());
        QVERIFY(w.document()->isModified());
        w.document()->undoStack()->setClean();
        QVERIFY(w.close());
    }

    void boxBrushUndo() {
        const QString path = m_dir.filePath(QStringLiteral("lesion.png"));
        QVERIFY(sample(120, 90).save(path));
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(useTinyModel(w));
        QVERIFY(openAndWait(w, path));
        ImageDocument* doc = w.document();
        ImageCanvas* canvas = w.canvas();
        canvas->setTool(CanvasTool::Box);
        const QPoint a = canvas->imageToWidget(QPointF(20, 15)).toPoint();
        const QPoint b = canvas->imageToWidget(QPointF(90, 70)).toPoint();
        QSignalSpy applied(&w, &MainWindow::maskApplied);
        QTest::mousePress(canvas, Qt::LeftButton, {}, a);
        QTest::mouseMove(canvas, (a + b) / 2);
        QTest::mouseMove(canvas, b);
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, b);
        QCOMPARE(int(doc->prompts().boxes.size()), 1);
        QVERIFY(applied.wait(10000));
        QCOMPARE(doc->undoStack()->count(), 1); // one model result = one step
        QVERIFY(doc->isModified());
        const QImage modelMask = doc->mask();

        // A brush stroke of several segments is one more step.
        canvas->setTool(CanvasTool::Brush);
        canvas->setBrushRadius(3);
        const QPoint s0 = canvas->imageToWidget(QPointF(10, 80)).toPoint();
        QTest::mousePress(canvas, Qt::LeftButton, {}, s0);
        for (int i = 1; i <= 5; ++i)
            QTest::mouseMove(canvas, canvas->imageToWidget(QPointF(10 + 15 * i, 80)).toPoint());
        QTest::mouseRelease(canvas, Qt::LeftButton, {},
                            canvas->imageToWidget(QPointF(85, 80)).toPoint());
        QCOMPARE(doc->undoStack()->count(), 2);
        QCOMPARE(doc->mask().pixelColor(40, 80).red(), 255);
        const QImage edited = doc->mask();

        QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(doc->mask(), modelMask);
        QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(doc->mask(), edited);

        // Esc clears the prompts and does not touch the mask.
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_Escape);
        QVERIFY(doc->prompts().empty());
        QCOMPARE(doc->mask(), edited);

        QVERIFY(w.saveCurrent());
        QVERIFY(!doc->isModified());
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("lesion_segmentation.png"))));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("lesion_segmentation.dcm"))));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
