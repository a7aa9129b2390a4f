// Protects the viewer: open formats off-thread, broken file, box -> mask, brush, undo/redo, save.
// labels: gui
#include "tiny_model.h"
#include "ui/image_canvas.h"
#include "ui/image_document.h"
#include "ui/inference_controller.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWidget>

#include <opencv2/imgcodecs.hpp>

using namespace dermsam;

namespace {
QImage sample(int w, int h) {
    QImage img(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.setPixelColor(x, y, QColor((x * 7) % 256, (y * 3) % 256, 90));
    return img;
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
        connect(&m_closer, &QTimer::timeout, this, [] {
            if (QWidget* w = QApplication::activeModalWidget())
                w->close();
        });
        m_closer.start(50);
    }

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
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        w.openPath(path);
        QVERIFY(opened.wait(10000));
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

    void boxBrushUndo() {
        const QString path = m_dir.filePath(QStringLiteral("lesion.png"));
        QVERIFY(sample(120, 90).save(path));
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy loaded(w.inference(), &InferenceController::modelLoaded);
        w.inference()->useModel(test::tinySamModel(), QStringLiteral("sam"),
                                QStringLiteral("tiny"));
        QVERIFY(loaded.wait(10000));
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        w.openPath(path);
        QVERIFY(opened.wait(10000));
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
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
