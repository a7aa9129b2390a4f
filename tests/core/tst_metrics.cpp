// Protects the ISIC 2018 scorer metrics, the mask binarisation rule and HD95 (core/metrics).
// labels: unit
#include "core/core_error.h"
#include "core/mask_io.h"
#include "core/metrics.h"

#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace dermsam;

Q_DECLARE_METATYPE(cv::Mat)

namespace {

// Builds a mask from rows of '#' (lesion, value `on`) and '.' (background).
cv::Mat maskFrom(std::initializer_list<const char*> rows, uchar on = 255) {
    const int h = static_cast<int>(rows.size());
    const int w = static_cast<int>(std::strlen(*rows.begin()));
    cv::Mat m(h, w, CV_8UC1, cv::Scalar(0));
    int r = 0;
    for (const char* row : rows) {
        for (int c = 0; c < w; ++c)
            m.at<uchar>(r, c) = row[c] == '#' ? on : 0;
        ++r;
    }
    return m;
}

cv::Mat square(int size, int top, int left, int side) {
    cv::Mat m(size, size, CV_8UC1, cv::Scalar(0));
    m(cv::Rect(left, top, side, side)).setTo(255);
    return m;
}

bool near(double a, double b, double tol = 1e-12) {
    return std::fabs(a - b) <= tol;
}

} // namespace

class TstMetrics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void perImage_data();
    void perImage();
    void thresholdedJaccardBoundary();
    void binarisationRule_data();
    void binarisationRule();
    void sizeMismatchThrows();
    void hd95_data();
    void hd95();
    void hd95InMillimetres();
    void hd95MatchesAllPairs_data();
    void hd95MatchesAllPairs();
    void summary();
};

void TstMetrics::perImage_data() {
    QTest::addColumn<cv::Mat>("pred");
    QTest::addColumn<cv::Mat>("truth");
    QTest::addColumn<qlonglong>("tp");
    QTest::addColumn<qlonglong>("fp");
    QTest::addColumn<qlonglong>("fn");
    QTest::addColumn<qlonglong>("tn");
    QTest::addColumn<double>("sensitivity");
    QTest::addColumn<double>("specificity");
    QTest::addColumn<double>("jaccard");
    QTest::addColumn<double>("dice");
    QTest::addColumn<double>("thresholdedJaccard");

    // 4x4: prediction 6 pixels, truth 8, overlap 4 -> TP 4, FP 2, FN 4, TN 6.
    // sensitivity 4/8, specificity 6/8, Jaccard 4/10, Dice 8/14, thresholded 0 (0.4 < 0.65).
    const cv::Mat pred = maskFrom({"###.", "###.", "....", "...."});
    const cv::Mat truth2 = maskFrom({"##..", "##..", "##..", "##.."});
    // pred vs truth2: pred = rows 0-1 cols 0-2 (6 px); truth2 = cols 0-1 all rows (8 px);
    // overlap = rows 0-1 cols 0-1 = 4.
    QTest::newRow("overlap") << pred << truth2 << 4LL << 2LL << 4LL << 6LL << 0.5 << 0.75 << 0.4
                             << 8.0 / 14.0 << 0.0;
    // Identical: everything perfect.
    QTest::newRow("identical") << truth2 << truth2 << 8LL << 0LL << 0LL << 8LL << 1.0 << 1.0 << 1.0
                               << 1.0 << 1.0;
    // Empty prediction on empty truth scores 1 (the scorer's freebies).
    const cv::Mat empty = cv::Mat::zeros(4, 4, CV_8UC1);
    QTest::newRow("both empty") << empty << empty << 0LL << 0LL << 0LL << 16LL << 1.0 << 1.0 << 1.0
                                << 1.0 << 1.0;
    // Empty prediction, lesion present: sensitivity 0, specificity 1, Jaccard = Dice = 0.
    QTest::newRow("missed lesion")
        << empty << truth2 << 0LL << 0LL << 8LL << 8LL << 0.0 << 1.0 << 0.0 << 0.0 << 0.0;
    // Lesion predicted on empty truth: sensitivity is the scorer's freebie 1; Jaccard 0.
    QTest::newRow("false lesion") << truth2 << empty << 0LL << 8LL << 0LL << 8LL << 1.0 << 0.5
                                  << 0.0 << 0.0 << 0.0;
    // Truth covers the image: specificity undefined -> 1. Prediction 8 of 16: Jaccard 0.5.
    const cv::Mat full(4, 4, CV_8UC1, cv::Scalar(255));
    QTest::newRow("full truth") << truth2 << full << 8LL << 0LL << 8LL << 0LL << 0.5 << 1.0 << 0.5
                                << 16.0 / 24.0 << 0.0;
    // 0/1 masks mean the same as 0/255 masks.
    QTest::newRow("0/1 masks") << maskFrom({"###.", "###.", "....", "...."}, 1)
                               << maskFrom({"##..", "##..", "##..", "##.."}, 1) << 4LL << 2LL << 4LL
                               << 6LL << 0.5 << 0.75 << 0.4 << 8.0 / 14.0 << 0.0;
}

