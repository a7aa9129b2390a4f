// Protects the paired Wilcoxon signed-rank test, percentiles and bootstrap CIs (core/statistics).
// labels: unit
#include "core/core_error.h"
#include "core/statistics.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace dermsam;

Q_DECLARE_METATYPE(std::vector<double>)

namespace {

// b = 0, so the differences are the a values themselves.
std::vector<double> zeros(size_t n) {
    return std::vector<double>(n, 0.0);
}

} // namespace

class TstStatistics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void percentileMatchesNumpy_data();
    void percentileMatchesNumpy();
    void meanAndSampleSd();
    void wilcoxonExact_data();
    void wilcoxonExact();
    void wilcoxonNormalApproximation_data();
    void wilcoxonNormalApproximation();
    void wilcoxonAllZero();
    void wilcoxonRejectsBadInput();
    void bootstrapIsSeededAndSane();
    void pairedMeanDifference();
};

void TstStatistics::percentileMatchesNumpy_data() {
    QTest::addColumn<std::vector<double>>("values");
    QTest::addColumn<double>("p");
    QTest::addColumn<double>("expected");
    // numpy.percentile(..., method="linear"): position (n - 1) p / 100, interpolated.
    QTest::newRow("95 of 1..4") << std::vector<double>{4, 1, 3, 2} << 95.0 << 3.85;
    QTest::newRow("median even") << std::vector<double>{10, 7, 4, 3, 2, 1} << 50.0 << 3.5;
    QTest::newRow("min") << std::vector<double>{5, 6} << 0.0 << 5.0;
    QTest::newRow("max") << std::vector<double>{5, 6} << 100.0 << 6.0;
    QTest::newRow("single") << std::vector<double>{7} << 95.0 << 7.0;
}

void TstStatistics::percentileMatchesNumpy() {
    QFETCH(std::vector<double>, values);
    QFETCH(double, p);
    QFETCH(double, expected);
    QVERIFY(std::fabs(percentile(values, p) - expected) < 1e-12);
}

void TstStatistics::meanAndSampleSd() {
    // {2,4,4,4,5,5,7,9}: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, SD = sqrt(32/7).
    const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
    QCOMPARE(mean(v), 5.0);
    QVERIFY(std::fabs(sampleStandardDeviation(v) - std::sqrt(32.0 / 7.0)) < 1e-12);
    QVERIFY(std::isnan(sampleStandardDeviation({1.0})));
    QVERIFY(std::isnan(mean({})));
}

void TstStatistics::wilcoxonExact_data() {
    QTest::addColumn<std::vector<double>>("diffs");
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("zeros");
    QTest::addColumn<double>("wPlus");
    QTest::addColumn<double>("p");

    // n = 5, all positive, ranks 1..5: W+ = 15. Only the all-positive sign pattern reaches 15,
    // P(W+ >= 15) = 1/32, two-sided p = 2/32.
    QTest::newRow("n5 all positive")
        << std::vector<double>{0.5, 1.5, 2.5, 3.5, 4.5} << 5 << 0 << 15.0 << 2.0 / 32.0;
    // d = {1,-2,3,4,5}: W+ = 1+3+4+5 = 13. W+ >= 13 <=> W- <= 2: negative sets {}, {1}, {2}
    // -> 3/32; two-sided p = 6/32.
    QTest::newRow("n5 one negative")
        << std::vector<double>{1, -2, 3, 4, 5} << 5 << 0 << 13.0 << 6.0 / 32.0;
    // Same with two zero differences, which are dropped (n = 5).
    QTest::newRow("zeros dropped")
        << std::vector<double>{0, 1, -2, 0, 3, 4, 5} << 5 << 2 << 13.0 << 6.0 / 32.0;
    // n = 10, negatives at ranks 1 and 7: W- = 8, W+ = 47. Subsets of 1..10 with sum <= 8:
    // 1+1+1+2+2+3+4+5+6 = 25 (sums 0..8), so P(W+ >= 47) = 25/1024, p = 50/1024 (the
    // tabulated critical value T = 8 for n = 10 at two-sided 0.05).
    QTest::newRow("n10 table") << std::vector<double>{-1, 2, 3, 4, 5, 6, -7, 8, 9, 10} << 10 << 0
                               << 47.0 << 50.0 / 1024.0;
    // n = 25 (the exact limit), all positive: p = 2 / 2^25.
    std::vector<double> d25;
    for (int i = 1; i <= 25; ++i)
        d25.push_back(i);
    QTest::newRow("n25 all positive") << d25 << 25 << 0 << 325.0 << 2.0 / 33554432.0;
}

