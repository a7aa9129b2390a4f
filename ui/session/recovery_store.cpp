#include "ui/session/recovery_store.h"

#include "io/atomic_file.h"
#include "io/file_error.h"
#include "io/files.h"
#include "io/json_writer.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace dermsam {

namespace {

// A recovery JSON is about 200 bytes; a larger file is not one of ours.
constexpr std::size_t kMaxInfoBytes = std::size_t(64) << 10;

std::string localPath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

} // namespace

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
        QByteArray png;
        QBuffer buffer(&png);
        if (!buffer.open(QIODevice::WriteOnly) || !mask.save(&buffer, "PNG", 1)) {
            qWarning("recovery: cannot encode the mask of %s", qPrintable(image));
            return;
        }
        // The same bytes QJsonDocument::Compact wrote (keys in its order).
        io::JsonWriter info;
        info.beginObject()
            .field("height", mask.height())
            .field("image", image.toStdString())
            .field("saved", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString())
            .field("width", mask.width())
            .endObject();
        // io's atomic writer (fsync, rename, fsync of the folder): a power cut leaves the old
        // pair or the new one. The mask first, then the JSON that names it: a JSON is only there
        // for a whole mask.
        try {
            io::makeDirectories(localPath(dir));
            io::writeFileAtomically(localPath(base + QStringLiteral(".png")),
                                    std::string(png.constData(), static_cast<size_t>(png.size())));
            io::writeFileAtomically(localPath(base + QStringLiteral(".json")), info.str());
        } catch (const io::FileError& e) {
            qWarning("recovery: cannot write %s: %s", e.path().c_str(), e.what());
        }
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
    const std::string jsonPath = localPath(base + QStringLiteral(".json"));
    std::string text;
    try {
        text = io::readFile(jsonPath, kMaxInfoBytes);
    } catch (const io::FileError& e) {
        if (e.kind() != io::FileErrorKind::NotFound) // nothing kept: the usual case, no warning
            qWarning("recovery: ignoring %s: %s", jsonPath.c_str(), e.what());
        return std::nullopt;
    }
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        const QString why =
            error.error != QJsonParseError::NoError
                ? QStringLiteral("offset %1: %2").arg(error.offset).arg(error.errorString())
                : QStringLiteral("not a JSON object");
        qWarning("recovery: ignoring %s: %s", jsonPath.c_str(), qPrintable(why));
        return std::nullopt;
    }
    const QJsonObject info = doc.object();
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
