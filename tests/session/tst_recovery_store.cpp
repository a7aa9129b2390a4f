// Protects the viewer's crash-recovery files (RecoveryStore): written through io/ (atomic, the
// JSON as QJsonDocument::Compact wrote it), found again, and broken or oversized files ignored
// with one warning line instead of being offered.
// labels: unit
#include "test_support.h"
#include "ui/session/recovery_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace dermsam;
using dermsam::test::fileBytes;
using dermsam::test::writeBytes;

namespace {

QString baseFor(const QString& dir, const QString& image) {
    const QByteArray key = QFileInfo(image).absoluteFilePath().toUtf8();
    return dir + QLatin1Char('/') +
           QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex());
}

QImage sampleMask() {
    QImage mask(7, 5, QImage::Format_Grayscale8);
    mask.fill(0);
    mask.setPixel(2, 3, qRgb(255, 255, 255));
    return mask;
}

} // namespace

class TstRecoveryStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void storeFindLoad();
    void brokenFilesAreIgnoredWithOneLine();
};

void TstRecoveryStore::storeFindLoad() {
    QTemporaryDir tmp;
    // A folder that does not exist yet, two levels deep, and an image name with quotes,
    // a backslash and non-ASCII letters (it is written into the JSON).
    const QString dir = tmp.filePath(QStringLiteral("data/recovery"));
    const QString image = tmp.filePath(QString::fromUtf8("L\xc3\xa4sion \"1\"\\b.jpg"));
    RecoveryStore store(dir);
    store.store(image, sampleMask());
    store.flush();

    const QString base = baseFor(dir, image);
    const QByteArray json = fileBytes(base + QStringLiteral(".json"));
    const QJsonObject info = QJsonDocument::fromJson(json).object();
    QCOMPARE(info.value("image").toString(), QFileInfo(image).absoluteFilePath());
    QCOMPARE(info.value("width").toInt(), 7);
    QCOMPARE(info.value("height").toInt(), 5);
    // Byte for byte what QJsonDocument::Compact wrote before io/'s writer took over.
    QCOMPARE(json, QJsonDocument(info).toJson(QJsonDocument::Compact));
    // No temporaries left beside them.
    QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot).size(), 2);
    QCOMPARE(store.count(), 1);

    const std::optional<RecoveryStore::Entry> entry = store.find(image);
    QVERIFY(entry.has_value());
    QCOMPARE(entry->size, QSize(7, 5));
    QVERIFY(entry->savedUtc.isValid());
    const QImage back = store.loadMask(*entry);
    QCOMPARE(back.size(), QSize(7, 5));
    QCOMPARE(qGray(back.pixel(2, 3)), 255);
    QCOMPARE(qGray(back.pixel(0, 0)), 0);

    store.discard(image);
    store.flush();
    QVERIFY(!store.find(image));
    QCOMPARE(store.count(), 0);
}

void TstRecoveryStore::brokenFilesAreIgnoredWithOneLine() {
    QTemporaryDir tmp;
    const QString dir = tmp.path();
    const QString image = tmp.filePath(QStringLiteral("a.jpg"));
    RecoveryStore store(dir);
    store.store(image, sampleMask());
    store.flush();
    const QString json = baseFor(dir, image) + QStringLiteral(".json");

    // Nothing kept for an image: no entry, no warning.
    QVERIFY(!store.find(tmp.filePath(QStringLiteral("other.jpg"))));

    writeBytes(json, "{\"image\": \"a.jpg\", \"width\": 7,\n\"height");
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^recovery: ignoring .*\\.json: "
                                                           "offset \\d+: [^\\n]+$")));
    QVERIFY(!store.find(image));

    writeBytes(json, "[1, 2]");
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                           "^recovery: ignoring .*: not a JSON object$")));
    QVERIFY(!store.find(image));

    writeBytes(json, QByteArray(70000, ' '));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                             "^recovery: ignoring .*: unsupported-format: larger than 65536 "
                             "bytes$")));
    QVERIFY(!store.find(image));
}

QTEST_GUILESS_MAIN(TstRecoveryStore)
#include "tst_recovery_store.moc"