void TstStatistics::wilcoxonExact() {
    QFETCH(std::vector<double>, diffs);
    QFETCH(int, n);
    QFETCH(int, zeros);
    QFETCH(double, wPlus);
    QFETCH(double, p);
    const WilcoxonResult r = wilcoxonSignedRank(diffs, ::zeros(diffs.size()));
    QCOMPARE(r.method, WilcoxonMethod::Exact);
    QCOMPARE(r.n, n);
    QCOMPARE(r.zeros, zeros);
    QCOMPARE(r.pairs, int(diffs.size()));
    QVERIFY(!r.ties);
    QCOMPARE(r.wPlus, wPlus);
    QCOMPARE(r.wPlus + r.wMinus, n * (n + 1) / 2.0);
    QVERIFY(std::isnan(r.z));
    QVERIFY2(std::fabs(r.pValue - p) < 1e-12, qPrintable(QString::number(r.pValue, 'g', 17)));
    QCOMPARE(QString(wilcoxonMethodName(r.method)), QString("exact"));
}

void TstStatistics::wilcoxonNormalApproximation_data() {
    QTest::addColumn<std::vector<double>>("diffs");
    QTest::addColumn<bool>("correction");
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("wPlus");
    QTest::addColumn<double>("variance");
    QTest::addColumn<double>("z");
    QTest::addColumn<double>("p");

    // d = {0, 1, 1, -2, 3, 3, 3, -4, 5, 6}: the zero is dropped, n = 9. |d| sorted:
    // 1 1 2 3 3 3 4 5 6 -> ranks 1.5 1.5 3 5 5 5 7 8 9 (average ranks for the ties).
    // W+ = 1.5+1.5+5+5+5+8+9 = 35, W- = 3+7 = 10. Ties force the normal approximation:
    // mean = 9*10/4 = 22.5; var = 9*10*19/24 - ((2^3-2) + (3^3-3))/48 = 71.25 - 0.625 = 70.625;
    // z = 12.5 / sqrt(70.625) = 1.487410293..., p = erfc(z / sqrt 2) = 0.136906479954...
    const std::vector<double> tied{0, 1, 1, -2, 3, 3, 3, -4, 5, 6};
    QTest::newRow("ties and zero")
        << tied << false << 9 << 35.0 << 70.625 << 1.487410293271824 << 0.13690647995474461;
    // With the continuity correction: z = (12.5 - 0.5) / sqrt(70.625) = 1.427913881540951,
    // p = 0.153316647568569.
    QTest::newRow("ties, continuity")
        << tied << true << 9 << 35.0 << 70.625 << 1.4279138815409511 << 0.15331664756856955;
    // n = 30 > 25 without ties: d = 1..30, W+ = 465, mean 232.5, var = 30*31*61/24 = 2363.75,
    // z = 232.5 / sqrt(2363.75) = 4.782138900..., p = 1.7343976283e-06.
    std::vector<double> d30;
    for (int i = 1; i <= 30; ++i)
        d30.push_back(i);
    QTest::newRow("n30 no ties") << d30 << false << 30 << 465.0 << 2363.75 << 4.782138900012879
                                 << 1.7343976283205824e-06;
}

