// Protects mask editing: one undo step per stroke and per model result; mask measurements.
// labels: gui
#include "ui/session/image_document.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_measurements.h"

#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace dermsam;

namespace {
qint64 countOn(const QImage& m) {
    qint64 n = 0;
    for (int y = 0; y < m.height(); ++y)
        for (int x = 0; x < m.width(); ++x)
            n += m.constScanLine(y)[x] ? 1 : 0;
    return n;
}
QImage blankRgb(int w, int h) {
    QImage img(w, h, QImage::Format_RGB888);
    img.fill(Qt::gray);
    return img;
}
QImage rectMask(QSize size, QRect r) {
    QImage m(size, QImage::Format_Grayscale8);
    m.fill(0);
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x)
            m.scanLine(y)[x] = 255;
    return m;
}
} // namespace

class TestMaskEditing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void strokeIsOneUndoStep() {
        ImageDocument doc(1, QStringLiteral("a.png"), blankRgb(100, 80));
        QUndoStack* s = doc.undoStack();
        const QPointF pts[] = {{10, 10}, {30, 12}, {50, 40}, {70, 60}};
        for (int i = 0; i + 1 < 4; ++i)
            s->push(new BrushStrokeCommand(&doc, 1, pts[i], pts[i + 1], 4, false));
        QCOMPARE(s->count(), 1);
        QVERIFY(doc.isModified());
        const QImage painted = doc.mask();
        const qint64 on = countOn(painted);
        QVERIFY(on > 200);
        s->undo();
        QCOMPARE(countOn(doc.mask()), qint64(0));
        QVERIFY(!doc.isModified());
        s->redo();
        QCOMPARE(doc.mask(), painted);
        // A second stroke is a second step; the eraser removes pixels.
        s->push(new BrushStrokeCommand(&doc, 2, {30, 12}, {30, 12}, 6, true));
        QCOMPARE(s->count(), 2);
        QVERIFY(countOn(doc.mask()) < on);
        QVERIFY(doc.editedSinceModel());
        s->undo();
        QCOMPARE(doc.mask(), painted);
    }

    void mergedStrokeRestoresOverlaps() {
        // Segments that overlap and cross earlier pixels must undo to the state before.
        ImageDocument doc(1, QStringLiteral("a.png"), blankRgb(60, 60));
        doc.setMask(rectMask(QSize(60, 60), QRect(20, 20, 10, 10)));
        const QImage before = doc.mask();
        QUndoStack* s = doc.undoStack();
        s->push(new BrushStrokeCommand(&doc, 5, {0, 0}, {25, 25}, 3, true));
        s->push(new BrushStrokeCommand(&doc, 5, {25, 25}, {59, 5}, 3, true));
        s->push(new BrushStrokeCommand(&doc, 5, {59, 5}, {22, 22}, 5, false));
        QCOMPARE(s->count(), 1);
        const QImage after = doc.mask();
        s->undo();
        QCOMPARE(doc.mask(), before);
        s->redo();
        QCOMPARE(doc.mask(), after);
    }

    void modelResultIsOneUndoStep() {
        ImageDocument doc(1, QStringLiteral("a.png"), blankRgb(40, 30));
        QUndoStack* s = doc.undoStack();
        ModelResultInfo info;
        info.valid = true;
        info.iou = 0.9f;
        const QImage m1 = rectMask(QSize(40, 30), QRect(5, 5, 10, 10));
        s->push(new ModelResultCommand(&doc, 11, m1, info));
        QCOMPARE(s->count(), 1);
        QCOMPARE(doc.mask(), m1);
        QCOMPARE(doc.currentModelResult().iou, 0.9f);
        QVERIFY(!doc.editedSinceModel());
        // Picking another candidate of the same result stays one step.
        const QImage m2 = rectMask(QSize(40, 30), QRect(0, 0, 20, 20));
        info.iou = 0.7f;
        s->push(new ModelResultCommand(&doc, 11, m2, info));
        QCOMPARE(s->count(), 1);
        QCOMPARE(doc.mask(), m2);
        QCOMPARE(doc.currentModelResult().iou, 0.7f);
        // A brush edit after it, then undo both.
        s->push(new BrushStrokeCommand(&doc, 1, {30, 20}, {35, 25}, 2, false));
        QVERIFY(doc.editedSinceModel());
        s->undo();
        QCOMPARE(doc.mask(), m2);
        s->undo();
        QCOMPARE(countOn(doc.mask()), qint64(0));
        QVERIFY(!doc.currentModelResult().valid);
        s->redo();
        QCOMPARE(doc.mask(), m2);
    }

    // Model results are kept packed in the history: every state comes back exactly, undone to
    // the start and redone to the end, on a photo-sized mask.
    void longHistoryRestoresEveryMask() {
        const QSize size(3000, 2000);
        ImageDocument doc(1, QStringLiteral("a.png"), blankRgb(size.width(), size.height()));
        QUndoStack* s = doc.undoStack();
        std::vector<QImage> states{doc.mask().copy()};
        for (int i = 0; i < 5; ++i) {
            s->push(new ModelResultCommand(&doc, 20 + i,
                                           rectMask(size, QRect(100 * i, 50 * i, 1500, 900 + i)),
                                           ModelResultInfo{}));
            states.push_back(doc.mask().copy());
            if (i == 2) { // a stroke of several segments between results, around the lesion
                const QPointF path[] = {{10, 10}, {2900, 40}, {2950, 1900}, {60, 1950}, {30, 30}};
                auto* stroke = new BrushStrokeCommand(&doc, 7, path[0], path[1], 40, false);
                s->push(stroke); // the later segments merge into it
                for (int k = 1; k + 1 < 5; ++k)
                    s->push(new BrushStrokeCommand(&doc, 7, path[k], path[k + 1], 40, false));
                QVERIFY(!stroke->packed());
                stroke->finish(); // as the canvas does on release
                QVERIFY(stroke->packed());
                states.push_back(doc.mask().copy());
            }
        }
        QCOMPARE(s->count(), int(states.size()) - 1);
        for (int i = int(states.size()) - 2; i >= 0; --i) {
            s->undo();
            QVERIFY2(doc.mask() == states[size_t(i)], qPrintable(QString::number(i)));
        }
        for (size_t i = 1; i < states.size(); ++i) {
            s->redo();
            QVERIFY2(doc.mask() == states[i], qPrintable(QString::number(i)));
        }
    }

    void maskChangedSignalled() {
        ImageDocument doc(1, QStringLiteral("a.png"), blankRgb(40, 30));
        QSignalSpy changed(&doc, &ImageDocument::maskChanged);
        doc.undoStack()->push(new BrushStrokeCommand(&doc, 1, {10, 10}, {12, 10}, 2, false));
        QCOMPARE(changed.count(), 1);
        const QRect r = changed.at(0).at(0).toRect();
        QVERIFY(r.contains(QPoint(10, 10)));
        QVERIFY(!r.contains(QPoint(30, 25)));
    }

    void measurements_data() {
        QTest::addColumn<QRect>("rect");
        QTest::addColumn<qint64>("area");
        QTest::addColumn<double>("diameter");
        QTest::newRow("single pixel") << QRect(3, 3, 1, 1) << qint64(1) << 0.0;
        QTest::newRow("row") << QRect(0, 0, 10, 1) << qint64(10) << 9.0;
        QTest::newRow("3x4 rectangle") << QRect(2, 2, 4, 5) << qint64(20) << 5.0;
        QTest::newRow("empty") << QRect() << qint64(0) << 0.0;
        QTest::newRow("whole row") << QRect(0, 7, 20, 1) << qint64(20) << 19.0;
        QTest::newRow("last column") << QRect(19, 0, 1, 20) << qint64(20) << 19.0;
    }
    void measurements() {
        QFETCH(QRect, rect);
        QFETCH(qint64, area);
        QFETCH(double, diameter);
        const MaskMeasurements m = measureMask(rectMask(QSize(20, 20), rect));
        QCOMPARE(m.areaPx, area);
        QVERIFY(qAbs(m.maxDiameterPx - diameter) < 1e-9);
    }

    // Non-square pixels: the diameter in mm is measured in mm, not px times a mean spacing.
    void measuresMillimetresWithAnisotropicSpacing_data() {
        QTest::addColumn<QRect>("rect");
        QTest::addColumn<double>("mm");
        QTest::newRow("row of 10") << QRect(0, 0, 10, 1) << 9 * 0.2;
        QTest::newRow("column of 10") << QRect(0, 0, 1, 10) << 9 * 0.1;
        QTest::newRow("3x4 rectangle") << QRect(2, 2, 4, 5) << std::hypot(3 * 0.2, 4 * 0.1);
        QTest::newRow("single pixel") << QRect(3, 3, 1, 1) << 0.0;
    }
    void measuresMillimetresWithAnisotropicSpacing() {
        QFETCH(QRect, rect);
        QFETCH(double, mm);
        const QImage mask = rectMask(QSize(20, 20), rect);
        const MaskMeasurements m = measureMask(mask, 0.1, 0.2);
        QVERIFY2(qAbs(m.maxDiameterMm - mm) < 1e-9, qPrintable(QString::number(m.maxDiameterMm)));
        QCOMPARE(m.maxDiameterPx, measureMask(mask).maxDiameterPx);
        QCOMPARE(measureMask(mask).maxDiameterMm, 0.0);
    }

    void measuresDisc() {
        QImage m(101, 101, QImage::Format_Grayscale8);
        m.fill(0);
        paintCapsule(m, {50.5, 50.5}, {50.5, 50.5}, 30, 255);
        const MaskMeasurements mm = measureMask(m);
        QVERIFY(qAbs(mm.areaPx - 2827) < 60); // pi * 30^2
        QVERIFY(mm.maxDiameterPx > 57 && mm.maxDiameterPx < 61);
    }
};

QTEST_MAIN(TestMaskEditing)
#include "tst_mask_editing.moc"
