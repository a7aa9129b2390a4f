#pragma once

#include <QList>
#include <QtGlobal>

namespace dermsam {

// What the time left of a fine-tuning run is estimated from, all measured earlier in the same
// run. An epoch is its training steps, then the validation and the checkpoint writes after them
// (its overhead, often a tenth of the epoch or more, and nothing a step rate can see).
struct TrainingTimings {
    int epochs = 0; // planned
    qint64 stepsPerEpoch = 0;
    int epoch = 0;              // the epoch under way, 1-based
    qint64 step = 0;            // steps done in it, 1..stepsPerEpoch
    double stepSeconds = -1;    // one training step; < 0: not measured yet
    double overheadSeconds = 0; // validation and checkpoints of one epoch
    QList<double> epochSeconds; // wall times of the last finished epochs, oldest first
};

// Seconds until the run ends: the rest of this epoch's steps and its overhead, then every epoch
// left at the mean of the measured epoch wall times (steps and overhead while none has
// finished). < 0 while there is too little to go on.
double estimateSecondsLeft(const TrainingTimings& t);

// Gathers TrainingTimings from what the run page is told, with timestamps in seconds on one
// clock. A step's time is the interval between two step reports of the same epoch, so the
// first report (whose step began at an unknown moment) is a start mark, not a measurement.
class TrainingClock {
public:
    explicit TrainingClock(int epochs = 0)
        : m_epochs(epochs) {}

    // The embeddings are ready: the zero-shot validation and the first checkpoint follow,
    // then the first step. That span is the overhead estimate until an epoch has ended.
    void prepared(double now);
    // `step` counts within the epoch (1..stepsPerEpoch), as the trainer reports it.
    void stepFinished(double now, int epoch, qint64 step, qint64 stepsPerEpoch);
    // The worker's own measure of an epoch's training steps (EpochPoint::seconds).
    void epochTrained(int epoch, double trainSeconds);
    // After a pause: the interval that spans it is not measured.
    void resumed() { m_skipNext = true; }

    TrainingTimings timings() const;
    double secondsLeft() const { return estimateSecondsLeft(timings()); }

    static constexpr int kEpochsAveraged = 3; // recent epochs follow a changing machine load

private:
    int m_epochs = 0;
    qint64 m_stepsPerEpoch = 0;
    int m_epoch = 0;
    qint64 m_step = 0;
    double m_preparedAt = -1;
    double m_firstGap = -1; // prepared -> first step report: zero-shot overhead + one step
    double m_lastStepAt = -1;
    double m_epochStartAt = -1;    // the epoch's first step report
    bool m_epochDisturbed = false; // a pause inside it: its wall time is not measured
    double m_measuredFromAt = -1;  // the step intervals of this epoch are measured from here
    qint64 m_measuredFromStep = 0;
    double m_stepSeconds = -1;     // this epoch, from its step intervals
    double m_lastStepSeconds = -1; // the latest finished epoch
    int m_trainedEpoch = 0;        // the epoch epochTrained() last reported
    double m_overhead = -1;        // measured at the latest epoch boundary
    bool m_skipNext = false;
    QList<double> m_epochSeconds;
};

} // namespace dermsam