void TstStatistics::wilcoxonNormalApproximation() {
    QFETCH(std::vector<double>, diffs);
    QFETCH(bool, correction);
    QFETCH(int, n);
    QFETCH(double, wPlus);
    QFETCH(double, variance);
    QFETCH(double, z);
    QFETCH(double, p);
    const WilcoxonResult r = wilcoxonSignedRank(diffs, zeros(diffs.size()), 25, correction);
    QCOMPARE(r.method, WilcoxonMethod::NormalApproximation);
    QCOMPARE(r.continuityCorrection, correction);
    QCOMPARE(r.n, n);
    QCOMPARE(r.wPlus, wPlus);
    QCOMPARE(r.expected, n * (n + 1) / 4.0);
    QVERIFY(std::fabs(r.variance - variance) < 1e-9);
    QVERIFY2(std::fabs(r.z - z) < 1e-12, qPrintable(QString::number(r.z, 'g', 17)));
    QVERIFY2(std::fabs(r.pValue - p) < 1e-12 * std::max(1.0, p / 1e-6),
             qPrintable(QString::number(r.pValue, 'g', 17)));
}

void TstStatistics::wilcoxonAllZero() {
    const WilcoxonResult r = wilcoxonSignedRank({0.7, 0.8}, {0.7, 0.8});
    QCOMPARE(r.n, 0);
    QCOMPARE(r.zeros, 2);
    QCOMPARE(r.pValue, 1.0);
    const WilcoxonResult empty = wilcoxonSignedRank({}, {});
    QCOMPARE(empty.pValue, 1.0);
}

void TstStatistics::wilcoxonRejectsBadInput() {
    try {
        wilcoxonSignedRank({1, 2}, {1});
        QFAIL("length mismatch accepted");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadArgument);
    }
    QVERIFY_THROWS_EXCEPTION(CoreError, wilcoxonSignedRank({1, std::nan("")}, {0, 0}));
}

void TstStatistics::bootstrapIsSeededAndSane() {
    std::vector<double> v;
    for (int i = 0; i < 50; ++i)
        v.push_back(std::sin(i * 0.7) * 0.2 + 0.8);
    const ConfidenceInterval a = bootstrapMeanCi(v, 2000, 42);
    const ConfidenceInterval b = bootstrapMeanCi(v, 2000, 42);
    const ConfidenceInterval c = bootstrapMeanCi(v, 2000, 43);
    QCOMPARE(a.low, b.low);
    QCOMPARE(a.high, b.high);
    QVERIFY(a.low != c.low || a.high != c.high);
    const double m = mean(v);
    QVERIFY(a.low < m && m < a.high);
    // The percentile interval of the mean is about +-1.96 SE wide for this symmetric sample.
    const double se = sampleStandardDeviation(v) / std::sqrt(50.0);
    QVERIFY(std::fabs((a.high - a.low) / (2 * 1.96 * se) - 1.0) < 0.15);

    const ConfidenceInterval constant = bootstrapMeanCi({0.5, 0.5, 0.5});
    QCOMPARE(constant.low, 0.5);
    QCOMPARE(constant.high, 0.5);
    const ConfidenceInterval one = bootstrapMeanCi({0.25});
    QCOMPARE(one.low, 0.25);
    QCOMPARE(one.high, 0.25);
    QVERIFY(std::isnan(bootstrapMeanCi({}).low));
    QVERIFY_THROWS_EXCEPTION(CoreError, bootstrapMeanCi(v, 100, 1, 1.5));
}

void TstStatistics::pairedMeanDifference() {
    // d = {1, 2, 3}: mean 2, SD 1.
    const PairedDifference d = dermsam::pairedMeanDifference({1, 3, 5}, {0, 1, 2}, 2000, 7);
    QCOMPARE(d.n, 3);
    QCOMPARE(d.meanDifference, 2.0);
    QCOMPARE(d.sdDifference, 1.0);
    QVERIFY(d.ci.low >= 1.0 && d.ci.low <= 2.0);
    QVERIFY(d.ci.high >= 2.0 && d.ci.high <= 3.0);
}

QTEST_GUILESS_MAIN(TstStatistics)
#include "tst_statistics.moc"
