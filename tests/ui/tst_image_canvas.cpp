// Protects the canvas geometry: fit, wheel zoom about the cursor, 1:1 on high-DPI, pan, cursor.
// labels: gui
#include "ui/image_canvas.h"
#include "ui/session/image_document.h"
#include "ui/session/mask_commands.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>
#include <QWheelEvent>

using namespace dermsam;

namespace {

void wheel(QWidget* w, QPointF at, int delta) {
    QWheelEvent e(at, w->mapToGlobal(at), QPoint(), QPoint(0, delta), Qt::NoButton, Qt::NoModifier,
                  Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &e);
}

bool nearPoint(QPointF a, QPointF b, double tolerance = 1e-6) {
    return std::abs(a.x() - b.x()) <= tolerance && std::abs(a.y() - b.y()) <= tolerance;
}

} // namespace

class TestImageCanvas : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<ImageDocument> m_doc;
    std::unique_ptr<ImageCanvas> m_canvas;

private Q_SLOTS:
    void init() {
        QImage img(200, 100, QImage::Format_RGB888);
        img.fill(Qt::gray);
        m_doc = std::make_unique<ImageDocument>(1, QStringLiteral("x.png"), img);
        m_canvas = std::make_unique<ImageCanvas>();
        m_canvas->resize(400, 400);
        m_canvas->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_canvas.get()));
        m_canvas->setDocument(m_doc.get());
    }
    void cleanup() {
        m_canvas.reset();
        m_doc.reset();
    }

    void fitsAndCentres() {
        // 200 x 100 in 400 x 400: width limits, scale 2, centred vertically.
        QCOMPARE(m_canvas->scale(), 2.0);
        QVERIFY(nearPoint(m_canvas->imageToWidget({0, 0}), {0, 100}));
        QVERIFY(nearPoint(m_canvas->imageToWidget({200, 100}), {400, 300}));
        m_canvas->resize(300, 600); // still fitted: follows the size
        QCOMPARE(m_canvas->scale(), 1.5);
        QVERIFY(nearPoint(m_canvas->imageToWidget({0, 0}), {0, 225}));
    }

    void wheelZoomKeepsPointUnderCursor() {
        const QPointF at(130, 170);
        const QPointF under = m_canvas->widgetToImage(at);
        QSignalSpy zoomed(m_canvas.get(), &ImageCanvas::zoomChanged);
        wheel(m_canvas.get(), at, 120);
        QCOMPARE(m_canvas->scale(), 2.5);
        QVERIFY(nearPoint(m_canvas->imageToWidget(under), at));
        wheel(m_canvas.get(), at, -240);
        QVERIFY(std::abs(m_canvas->scale() - 2.0 / 1.25) < 1e-12);
        QVERIFY(nearPoint(m_canvas->imageToWidget(under), at));
        QCOMPARE(zoomed.count(), 2);
        m_canvas->resize(500, 500); // zoomed by hand: a resize no longer refits
        QVERIFY(std::abs(m_canvas->scale() - 2.0 / 1.25) < 1e-12);
    }

    // 1:1 means one image pixel per device pixel: at a device pixel ratio of 2 that is half a
    // logical pixel (main() runs this test at QT_SCALE_FACTOR=2).
    void actualPixelsIsPerDevicePixel() {
        QCOMPARE(m_canvas->devicePixelRatioF(), 2.0);
        const QPointF centre(m_canvas->width() / 2.0, m_canvas->height() / 2.0);
        const QPointF under = m_canvas->widgetToImage(centre);
        m_canvas->zoomActualPixels();
        QCOMPARE(m_canvas->scale(), 0.5);
        QVERIFY(nearPoint(m_canvas->imageToWidget(under), centre));
        m_canvas->zoomToFit();
        QCOMPARE(m_canvas->scale(), 2.0);
    }

    void panWithMiddleButtonSpaceOrTool() {
        const QPointF origin = m_canvas->imageToWidget({0, 0});
        QTest::mousePress(m_canvas.get(), Qt::MiddleButton, {}, QPoint(100, 100));
        QTest::mouseMove(m_canvas.get(), QPoint(130, 120));
        QTest::mouseRelease(m_canvas.get(), Qt::MiddleButton, {}, QPoint(130, 120));
        QVERIFY(nearPoint(m_canvas->imageToWidget({0, 0}), origin + QPointF(30, 20)));

        m_canvas->setTool(CanvasTool::Pan);
        QTest::mousePress(m_canvas.get(), Qt::LeftButton, {}, QPoint(100, 100));
        QTest::mouseMove(m_canvas.get(), QPoint(90, 95));
        QTest::mouseRelease(m_canvas.get(), Qt::LeftButton, {}, QPoint(90, 95));
        QVERIFY(nearPoint(m_canvas->imageToWidget({0, 0}), origin + QPointF(20, 15)));

        // Space held: the box tool pans instead of drawing a box.
        m_canvas->setTool(CanvasTool::Box);
        m_canvas->setFocus();
        QTest::keyPress(m_canvas.get(), Qt::Key_Space);
        QTest::mousePress(m_canvas.get(), Qt::LeftButton, {}, QPoint(100, 100));
        QTest::mouseMove(m_canvas.get(), QPoint(100, 140));
        QTest::mouseRelease(m_canvas.get(), Qt::LeftButton, {}, QPoint(100, 140));
        QTest::keyRelease(m_canvas.get(), Qt::Key_Space);
        QVERIFY(nearPoint(m_canvas->imageToWidget({0, 0}), origin + QPointF(20, 55)));
        QVERIFY(m_doc->prompts().boxes.empty());
    }

    void cursorReportsImagePixels() {
        QSignalSpy moved(m_canvas.get(), &ImageCanvas::cursorMoved);
        // Scale 2, image at (0, 100): widget (51, 141) is image (25.5, 20.5) -> pixel (25, 20).
        // Sent directly: QTest's mouse helpers round through device pixels at this scale.
        move(QPointF(51, 141));
        QVERIFY(!moved.isEmpty());
        QCOMPARE(moved.last().at(0).toPoint(), QPoint(25, 20));
        QCOMPARE(moved.last().at(1).toBool(), true);
        move(QPointF(51, 50)); // above the image
        QCOMPARE(moved.last().at(1).toBool(), false);
    }

    // The overlay colours exactly the mask's pixels, and follows an edit of part of it.
    void overlayFillsOnlyTheMask() {
        QImage mask(200, 100, QImage::Format_Grayscale8);
        mask.fill(0);
        for (int y = 20; y < 60; ++y)
            memset(mask.scanLine(y) + 30, 255, 101); // x 30..130, odd width
        m_doc->setMask(mask);
        m_canvas->setOverlayOpacity(1.0);
        m_canvas->setContourVisible(false);
        const auto colourAt = [this](QPointF imagePoint) {
            const QImage shot = m_canvas->grab().toImage();
            const QPointF at = m_canvas->imageToWidget(imagePoint) * shot.devicePixelRatio();
            return shot.pixelColor(at.toPoint());
        };
        const QColor grey(Qt::gray), overlay(0, 200, 255); // the document is Qt::gray
        QCOMPARE(colourAt({30.5, 20.5}), overlay);
        QCOMPARE(colourAt({130.5, 59.5}), overlay);
        QCOMPARE(colourAt({29.5, 40.5}), grey);
        QCOMPARE(colourAt({131.5, 40.5}), grey);
        QCOMPARE(colourAt({80.5, 60.5}), grey);
        QImage edited = mask;
        memset(edited.scanLine(40) + 30, 0, 50); // x 30..79 of one row cleared
        m_doc->setMask(edited);
        QCOMPARE(colourAt({60.5, 40.5}), grey);
        QCOMPARE(colourAt({80.5, 40.5}), overlay);
    }

    // A brush drag is one undo step whose pixels are packed once the button is released.
    void brushStrokePackedOnRelease() {
        m_canvas->setTool(CanvasTool::Brush);
        m_canvas->setBrushRadius(3);
        const QPoint a = m_canvas->imageToWidget({20, 20}).toPoint();
        const QPoint b = m_canvas->imageToWidget({120, 60}).toPoint();
        QTest::mousePress(m_canvas.get(), Qt::LeftButton, {}, a);
        for (int i = 1; i <= 10; ++i)
            QTest::mouseMove(m_canvas.get(), a + (b - a) * i / 10);
        QUndoStack* stack = m_doc->undoStack();
        QCOMPARE(stack->count(), 1);
        const auto* stroke = dynamic_cast<const BrushStrokeCommand*>(stack->command(0));
        QVERIFY(stroke);
        QVERIFY(!stroke->packed()); // still growing
        QTest::mouseRelease(m_canvas.get(), Qt::LeftButton, {}, b);
        QVERIFY(stroke->packed());
        const QImage painted = m_doc->mask().copy();
        QVERIFY(painted.pixelColor(70, 40).value() > 0); // on the stroke
        stack->undo();
        QCOMPARE(m_doc->mask().pixelColor(70, 40).value(), 0);
        stack->redo();
        QCOMPARE(m_doc->mask(), painted);
    }

    // A photo of several megapixels fitted into the window: the outline must stay a continuous
    // line along the lesion's edge (a one-pixel raster outline, scaled down to an eighth, fell
    // apart into scattered dots).
    void outlineContinuousWhenZoomedOut() {
        QImage photo(3000, 2000, QImage::Format_RGB888);
        photo.fill(QColor(128, 128, 128));
        ImageDocument doc(2, QStringLiteral("big.png"), photo);
        QImage mask(photo.size(), QImage::Format_Grayscale8);
        mask.fill(0);
        for (int y = 400; y < 1600; ++y)
            memset(mask.scanLine(y) + 500, 255, 2000);
        doc.setMask(mask);
        m_canvas->setDocument(&doc);
        m_canvas->setOverlayOpacity(0.0); // the outline alone
        QVERIFY(m_canvas->scale() < 0.2);
        const QImage shot = m_canvas->grab().toImage().convertToFormat(QImage::Format_RGB32);
        const double dpr = shot.devicePixelRatio();
        // The top edge, in device pixels of the grab, away from the corners.
        const QPointF left = m_canvas->imageToWidget({600.5, 400.5}) * dpr;
        const QPointF right = m_canvas->imageToWidget({2400.5, 400.5}) * dpr;
        int covered = 0, columns = 0;
        for (int x = qCeil(left.x()); x <= qFloor(right.x()); ++x, ++columns) {
            bool edge = false;
            for (int y = qFloor(left.y()) - 2; y <= qCeil(left.y()) + 2; ++y) {
                const QColor c = shot.pixelColor(x, y);
                edge |= c.blue() - c.red() > 60; // the edge's light cyan, not the grey
            }
            covered += edge ? 1 : 0;
        }
        QVERIFY(columns > 50);
        QCOMPARE(covered, columns);
        m_canvas->setDocument(m_doc.get());
    }

private:
    void move(QPointF at) {
        QMouseEvent e(QEvent::MouseMove, at, m_canvas->mapToGlobal(at), Qt::NoButton, Qt::NoButton,
                      Qt::NoModifier);
        QApplication::sendEvent(m_canvas.get(), &e);
    }
};

int main(int argc, char** argv) {
    // High-DPI: a device pixel ratio of 2, so 1:1 zoom and fitting are checked in logical units.
    qputenv("QT_SCALE_FACTOR", "2");
    QApplication app(argc, argv);
    TestImageCanvas t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_image_canvas.moc"
