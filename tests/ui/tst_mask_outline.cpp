// Protects the mask outline the canvas draws: closed polygons through boundary-pixel centres,
// holes included, rows read with their stride.
// labels: unit
#include "ui/mask_outline.h"

#include <QTest>

using namespace dermsam;

namespace {

QImage maskOf(QSize size, const QList<QRect>& on, const QList<QRect>& off = {}) {
    QImage m(size, QImage::Format_Grayscale8);
    m.fill(0);
    for (const QRect& r : on)
        for (int y = r.top(); y <= r.bottom(); ++y)
            for (int x = r.left(); x <= r.right(); ++x)
                m.scanLine(y)[x] = 255;
    for (const QRect& r : off)
        for (int y = r.top(); y <= r.bottom(); ++y)
            for (int x = r.left(); x <= r.right(); ++x)
                m.scanLine(y)[x] = 0;
    return m;
}

// A disc of radius 180 centred in 500 x 400 (a boundary of many short edges).
QImage disc500x400() {
    QImage m(500, 400, QImage::Format_Grayscale8);
    for (int y = 0; y < m.height(); ++y)
        for (int x = 0; x < m.width(); ++x)
            m.scanLine(y)[x] = (x - 250) * (x - 250) + (y - 200) * (y - 200) <= 180 * 180;
    return m;
}

int subpaths(const QPainterPath& p) {
    int n = 0;
    for (int i = 0; i < p.elementCount(); ++i)
        n += p.elementAt(i).isMoveTo() ? 1 : 0;
    return n;
}

} // namespace

class TestMaskOutline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rectangles_data() {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<QRect>("rect");
        QTest::newRow("inside") << QSize(40, 30) << QRect(5, 4, 20, 10);
        // Width 37: rows are padded to 40 bytes, so the stride must be honoured.
        QTest::newRow("odd width, right edge") << QSize(37, 20) << QRect(30, 2, 7, 15);
        QTest::newRow("whole image") << QSize(9, 7) << QRect(0, 0, 9, 7);
        QTest::newRow("one row") << QSize(10, 10) << QRect(2, 5, 6, 1);
    }
    void rectangles() {
        QFETCH(QSize, size);
        QFETCH(QRect, rect);
        const QPainterPath p = maskOutline(maskOf(size, {rect}));
        QCOMPARE(subpaths(p), 1);
        // Through the centres of the first and last rows and columns.
        const QRectF expected(rect.left() + 0.5, rect.top() + 0.5, rect.width() - 1.0,
                              rect.height() - 1.0);
        QCOMPARE(p.boundingRect(), expected);
    }

    void holesAndSeparateParts() {
        // A ring (outer boundary + hole) and a separate square: three closed polygons.
        const QImage m =
            maskOf({60, 40}, {QRect(2, 2, 30, 30), QRect(40, 5, 10, 10)}, {QRect(10, 10, 8, 8)});
        const QPainterPath p = maskOutline(m);
        QCOMPARE(subpaths(p), 3);
        QCOMPARE(p.boundingRect(), QRectF(2.5, 2.5, 47, 29));
        // The hole's boundary runs through the ring pixels around it.
        bool aroundHole = false;
        for (int i = 0; i < p.elementCount(); ++i) {
            const QPointF e = p.elementAt(i);
            aroundHole |= e.x() >= 9 && e.x() <= 18.5 && e.y() >= 9 && e.y() <= 18.5;
        }
        QVERIFY(aroundHole);
    }

    // Zoomed out the canvas draws the outline simplified to half a screen pixel: far fewer
    // vertices, none of the boundary farther than the tolerance, the full one at tolerance 0.
    void simplifiedWithinTolerance() {
        const QImage m = disc500x400();
        MaskOutline outline;
        outline.trace(m);
        const QPainterPath full = outline.path(0.0);
        QCOMPARE(full, maskOutline(m));
        const double tolerance = 3.0;
        const QPainterPath simple = outline.path(tolerance);
        QCOMPARE(subpaths(simple), 1);
        QVERIFY2(
            simple.elementCount() * 4 < full.elementCount(),
            qPrintable(
                QString("%1 of %2 vertices").arg(simple.elementCount()).arg(full.elementCount())));
        const QPolygonF polygon = simple.toFillPolygon();
        double worst = 0;
        for (int i = 0; i < full.elementCount(); ++i) {
            const QPointF p = full.elementAt(i);
            double nearest = 1e9;
            for (int j = 0; j + 1 < polygon.size(); ++j) {
                const QLineF edge(polygon[j], polygon[j + 1]);
                const QPointF d = edge.p2() - edge.p1();
                const double len2 = d.x() * d.x() + d.y() * d.y();
                double t = len2 > 0 ? QPointF::dotProduct(p - edge.p1(), d) / len2 : 0;
                t = std::clamp(t, 0.0, 1.0);
                nearest = std::min(nearest, QLineF(p, edge.p1() + t * d).length());
            }
            worst = std::max(worst, nearest);
        }
        QVERIFY2(worst <= tolerance + 1e-9, qPrintable(QString::number(worst)));
        QCOMPARE(outline.path(0.0), full); // back to the whole outline
    }

    // Zoomed in, only the edges that cross the visible rectangle are drawn.
    void visibleEdgesOnly() {
        const QImage m = disc500x400();
        MaskOutline outline;
        outline.trace(m);
        const QPainterPath full = outline.path();
        const QRectF visible(300, 30, 40, 40); // over the disc's upper right edge
        const QPainterPath part = outline.path(0.0, visible);
        QVERIFY(!part.isEmpty());
        QVERIFY(part.elementCount() * 10 < full.elementCount());
        // Every edge kept crosses the rectangle; a disc's edges are at most a few pixels long.
        QVERIFY2(visible.adjusted(-8, -8, 8, 8).contains(part.boundingRect()),
                 qPrintable(QString("%1 %2 %3 %4")
                                .arg(part.boundingRect().x())
                                .arg(part.boundingRect().y())
                                .arg(part.boundingRect().width())
                                .arg(part.boundingRect().height())));
        // Nothing on screen: nothing drawn.
        QVERIFY(outline.path(0.0, QRectF(240, 190, 20, 20)).isEmpty());
    }

    void nothingToOutline() {
        QVERIFY(maskOutline(QImage()).isEmpty());
        QVERIFY(maskOutline(maskOf({20, 20}, {})).isEmpty());
        QVERIFY(maskOutline(maskOf({20, 20}, {QRect(5, 5, 1, 1)})).isEmpty()); // one pixel
        QImage rgb(20, 20, QImage::Format_RGB32);
        rgb.fill(Qt::white);
        QVERIFY(maskOutline(rgb).isEmpty()); // not a mask
    }
};

QTEST_GUILESS_MAIN(TestMaskOutline)
#include "tst_mask_outline.moc"
