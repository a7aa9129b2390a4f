#pragma once
// The longest time the GUI thread could not run its event loop, for tests and benchmarks.

#include <QElapsedTimer>
#include <QFile>
#include <QList>
#include <QObject>
#include <QTimer>
#include <QtGlobal>

#include <algorithm>

namespace dermsam::test {

// Measures the longest gap between ticks of a 5 ms timer on the GUI thread. On a machine with
// more runnable threads than cores a gap also holds time the thread spent waiting for a CPU
// (Linux schedstat, "run-queue wait"); that is the scheduler, not our code, so blocked() leaves
// it out. A GUI thread that works or waits on a lock for 50 ms shows 50 ms either way.
class BlockProbe : public QObject {
public:
    BlockProbe() {
        connect(&m_timer, &QTimer::timeout, this, [this] {
            ++m_ticks;
            const qint64 queued = runQueueWaitNs();
            if (m_clock.isValid()) {
                const qint64 gap = m_clock.restart();
                const qint64 waited =
                    queued >= 0 && m_queued >= 0 ? (queued - m_queued) / 1000000 : 0;
                const qint64 blocked = std::max<qint64>(0, gap - waited);
                if (blocked > 25 && qEnvironmentVariableIsSet("PROBE_DEBUG"))
                    qInfo("gap %lld ms (%lld ms waiting for a CPU) at tick %d", gap, waited,
                          m_ticks);
                m_worstGap = std::max(m_worstGap, gap);
                m_worst = std::max(m_worst, blocked);
            } else {
                m_clock.start();
            }
            m_queued = queued;
        });
        m_timer.start(5);
    }
    qint64 worstMs() const { return m_worst; }
    qint64 worstGapMs() const { return m_worstGap; }
    // The test's own synchronous checks block the GUI thread on purpose: not measured.
    void pause() {
        m_timer.stop();
        m_clock.invalidate();
    }
    void resume() { m_timer.start(5); }
    int ticks() const { return m_ticks; }

private:
    static qint64 runQueueWaitNs() {
        QFile f(QStringLiteral("/proc/thread-self/schedstat"));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        const QList<QByteArray> parts = f.readAll().simplified().split(' ');
        return parts.size() >= 2 ? parts[1].toLongLong() : -1;
    }

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_worst = 0;
    qint64 m_worstGap = 0;
    qint64 m_queued = -1;
    int m_ticks = 0;
};

} // namespace dermsam::test