void TstMetrics::perImage() {
    QFETCH(cv::Mat, pred);
    QFETCH(cv::Mat, truth);
    const ImageMetrics m = computeImageMetrics(pred, truth);
    QTEST(qlonglong(m.counts.tp), "tp");
    QTEST(qlonglong(m.counts.fp), "fp");
    QTEST(qlonglong(m.counts.fn), "fn");
    QTEST(qlonglong(m.counts.tn), "tn");
    QFETCH(double, sensitivity);
    QFETCH(double, specificity);
    QFETCH(double, jaccard);
    QFETCH(double, dice);
    QFETCH(double, thresholdedJaccard);
    QVERIFY(near(m.sensitivity, sensitivity));
    QVERIFY(near(m.specificity, specificity));
    QVERIFY(near(m.jaccard, jaccard));
    QVERIFY(near(m.dice, dice));
    QVERIFY(near(m.thresholdedJaccard, thresholdedJaccard));
    const double total = double(m.counts.tp + m.counts.fp + m.counts.fn + m.counts.tn);
    QVERIFY(near(m.accuracy, (m.counts.tp + m.counts.tn) / total));
    QVERIFY(std::isnan(m.hd95Mm)); // no spacing given
}

void TstMetrics::thresholdedJaccardBoundary() {
    // TP 13, FP + FN 7: Jaccard exactly 0.65 is kept (>= 0.65); TP 12, FP 8 -> 0.6 -> 0.
    ConfusionCounts c;
    c.tp = 13;
    c.fp = 3;
    c.fn = 4;
    c.tn = 80;
    QVERIFY(near(metricsFromCounts(c).thresholdedJaccard, 0.65));
    c.tp = 12;
    c.fp = 4;
    c.fn = 4;
    QCOMPARE(metricsFromCounts(c).thresholdedJaccard, 0.0);
    QVERIFY(near(metricsFromCounts(c).jaccard, 0.6));
}

