// Protects the undo history's packed masks: exact round trips, and the memory they save.
// labels: unit
#include "ui/session/packed_mask.h"

#include <QRandomGenerator>
#include <QTest>

using namespace dermsam;

namespace {

QImage disc(int w, int h, int r) {
    QImage m(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            m.scanLine(y)[x] =
                (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) <= r * r ? 255 : 0;
    return m;
}

} // namespace

class TestPackedMask : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data() {
        QTest::addColumn<QImage>("mask");
        QTest::newRow("disc, odd width") << disc(301, 200, 80);
        QImage empty(37, 11, QImage::Format_Grayscale8);
        empty.fill(0);
        QTest::newRow("empty") << empty;
        QImage full(16, 9, QImage::Format_Grayscale8);
        full.fill(255);
        QTest::newRow("full") << full;
        // Values other than 0/255 and runs ending exactly at row ends.
        QImage stripes(24, 6, QImage::Format_Grayscale8);
        for (int y = 0; y < 6; ++y)
            for (int x = 0; x < 24; ++x)
                stripes.scanLine(y)[x] = static_cast<uchar>(x < 8 ? 0 : x < 16 ? 7 : 200 + y);
        QTest::newRow("stripes") << stripes;
        QImage noise(64, 48, QImage::Format_Grayscale8);
        QRandomGenerator rng(3);
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64; ++x)
                noise.scanLine(y)[x] = rng.bounded(2) ? 255 : 0;
        QTest::newRow("noise (kept as pixels)") << noise;
        QTest::newRow("one pixel") << disc(1, 1, 0);
    }
    void roundTrip() {
        QFETCH(QImage, mask);
        const PackedMask packed(mask);
        QCOMPARE(packed.size(), mask.size());
        const QImage back = packed.unpack();
        QCOMPARE(back.format(), QImage::Format_Grayscale8);
        QCOMPARE(back, mask);
    }

    void savesMemoryOnLesions() {
        // A lesion on a 3000 x 2000 photo: 6 MB of pixels, a few kilobytes of runs.
        const QImage m = disc(3000, 2000, 700);
        const PackedMask packed(m);
        QVERIFY2(packed.bytes() < 64 * 1024, qPrintable(QString::number(packed.bytes())));
        QCOMPARE(packed.unpack(), m);
    }

    void keepsItsOwnPixels() {
        // The pixels kept for a noisy mask must not change when the mask is edited later.
        QImage noise(64, 48, QImage::Format_Grayscale8);
        QRandomGenerator rng(9);
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64; ++x)
                noise.scanLine(y)[x] = rng.bounded(2) ? 255 : 0;
        const QImage original = noise.copy();
        const PackedMask packed(noise);
        noise.fill(0);
        QCOMPARE(packed.unpack(), original);
    }

    void nullMask() {
        const PackedMask packed{QImage()};
        QVERIFY(packed.isNull());
        QVERIFY(packed.unpack().isNull());
    }
};

QTEST_GUILESS_MAIN(TestPackedMask)
#include "tst_packed_mask.moc"
