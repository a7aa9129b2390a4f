// Protects atomic writes (checkpoints, npy, caches): a file is replaced whole or not at all, an
// abandoned writer leaves nothing behind, and synced writes reach the disk before the rename.
// labels: unit
#include "model/atomic_file.h"
#include "model/file_util.h"
#include "model/model_error.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>

using namespace dermsam;

namespace {

QByteArray contents(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

// Files of the folder other than the target: leftover temporaries.
QStringList others(const QTemporaryDir& dir, const QString& target) {
    QStringList names = QDir(dir.path()).entryList(QDir::Files);
    names.removeAll(target);
    return names;
}

} // namespace

class TestAtomicFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void replacesOnlyOnCommit_data();
    void replacesOnlyOnCommit();
    void abandonedWriterLeavesNothing();
    void wholeFileHelper_data();
    void wholeFileHelper();
    void unwritableFolderIsAnError();
    void syncToDiskReportsMissingFiles();
};

void TestAtomicFile::replacesOnlyOnCommit_data() {
    QTest::addColumn<int>("durability");
    QTest::newRow("synced") << int(Durability::Synced);
    QTest::newRow("unsynced") << int(Durability::Unsynced);
}

void TestAtomicFile::replacesOnlyOnCommit() {
    QFETCH(int, durability);
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("model.bin"));
    writeFileAtomically(target.toStdString(), "old contents");
    {
        AtomicFileWriter w(target.toStdString(), Durability(durability));
        w.write("new ", 4);
        w.write("contents", 8);
        w.stream().flush();
        // Until commit the target keeps its old contents; the new ones are in one temporary.
        QCOMPARE(contents(target), QByteArray("old contents"));
        QCOMPARE(others(dir, QStringLiteral("model.bin")).size(), 1);
        w.commit();
        w.commit(); // a second commit changes nothing
    }
    QCOMPARE(contents(target), QByteArray("new contents"));
    QVERIFY(others(dir, QStringLiteral("model.bin")).isEmpty());
}

void TestAtomicFile::abandonedWriterLeavesNothing() {
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("mask.npy"));
    writeFileAtomically(target.toStdString(), "kept");
    try {
        AtomicFileWriter w(target.toStdString());
        w.write("half", 4);
        throw std::runtime_error("failed half-way"); // as a serialiser would
    } catch (const std::runtime_error&) {
    }
    QCOMPARE(contents(target), QByteArray("kept"));
    QVERIFY(others(dir, QStringLiteral("mask.npy")).isEmpty());
}

void TestAtomicFile::wholeFileHelper_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("binary") << QByteArray("\0\1\2\xff", 4);
    QTest::newRow("1 MB") << QByteArray(1 << 20, 'x');
}

void TestAtomicFile::wholeFileHelper() {
    QFETCH(QByteArray, bytes);
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("f"));
    writeFileAtomically(target.toStdString(), bytes.toStdString());
    QCOMPARE(contents(target), bytes);
    QCOMPARE(QByteArray::fromStdString(readWholeFile(target.toStdString())), bytes);
}

void TestAtomicFile::unwritableFolderIsAnError() {
    QTemporaryDir dir;
    const std::string target = dir.filePath(QStringLiteral("no/such/folder/f")).toStdString();
    try {
        writeFileAtomically(target, "x");
        QFAIL("wrote into a missing folder");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::FileWriteFailed);
        QCOMPARE(e.path(), target);
    }
}

void TestAtomicFile::syncToDiskReportsMissingFiles() {
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("f"));
    writeFileAtomically(target.toStdString(), "x", Durability::Unsynced);
    QVERIFY(syncToDisk(target.toStdString()));
    errno = 0;
    QVERIFY(!syncToDisk(dir.filePath(QStringLiteral("missing")).toStdString()));
    QCOMPARE(errno, ENOENT);
}

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "tst_atomic_file.moc"