void TstMetrics::binarisationRule_data() {
    QTest::addColumn<cv::Mat>("values");
    QTest::addColumn<int>("rule");
    QTest::addColumn<int>("lesionPixels");
    cv::Mat multi = (cv::Mat_<uchar>(1, 5) << 0, 100, 128, 129, 255);
    // More than two levels: the ISIC scorer's > 128 -> 129 and 255.
    QTest::newRow("8-bit multi-level > 128") << multi << int(MaskValueRule::Auto) << 2;
    QTest::newRow("8-bit multi-level nonzero") << multi << int(MaskValueRule::NonZero) << 4;
    // Two levels {0, v}: non-zero whatever v (0/1 masks, 0/38 palette masks).
    QTest::newRow("two-level 0/1")
        << cv::Mat((cv::Mat_<uchar>(1, 4) << 0, 1, 1, 0)) << int(MaskValueRule::Auto) << 2;
    QTest::newRow("two-level 0/38")
        << cv::Mat((cv::Mat_<uchar>(1, 3) << 38, 0, 38)) << int(MaskValueRule::Auto) << 2;
    QTest::newRow("16-bit > 128*257") << cv::Mat((cv::Mat_<ushort>(1, 4) << 0, 32896, 32897, 65535))
                                      << int(MaskValueRule::Auto) << 2;
    QTest::newRow("float probabilities > 0.5")
        << cv::Mat((cv::Mat_<float>(1, 4) << 0.f, 0.25f, 0.5f, 0.75f)) << int(MaskValueRule::Auto)
        << 1;
    QTest::newRow("int32 labels nonzero")
        << cv::Mat((cv::Mat_<int>(1, 4) << 0, 1, 2, 3)) << int(MaskValueRule::Auto) << 3;
    cv::Mat colour(1, 2, CV_8UC3, cv::Scalar(0, 0, 0));
    colour.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 0, 255); // red in one channel only
    QTest::newRow("colour uses channel max") << colour << int(MaskValueRule::Auto) << 1;
}

void TstMetrics::binarisationRule() {
    QFETCH(cv::Mat, values);
    QFETCH(int, rule);
    QFETCH(int, lesionPixels);
    const cv::Mat b = binarizeMask(values, static_cast<MaskValueRule>(rule));
    QCOMPARE(b.type(), CV_8UC1);
    QCOMPARE(cv::countNonZero(b), lesionPixels);
    double lo = 0;
    double hi = 0;
    cv::minMaxLoc(b, &lo, &hi);
    QVERIFY(hi == 255 || lesionPixels == 0);
}

void TstMetrics::sizeMismatchThrows() {
    try {
        computeImageMetrics(cv::Mat::zeros(4, 4, CV_8UC1), cv::Mat::zeros(4, 5, CV_8UC1));
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::SizeMismatch);
    }
    QVERIFY_THROWS_EXCEPTION(CoreError, binarizeMask(cv::Mat()));
}

void TstMetrics::hd95_data() {
    QTest::addColumn<cv::Mat>("a");
    QTest::addColumn<cv::Mat>("b");
    QTest::addColumn<double>("spacingRow");
    QTest::addColumn<double>("spacingCol");
    QTest::addColumn<double>("expected");

    QTest::newRow("identical") << square(32, 10, 10, 10) << square(32, 10, 10, 10) << 1.0 << 1.0
                               << 0.0;
    // A = 10x10 square at rows/cols 10..19, B = 14x14 at 8..21 (A grown by 2 on every side).
    // A's 36 boundary pixels are all exactly 2 from B's ring -> P95(A->B) = 2.
    // B's 52 boundary pixels: per side 10 pixels at 2 (facing A's sides), the 8 pixels next
    // to the corners at sqrt(1^2 + 2^2) = sqrt 5 (e.g. (8,9) -> (10,10)), the 4 corners at
    // sqrt(2^2 + 2^2) = sqrt 8. Sorted: 40 x 2, 8 x sqrt5, 4 x sqrt8; the 95th percentile sits
    // at position 51 * 0.95 = 48.45, between entries 48 and 49, both sqrt 8.
    // HD95 = max(2, sqrt 8) = 2.828427... (MedPy's pooled percentile would give sqrt 5.)
    QTest::newRow("concentric squares")
        << square(32, 10, 10, 10) << square(32, 8, 8, 14) << 1.0 << 1.0 << std::sqrt(8.0);
    QTest::newRow("concentric squares, swapped")
        << square(32, 8, 8, 14) << square(32, 10, 10, 10) << 1.0 << 1.0 << std::sqrt(8.0);
    // Single pixels: the distance itself, scaled per axis.
    cv::Mat p55 = cv::Mat::zeros(16, 16, CV_8UC1);
    p55.at<uchar>(5, 5) = 1;
    cv::Mat p58 = cv::Mat::zeros(16, 16, CV_8UC1);
    p58.at<uchar>(5, 8) = 1;
    cv::Mat p85 = cv::Mat::zeros(16, 16, CV_8UC1);
    p85.at<uchar>(8, 5) = 1;
    QTest::newRow("3 columns apart, px") << p55 << p58 << 1.0 << 1.0 << 3.0;
    QTest::newRow("3 columns apart, col spacing 2") << p55 << p58 << 0.5 << 2.0 << 6.0;
    QTest::newRow("3 rows apart, row spacing 0.5") << p55 << p85 << 0.5 << 2.0 << 1.5;
    // (5,5) to (8,8) with row spacing 1 and col spacing 2: sqrt(3^2 + 6^2).
    cv::Mat p88 = cv::Mat::zeros(16, 16, CV_8UC1);
    p88.at<uchar>(8, 8) = 1;
    QTest::newRow("diagonal anisotropic") << p55 << p88 << 1.0 << 2.0 << std::sqrt(45.0);
    // Both empty -> 0; one empty -> NaN.
    const cv::Mat empty = cv::Mat::zeros(16, 16, CV_8UC1);
    QTest::newRow("both empty") << empty << empty << 1.0 << 1.0 << 0.0;
    QTest::newRow("one empty") << p55 << empty << 1.0 << 1.0 << std::nan("");
}

