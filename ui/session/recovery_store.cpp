#include "ui/session/recovery_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace dermsam {

RecoveryStore::RecoveryStore(QString dir)
    : m_dir(std::move(dir)) {
    m_pool.setMaxThreadCount(1); // one writer: writes and discards stay in order
}

RecoveryStore::~RecoveryStore() {
    m_pool.waitForDone();
}

QString RecoveryStore::baseFor(const QString& imagePath) const {
    const QByteArray key = QFileInfo(imagePath).absoluteFilePath().toUtf8();
    return m_dir + QLatin1Char('/') +
           QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex());
}

void RecoveryStore::store(const QString& imagePath, const QImage& mask) {
    const QString base = baseFor(imagePath);
    const QString dir = m_dir;
    const QString image = QFileInfo(imagePath).absoluteFilePath();
    m_discarded.remove(image);
    // QImage is shared copy-on-write: the GUI thread's next edit detaches its own copy.
    m_pool.start([base, dir, image, mask] {
        QDir().mkpath(dir);
        // The mask first, then the JSON that names it: a JSON is only there for a whole mask.
        QSaveFile png(base + QStringLiteral(".png"));
        if (!png.open(QIODevice::WriteOnly) || !mask.save(&png, "PNG", 1) || !png.commit()) {
            qWarning("recovery: cannot write %s", qPrintable(png.fileName()));
            return;
        }
        QJsonObject info{{"image", image},
                         {"saved", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                         {"width", mask.width()},
                         {"height", mask.height()}};
        QSaveFile json(base + QStringLiteral(".json"));
        if (!json.open(QIODevice::WriteOnly) ||
            json.write(QJsonDocument(info).toJson(QJsonDocument::Compact)) < 0 || !json.commit())
            qWarning("recovery: cannot write %s", qPrintable(json.fileName()));
    });
}

void RecoveryStore::discard(const QString& imagePath) {
    const QString base = baseFor(imagePath);
    m_discarded.insert(QFileInfo(imagePath).absoluteFilePath());
    m_pool.start([base] {
        QFile::remove(base + QStringLiteral(".json"));
        QFile::remove(base + QStringLiteral(".png"));
    });
}

void RecoveryStore::flush() {
    m_pool.waitForDone();
}

int RecoveryStore::count() const {
    return static_cast<int>(QDir(m_dir).entryList({QStringLiteral("*.json")}, QDir::Files).size());
}

std::optional<RecoveryStore::Entry> RecoveryStore::find(const QString& imagePath) const {
    if (m_discarded.contains(QFileInfo(imagePath).absoluteFilePath()))
        return std::nullopt;
    const QString base = baseFor(imagePath);
    QFile json(base + QStringLiteral(".json"));
    if (!json.open(QIODevice::ReadOnly) || json.size() > (64 << 10))
        return std::nullopt;
    const QJsonObject info = QJsonDocument::fromJson(json.readAll()).object();
    Entry e;
    e.imagePath = info.value("image").toString();
    e.savedUtc = QDateTime::fromString(info.value("saved").toString(), Qt::ISODate);
    e.size = QSize(info.value("width").toInt(), info.value("height").toInt());
    e.maskPath = base + QStringLiteral(".png");
    if (e.imagePath != QFileInfo(imagePath).absoluteFilePath() || !QFileInfo::exists(e.maskPath))
        return std::nullopt;
    return e;
}

QImage RecoveryStore::loadMask(const Entry& entry) const {
    QImage mask(entry.maskPath, "PNG");
    if (mask.size() != entry.size)
        return {};
    return mask.convertToFormat(QImage::Format_Grayscale8);
}

} // namespace dermsam
