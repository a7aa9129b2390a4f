// Protects the pointing game: hits, misses, the 15 px tolerance band (d^2 < 225), resolution.
// labels: unit
#include "core/core_error.h"
#include "core/pointing_game.h"

#include <opencv2/core.hpp>

#include <QTest>

using namespace dermsam;

namespace {

// A heatmap with its single maximum at (x, y).
cv::Mat peakAt(int w, int h, int x, int y) {
    cv::Mat m(h, w, CV_32F, cv::Scalar(0.1f));
    m.at<float>(y, x) = 1.0f;
    return m;
}

// Ground truth: a filled rectangle [x0, x1] x [y0, y1].
cv::Mat lesion(int w, int h, int x0, int y0, int x1, int y1) {
    cv::Mat m(h, w, CV_8U, cv::Scalar(0));
    m(cv::Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1)).setTo(255);
    return m;
}

} // namespace

class TestPointingGame : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void insideIsHit() {
        const auto o = pointingGame(peakAt(100, 80, 50, 40), lesion(100, 80, 40, 30, 60, 50));
        QVERIFY(o.evaluated);
        QVERIFY(o.hit);
        QCOMPARE(o.peakX, 50);
        QCOMPARE(o.peakY, 40);
    }
    void toleranceBand_data() {
        QTest::addColumn<int>("px");
        QTest::addColumn<int>("py");
        QTest::addColumn<bool>("hit");
        // Lesion occupies x in [40, 60], y in [30, 50]; peaks to its right on row 40.
        QTest::newRow("14 px right") << 74 << 40 << true;
        QTest::newRow("15 px right: d^2 = 225, not < 225") << 75 << 40 << false;
        QTest::newRow("30 px right") << 90 << 40 << false;
        // Diagonal from the corner (60, 50): (10, 11) -> 221 < 225; (11, 11) -> 242.
        QTest::newRow("diagonal 10,11") << 70 << 61 << true;
        QTest::newRow("diagonal 11,11") << 71 << 61 << false;
        QTest::newRow("far corner") << 0 << 0 << false;
    }
    void toleranceBand() {
        QFETCH(int, px);
        QFETCH(int, py);
        QFETCH(bool, hit);
        const auto o = pointingGame(peakAt(100, 80, px, py), lesion(100, 80, 40, 30, 60, 50));
        QVERIFY(o.evaluated);
        QCOMPARE(o.hit, hit);
        QCOMPARE(o.peakX, px);
        QCOMPARE(o.peakY, py);
    }
    void customTolerance() {
        const cv::Mat gt = lesion(100, 80, 40, 30, 60, 50);
        QVERIFY(!pointingGame(peakAt(100, 80, 61, 40), gt, 0).hit);
        QVERIFY(pointingGame(peakAt(100, 80, 60, 40), gt, 0).hit);
        QVERIFY(pointingGame(peakAt(100, 80, 61, 40), gt, 2).hit);
    }
    void computedAtGroundTruthResolution() {
        // Heatmap at half resolution: its peak cell (30, 20) maps near (60..61, 40..41) of the
        // 200 x 160 ground truth; the lesion [80, 120] x [60, 100] is 20 px away: a miss, but
        // a hit for a lesion starting at x = 70.
        cv::Mat heat(80, 100, CV_32F, cv::Scalar(0.0f));
        heat.at<float>(20, 30) = 1.0f;
        const auto miss = pointingGame(heat, lesion(200, 160, 80, 60, 120, 100));
        QVERIFY(miss.evaluated);
        QVERIFY(!miss.hit);
        QVERIFY(std::abs(miss.peakX - 60.5) <= 1.0);
        QVERIFY(std::abs(miss.peakY - 40.5) <= 1.0);
        QVERIFY(pointingGame(heat, lesion(200, 160, 70, 30, 120, 100)).hit);
    }
    void ties() {
        // A flat heatmap points at the first pixel (numpy argmax order).
        const cv::Mat flat(50, 60, CV_32F, cv::Scalar(0.5f));
        const auto o = pointingGame(flat, lesion(60, 50, 30, 20, 40, 30));
        QCOMPARE(o.peakX, 0);
        QCOMPARE(o.peakY, 0);
        QVERIFY(!o.hit);
    }
    void emptyGroundTruthSkipped() {
        const auto o = pointingGame(peakAt(40, 40, 5, 5), cv::Mat(40, 40, CV_8U, cv::Scalar(0)));
        QVERIFY(!o.evaluated);
        QVERIFY(!o.hit);
        QVERIFY_THROWS_EXCEPTION(CoreError, pointingGame(cv::Mat(), cv::Mat(4, 4, CV_8U)));
        QVERIFY_THROWS_EXCEPTION(CoreError,
                                 pointingGame(cv::Mat(4, 4, CV_32FC3), cv::Mat(4, 4, CV_8U)));
    }
    void summary() {
        std::vector<PointingImage> images(5);
        images[0].outcome = {true, true, 0, 0};
        images[1].outcome = {true, false, 0, 0};
        images[2].outcome = {true, true, 0, 0};
        images[3].outcome = {false, false, 0, 0};
        images[4].outcome = {true, true, 0, 0};
        const PointingSummary s = summarisePointing(images);
        QCOMPARE(s.n, 4);
        QCOMPARE(s.hits, 3);
        QCOMPARE(s.skipped, 1);
        QCOMPARE(s.accuracy, 0.75);
        QCOMPARE(summarisePointing({}).accuracy, 0.0);
        QVERIFY(pointingGameVariant().find("15 px") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestPointingGame)
#include "tst_pointing_game.moc"