void TstMetrics::hd95() {
    QFETCH(cv::Mat, a);
    QFETCH(cv::Mat, b);
    QFETCH(double, spacingRow);
    QFETCH(double, spacingCol);
    QFETCH(double, expected);
    const double d = hausdorff95(a, b, spacingRow, spacingCol);
    if (std::isnan(expected))
        QVERIFY(std::isnan(d));
    else
        QVERIFY2(near(d, expected, 1e-9), qPrintable(QString::number(d, 'g', 17)));
}

void TstMetrics::hd95InMillimetres() {
    const ImageMetrics iso =
        computeImageMetrics(square(32, 10, 10, 10), square(32, 8, 8, 14), 0.5, 0.5);
    QVERIFY(near(iso.hd95Px, std::sqrt(8.0), 1e-9));
    QVERIFY(near(iso.hd95Mm, 0.5 * std::sqrt(8.0), 1e-9));
    // Anisotropic spacing is measured in mm directly, not scaled from pixels: A -> B is 2 rows
    // (0.2 mm) on top/bottom and 2 columns (0.6 mm) on the sides.
    const ImageMetrics aniso =
        computeImageMetrics(square(32, 10, 10, 10), square(32, 8, 8, 14), 0.1, 0.3);
    QVERIFY(aniso.hd95Mm > 0.6 - 1e-9 && aniso.hd95Mm < std::sqrt(0.2 * 0.2 + 0.6 * 0.6) + 1e-9);
}

void TstMetrics::hd95MatchesAllPairs_data() {
    QTest::addColumn<int>("seed");
    QTest::addColumn<double>("spacingRow");
    QTest::addColumn<double>("spacingCol");
    for (int seed = 1; seed <= 12; ++seed) {
        QTest::addRow("seed %d, pixels", seed) << seed << 1.0 << 1.0;
        QTest::addRow("seed %d, anisotropic", seed) << seed << 0.3 << 0.7;
    }
}

