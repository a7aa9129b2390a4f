#pragma once

#include <QDateTime>
#include <QImage>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <optional>

namespace dermsam {

// Unsaved mask edits kept on disk while they are unsaved, so that a crash, a kill or a power cut
// loses none of them: one PNG and one small JSON per image in the user's data folder. Writes run
// on one background thread in the order they were asked for, so a discard is never undone by an
// older write that finishes after it.
class RecoveryStore {
public:
    explicit RecoveryStore(QString dir);
    ~RecoveryStore(); // waits for the writes in flight: they are what the store is for

    struct Entry {
        QString imagePath;
        QDateTime savedUtc;
        QString maskPath;
        QSize size;
    };

    const QString& dir() const { return m_dir; }
    // Keeps (a copy of) the mask of imagePath; the newest call wins.
    void store(const QString& imagePath, const QImage& mask);
    void discard(const QString& imagePath);
    // What an earlier session (or this one) left for this image.
    std::optional<Entry> find(const QString& imagePath) const;
    // How many images have edits kept (at start-up: what a crash left behind).
    int count() const;
    QImage loadMask(const Entry& entry) const;
    // Blocks until every queued write is on the disk (tests, shutdown).
    void flush();

private:
    QString baseFor(const QString& imagePath) const;

    QString m_dir;
    // Images whose edits were discarded in this session: their files may still be queued for
    // removal, and must not be offered back meanwhile (find() never waits for the writer).
    QSet<QString> m_discarded;
    QThreadPool m_pool;
};

} // namespace dermsam
