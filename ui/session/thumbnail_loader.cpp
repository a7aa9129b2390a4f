#include "ui/session/thumbnail_loader.h"

#include "ui/session/image_loader.h"

#include "io/atomic_file.h"
#include "io/file_error.h"
#include "io/files.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>

namespace dermsam {

namespace {

QString cacheFileFor(const QFileInfo& fi, int edge, const QString& cacheDir) {
    QCryptographicHash hash(QCryptographicHash::Sha1);
    hash.addData(fi.absoluteFilePath().toUtf8());
    hash.addData(QByteArray::number(fi.size()));
    hash.addData(QByteArray::number(fi.lastModified().toMSecsSinceEpoch()));
    hash.addData(QByteArray::number(edge));
    return QDir(cacheDir).filePath(QString::fromLatin1(hash.result().toHex()) +
                                   QStringLiteral(".png"));
}

QImage decodeSmall(const QString& path, int edge) {
    // Qt's readers scale while decoding (JPEG in the DCT domain), far cheaper than a full decode
    // of a camera-sized image; DICOM and whatever Qt cannot read go through the viewer's loader.
    QImageReader reader(path);
    const QSize full = reader.size();
    if (full.isValid() && !full.isEmpty()) {
        reader.setScaledSize(full.scaled(edge, edge, Qt::KeepAspectRatio).expandedTo(QSize(1, 1)));
        QImage small = reader.read();
        if (!small.isNull())
            return small.convertToFormat(QImage::Format_RGB32);
    }
    const LoadedImage loaded = loadImageFile(path);
    if (!loaded.ok())
        return {};
    return loaded.rgb.scaled(edge, edge, Qt::KeepAspectRatio, Qt::SmoothTransformation)
        .convertToFormat(QImage::Format_RGB32);
}

} // namespace

ThumbnailLoader::ThumbnailLoader(int edge, const QString& cacheDir, QObject* parent)
    : QObject(parent)
    , m_edge(edge)
    , m_cacheDir(cacheDir.isEmpty()
                     ? QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                           QStringLiteral("/thumbnails")
                     : cacheDir) {
    qRegisterMetaType<Thumbnail>();
    connect(&m_watcher, &QFutureWatcher<Thumbnail>::finished, this, &ThumbnailLoader::onFinished);
}

void ThumbnailLoader::request(const QStringList& paths) {
    m_queue = paths;
    if (!m_watcher.isRunning())
        startNext();
}

void ThumbnailLoader::prioritize(const QStringList& paths) {
    QStringList front;
    for (const QString& p : paths)
        if (m_queue.removeOne(p))
            front << p;
    m_queue = front + m_queue;
}

void ThumbnailLoader::startNext() {
    if (m_queue.isEmpty()) {
        Q_EMIT allDone();
        return;
    }
    m_watcher.setFuture(
        QtConcurrent::run(&ThumbnailLoader::make, m_queue.takeFirst(), m_edge, m_cacheDir));
}

void ThumbnailLoader::onFinished() {
    Q_EMIT thumbnailReady(m_watcher.result());
    startNext();
}

Thumbnail ThumbnailLoader::make(const QString& path, int edge, const QString& cacheDir) {
    Thumbnail out;
    out.path = path;
    const QFileInfo fi(path);
    if (!fi.isFile())
        return out;
    const QString cached = cacheFileFor(fi, edge, cacheDir);
    if (out.image.load(cached, "PNG")) {
        out.fromCache = true;
        return out;
    }
    out.image = decodeSmall(path, edge);
    if (out.image.isNull())
        return out;
    // Best effort: a read-only cache folder only costs the next decode. io's atomic writer
    // renames into place, so a preview is never half-written; unsynced, as a cache can be made
    // again.
    QByteArray png;
    QBuffer buffer(&png);
    if (buffer.open(QIODevice::WriteOnly) && out.image.save(&buffer, "PNG")) {
        try {
            io::makeDirectories(QFile::encodeName(cacheDir).toStdString());
            io::writeFileAtomically(QFile::encodeName(cached).toStdString(),
                                    std::string(png.constData(), static_cast<size_t>(png.size())),
                                    io::Durability::Unsynced);
        } catch (const io::FileError&) {
        }
    }
    return out;
}

} // namespace dermsam
