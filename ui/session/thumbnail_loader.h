#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>

namespace dermsam {

// One preview: the image scaled to fit edge x edge, or null when the file cannot be read.
struct Thumbnail {
    QString path;
    QImage image;
    bool fromCache = false; // read from the cache folder instead of decoding the image
};

// Makes small previews of image files off the GUI thread, one file at a time so a worklist of
// thousands never floods the thread pool, and keeps them as PNGs in a cache folder keyed by the
// file's path, size and modification time (an edited file gets a new preview; the folder is safe
// to delete).
class ThumbnailLoader : public QObject {
    Q_OBJECT
public:
    // cacheDir empty = <user cache folder>/thumbnails.
    explicit ThumbnailLoader(int edge = 64, const QString& cacheDir = {},
                             QObject* parent = nullptr);

    // Replaces whatever was still queued; the file being decoded finishes first.
    void request(const QStringList& paths);
    // Moves these queued paths to the front (in this order): the rows the user is looking at.
    void prioritize(const QStringList& paths);
    void cancel() { m_queue.clear(); }
    bool isBusy() const { return m_watcher.isRunning() || !m_queue.isEmpty(); }
    int edge() const { return m_edge; }
    const QString& cacheDir() const { return m_cacheDir; }

    // Runs on any thread: the cached preview when it is current, else decodes and caches it.
    static Thumbnail make(const QString& path, int edge, const QString& cacheDir);

Q_SIGNALS:
    void thumbnailReady(const Thumbnail& thumbnail);
    void allDone();

private:
    void startNext();
    void onFinished();

    int m_edge;
    QString m_cacheDir;
    QStringList m_queue;
    QFutureWatcher<Thumbnail> m_watcher;
};

} // namespace dermsam

Q_DECLARE_METATYPE(dermsam::Thumbnail)