// The nearest-boundary search against the definition: every boundary pixel of each mask to
// every boundary pixel of the other, numpy's linear percentile, the larger direction. Random
// blobs, some far from the rest (many empty grid cells between) and some touching the border.
void TstMetrics::hd95MatchesAllPairs() {
    QFETCH(int, seed);
    QFETCH(double, spacingRow);
    QFETCH(double, spacingCol);
    cv::RNG rng(static_cast<uint64_t>(seed));
    const auto blobs = [&rng] {
        cv::Mat m = cv::Mat::zeros(90, 140, CV_8UC1);
        const int n = rng.uniform(1, 5);
        for (int i = 0; i < n; ++i) {
            const cv::Point c(rng.uniform(0, 140), rng.uniform(0, 90));
            if (rng.uniform(0, 2))
                cv::circle(m, c, rng.uniform(1, 25), 255, cv::FILLED);
            else
                cv::rectangle(m, cv::Rect(c, cv::Size(rng.uniform(1, 40), rng.uniform(1, 30))), 255,
                              cv::FILLED);
        }
        return m;
    };
    const cv::Mat a = blobs(), b = blobs();
    const auto boundary = [](const cv::Mat& m) {
        std::vector<cv::Point> out;
        for (int r = 0; r < m.rows; ++r)
            for (int c = 0; c < m.cols; ++c) {
                const auto in = [&m](int y, int x) {
                    return y >= 0 && y < m.rows && x >= 0 && x < m.cols && m.at<uchar>(y, x);
                };
                if (in(r, c) && !(in(r - 1, c) && in(r + 1, c) && in(r, c - 1) && in(r, c + 1)))
                    out.emplace_back(c, r);
            }
        return out;
    };
    const auto directed = [&](const std::vector<cv::Point>& from,
                              const std::vector<cv::Point>& to) {
        std::vector<double> d;
        for (const cv::Point& p : from) {
            double best = std::numeric_limits<double>::infinity();
            for (const cv::Point& q : to)
                best =
                    std::min(best, std::hypot((p.y - q.y) * spacingRow, (p.x - q.x) * spacingCol));
            d.push_back(best);
        }
        std::sort(d.begin(), d.end());
        const double pos = 0.95 * double(d.size() - 1);
        const size_t lo = static_cast<size_t>(std::floor(pos));
        const size_t hi = std::min(lo + 1, d.size() - 1);
        return d[lo] + (pos - double(lo)) * (d[hi] - d[lo]);
    };
    const std::vector<cv::Point> ba = boundary(a), bb = boundary(b);
    const double expected = std::max(directed(ba, bb), directed(bb, ba));
    const double got = hausdorff95(a, b, spacingRow, spacingCol);
    QVERIFY2(near(got, expected, 1e-9),
             qPrintable(QString("%1 vs %2").arg(got, 0, 'g', 17).arg(expected, 0, 'g', 17)));
}

void TstMetrics::summary() {
    // Dice {0.5, 0.7, 0.9}: mean 0.7, SD sqrt(((0.2)^2 + 0 + 0.2^2) / 2) = 0.2.
    const MetricSummary s = summarizeMetric({0.5, 0.7, std::nan(""), 0.9}, 2000, 1);
    QCOMPARE(s.n, 3);
    QCOMPARE(s.missing, 1);
    QVERIFY(near(s.mean, 0.7));
    QVERIFY(near(s.sd, 0.2));
    QVERIFY(near(s.median, 0.7));
    QVERIFY(s.ciLow >= 0.5 && s.ciLow <= 0.7 && s.ciHigh >= 0.7 && s.ciHigh <= 0.9);
    const MetricSummary none = summarizeMetric({});
    QCOMPARE(none.n, 0);
    QVERIFY(std::isnan(none.mean));

    std::vector<ImageMetrics> perImage(2);
    perImage[0].dice = 1.0;
    perImage[1].dice = 0.5;
    perImage[0].hd95Mm = std::nan("");
    perImage[1].hd95Mm = 2.0;
    const MetricsReport r = summarizeImages(perImage, 500, 3);
    QCOMPARE(r.images, 2);
    QVERIFY(near(r.dice.mean, 0.75));
    QCOMPARE(r.hd95Mm.n, 1);
    QCOMPARE(r.hd95Mm.mean, 2.0);
}

QTEST_GUILESS_MAIN(TstMetrics)
#include "tst_metrics.moc"
