// Protects the fine-tune wizard's time-left estimate: steps, validation and checkpoints counted.
#include "ui/wizard/training_eta.h"

#include <QTest>

#include <cmath>

using namespace dermsam;

class TestTrainingEta : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void estimate_data();
    void estimate();
    void clockFollowsARun_data();
    void clockFollowsARun();
    void pauseIsNotAStep();
};

void TestTrainingEta::estimate_data() {
    QTest::addColumn<int>("epochs");
    QTest::addColumn<qint64>("stepsPerEpoch");
    QTest::addColumn<int>("epoch");
    QTest::addColumn<qint64>("step");
    QTest::addColumn<double>("stepSeconds");
    QTest::addColumn<double>("overhead");
    QTest::addColumn<QList<double>>("epochSeconds");
    QTest::addColumn<double>("expected");

    QTest::newRow("nothing measured")
        << 3 << qint64(4) << 1 << qint64(1) << -1.0 << 0.0 << QList<double>{} << -1.0;
    // 2 steps and the overhead of this epoch, then 2 epochs of 4 steps and the overhead each.
    QTest::newRow("first epoch") << 3 << qint64(4) << 1 << qint64(2) << 2.0 << 3.0
                                 << QList<double>{} << 2 * 2.0 + 3 + 2 * (4 * 2.0 + 3);
    // The epochs left take what the finished ones took (their mean), not steps x step time.
    QTest::newRow("measured epochs") << 3 << qint64(4) << 2 << qint64(1) << 2.0 << 3.0
                                     << QList<double>{12.0, 14.0} << 3 * 2.0 + 3 + 13.0;
    QTest::newRow("last step: validation and checkpoints left")
        << 2 << qint64(4) << 2 << qint64(4) << 2.0 << 3.0 << QList<double>{11.0} << 3.0;
    // One step per epoch: the step is the epoch's wall time less its overhead.
    QTest::newRow("one step per epoch")
        << 3 << qint64(1) << 2 << qint64(1) << -1.0 << 1.0 << QList<double>{5.0} << 1.0 + 5.0;
    QTest::newRow("one step per epoch, none finished")
        << 3 << qint64(1) << 1 << qint64(1) << -1.0 << 1.0 << QList<double>{} << -1.0;
    QTest::newRow("not started") << 3 << qint64(0) << 0 << qint64(0) << -1.0 << 0.0
                                 << QList<double>{} << -1.0;
}

void TestTrainingEta::estimate() {
    QFETCH(int, epochs);
    QFETCH(qint64, stepsPerEpoch);
    QFETCH(int, epoch);
    QFETCH(qint64, step);
    QFETCH(double, stepSeconds);
    QFETCH(double, overhead);
    QFETCH(QList<double>, epochSeconds);
    QFETCH(double, expected);
    TrainingTimings t;
    t.epochs = epochs;
    t.stepsPerEpoch = stepsPerEpoch;
    t.epoch = epoch;
    t.step = step;
    t.stepSeconds = stepSeconds;
    t.overheadSeconds = overhead;
    t.epochSeconds = epochSeconds;
    QCOMPARE(estimateSecondsLeft(t), expected);
}

void TestTrainingEta::clockFollowsARun_data() {
    QTest::addColumn<int>("epochs");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("stepSeconds");
    QTest::addColumn<double>("overhead");
    QTest::addColumn<double>("zeroShot");

    // Overhead (validation and checkpoint writes) as large as the steps: the run page's old
    // rate of steps alone showed half the time left in the first epoch.
    QTest::newRow("overhead = training") << 3 << 3 << 2.0 << 6.0 << 5.0;
    QTest::newRow("small overhead") << 4 << 5 << 1.5 << 0.5 << 0.4;
    QTest::newRow("one step per epoch") << 3 << 1 << 2.0 << 3.0 << 2.5;
}

// A run with fixed step, overhead and zero-shot times, reported as the run page hears it: the
// estimate at each step report against the time the run really has left.
void TestTrainingEta::clockFollowsARun() {
    QFETCH(int, epochs);
    QFETCH(int, steps);
    QFETCH(double, stepSeconds);
    QFETCH(double, overhead);
    QFETCH(double, zeroShot);
    const double prepared = 10;
    const double end = prepared + zeroShot + epochs * (steps * stepSeconds + overhead);
    TrainingClock clock(epochs);
    clock.prepared(prepared);
    double now = prepared + zeroShot;
    for (int e = 1; e <= epochs; ++e) {
        for (int s = 1; s <= steps; ++s) {
            now += stepSeconds;
            clock.stepFinished(now, e, s, steps);
            const double left = clock.secondsLeft();
            const double actual = end - now;
            if (e == 1 && s == 1 && steps > 1) {
                QCOMPARE(left, -1.0); // no step timed yet
            } else if (e == 1) {
                // The zero-shot validation stands in for the epoch's overhead: close, not exact.
                if (left >= 0)
                    QVERIFY2(std::abs(left - actual) <= 0.25 * actual,
                             qPrintable(QStringLiteral("epoch 1 step %1: %2 s shown, %3 s left")
                                            .arg(s)
                                            .arg(left)
                                            .arg(actual)));
            } else {
                // From the second epoch on, every part has been measured: exact.
                QVERIFY2(std::abs(left - actual) < 1e-9,
                         qPrintable(QStringLiteral("epoch %1 step %2: %3 s shown, %4 s left")
                                        .arg(e)
                                        .arg(s)
                                        .arg(left)
                                        .arg(actual)));
            }
        }
        clock.epochTrained(e, steps * stepSeconds);
        now += overhead;
    }
}

void TestTrainingEta::pauseIsNotAStep() {
    TrainingClock clock(2);
    clock.stepFinished(1, 1, 1, 4);
    clock.stepFinished(3, 1, 2, 4);
    // Paused for 100 s after step 2: step 3 still takes 2 s.
    clock.resumed();
    clock.stepFinished(105, 1, 3, 4);
    QCOMPARE(clock.timings().stepSeconds, 2.0);
    clock.stepFinished(107, 1, 4, 4);
    QCOMPARE(clock.timings().stepSeconds, 2.0);
    clock.epochTrained(1, 8);
    clock.stepFinished(112, 2, 1, 4);
    // The paused epoch's wall time is no measure of an epoch; its overhead still is.
    QVERIFY(clock.timings().epochSeconds.isEmpty());
    QCOMPARE(clock.timings().overheadSeconds, 3.0);
    QCOMPARE(clock.secondsLeft(), 3 * 2.0 + 3.0);
}

QTEST_GUILESS_MAIN(TestTrainingEta)
#include "tst_training_eta.moc"
