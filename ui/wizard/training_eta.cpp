#include "ui/wizard/training_eta.h"

#include <algorithm>
#include <numeric>

namespace dermsam {

double estimateSecondsLeft(const TrainingTimings& t) {
    if (t.epochs <= 0 || t.stepsPerEpoch <= 0 || t.epoch <= 0)
        return -1;
    const double overhead = std::max(0.0, t.overheadSeconds);
    const bool epochMeasured = !t.epochSeconds.isEmpty();
    const double epoch = epochMeasured
                             ? std::accumulate(t.epochSeconds.begin(), t.epochSeconds.end(), 0.0) /
                                   static_cast<double>(t.epochSeconds.size())
                             : 0.0;
    double step = t.stepSeconds;
    if (step < 0) {
        // One step per epoch has no interval between steps to time: the epoch's wall time less
        // its overhead is its step.
        if (!epochMeasured)
            return -1;
        step = std::max(0.0, epoch - overhead) / static_cast<double>(t.stepsPerEpoch);
    }
    const auto stepsLeft = static_cast<double>(std::max<qint64>(0, t.stepsPerEpoch - t.step));
    const auto epochsLeft = static_cast<double>(std::max(0, t.epochs - t.epoch));
    const double laterEpoch =
        epochMeasured ? epoch : static_cast<double>(t.stepsPerEpoch) * step + overhead;
    return stepsLeft * step + overhead + epochsLeft * laterEpoch;
}

void TrainingClock::prepared(double now) {
    // Both training and validation embeddings report their end; the later one counts.
    m_preparedAt = now;
}

void TrainingClock::stepFinished(double now, int epoch, qint64 step, qint64 stepsPerEpoch) {
    m_stepsPerEpoch = stepsPerEpoch;
    if (epoch != m_epoch) {
        if (m_epoch > 0) {
            // From the previous epoch's last step report to this one: its validation and
            // checkpoints, then this epoch's first step.
            const double finishedStep = m_trainedEpoch == m_epoch && m_lastStepSeconds >= 0
                                            ? m_lastStepSeconds
                                            : m_stepSeconds;
            if (!m_skipNext && m_lastStepAt >= 0 && finishedStep >= 0)
                m_overhead = std::max(0.0, now - m_lastStepAt - finishedStep);
            // First step report to first step report: every part of one epoch once.
            if (!m_skipNext && !m_epochDisturbed && m_epochStartAt >= 0) {
                m_epochSeconds.append(now - m_epochStartAt);
                while (m_epochSeconds.size() > kEpochsAveraged)
                    m_epochSeconds.removeFirst();
            }
            if (finishedStep >= 0)
                m_lastStepSeconds = finishedStep;
        } else if (m_preparedAt >= 0 && !m_skipNext) {
            m_firstGap = now - m_preparedAt;
        }
        m_epoch = epoch;
        m_epochStartAt = now;
        m_epochDisturbed = m_skipNext;
        m_measuredFromAt = now;
        m_measuredFromStep = step;
        m_stepSeconds = -1;
    } else if (m_skipNext) {
        m_measuredFromAt = now;
        m_measuredFromStep = step;
        m_epochDisturbed = true;
    } else if (step > m_measuredFromStep) {
        m_stepSeconds = (now - m_measuredFromAt) / static_cast<double>(step - m_measuredFromStep);
    }
    m_skipNext = false;
    m_lastStepAt = now;
    m_step = step;
}

void TrainingClock::epochTrained(int epoch, double trainSeconds) {
    // The trainer times its steps without the step reports' delivery: the better step time of
    // a finished epoch, and the only one when an epoch has a single step.
    if (m_stepsPerEpoch <= 0 || trainSeconds < 0)
        return;
    m_trainedEpoch = epoch;
    m_lastStepSeconds = trainSeconds / static_cast<double>(m_stepsPerEpoch);
}

TrainingTimings TrainingClock::timings() const {
    TrainingTimings t;
    t.epochs = m_epochs;
    t.stepsPerEpoch = m_stepsPerEpoch;
    t.epoch = m_epoch;
    t.step = m_step;
    t.stepSeconds = m_stepSeconds >= 0 ? m_stepSeconds : m_lastStepSeconds;
    if (m_overhead >= 0)
        t.overheadSeconds = m_overhead;
    else if (m_firstGap >= 0 && t.stepSeconds >= 0)
        // The zero-shot validation and the first checkpoint stand in for an epoch's overhead
        // until an epoch has ended.
        t.overheadSeconds = std::max(0.0, m_firstGap - t.stepSeconds);
    t.epochSeconds = m_epochSeconds;
    return t;
}

} // namespace dermsam
