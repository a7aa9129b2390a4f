// Protects io/'s one atomic writer (checkpoints, npy, masks, reports, caches): whole or nothing,
// nothing left behind, synced data and folder, a folder in the way refused, one-line errors.
// labels: unit
#include "io/atomic_file.h"
#include "io/file_error.h"
#include "io/files.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <fstream>

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
    void syncsTheFolder();
    void folderInTheWayFailsBeforeWriting();
    void replaceFileCommitsAnOutsideWrite();
    void failedReplaceRemovesTheTemporary();
};

void TestAtomicFile::replacesOnlyOnCommit_data() {
    QTest::addColumn<int>("durability");
    QTest::newRow("synced") << int(io::Durability::Synced);
    QTest::newRow("unsynced") << int(io::Durability::Unsynced);
}

void TestAtomicFile::replacesOnlyOnCommit() {
    QFETCH(int, durability);
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("model.bin"));
    io::writeFileAtomically(target.toStdString(), "old contents");
    {
        io::AtomicFileWriter w(target.toStdString(), io::Durability(durability));
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
    io::writeFileAtomically(target.toStdString(), "kept");
    try {
        io::AtomicFileWriter w(target.toStdString());
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
    io::writeFileAtomically(target.toStdString(), bytes.toStdString());
    QCOMPARE(contents(target), bytes);
    QCOMPARE(QByteArray::fromStdString(io::readFile(target.toStdString())), bytes);
}

void TestAtomicFile::unwritableFolderIsAnError() {
    QTemporaryDir dir;
    const std::string target = dir.filePath(QStringLiteral("no/such/folder/f")).toStdString();
    try {
        io::writeFileAtomically(target, "x");
        QFAIL("wrote into a missing folder");
    } catch (const io::FileError& e) {
        QCOMPARE(e.kind(), io::FileErrorKind::WriteFailed);
        QCOMPARE(e.path(), target);
        // One line naming the reason, never a multi-line library message.
        QCOMPARE(std::string(e.what()), "file-write-failed: " + std::string(std::strerror(ENOENT)));
    }
}

void TestAtomicFile::syncToDiskReportsMissingFiles() {
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("f"));
    io::writeFileAtomically(target.toStdString(), "x", io::Durability::Unsynced);
    QVERIFY(io::syncToDisk(target.toStdString()));
    errno = 0;
    QVERIFY(!io::syncToDisk(dir.filePath(QStringLiteral("missing")).toStdString()));
    QCOMPARE(errno, ENOENT);
}

void TestAtomicFile::syncsTheFolder() {
    // The rename is made durable by an fsync of the folder that holds the target.
    QTemporaryDir dir;
    QVERIFY(io::syncParentDirectory(dir.filePath(QStringLiteral("any")).toStdString()));
    QVERIFY(io::syncParentDirectory("relative-name-in-the-working-folder"));
    errno = 0;
    QVERIFY(!io::syncParentDirectory(dir.filePath(QStringLiteral("no/such/f")).toStdString()));
    QCOMPARE(errno, ENOENT);
}

void TestAtomicFile::folderInTheWayFailsBeforeWriting() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("taken")));
    const std::string target = dir.filePath(QStringLiteral("taken")).toStdString();
    try {
        io::AtomicFileWriter w(target);
        QFAIL("a folder at the target must fail at once");
    } catch (const io::FileError& e) {
        QCOMPARE(e.kind(), io::FileErrorKind::WriteFailed);
        QCOMPARE(e.path(), target);
        QCOMPARE(std::string(e.what()), std::string("file-write-failed: is a directory"));
    }
    QCOMPARE(others(dir, QStringLiteral("taken")), QStringList());
}

void TestAtomicFile::replaceFileCommitsAnOutsideWrite() {
    // A library that writes to a path itself (DCMTK for DICOM SEG) commits through replaceFile.
    QTemporaryDir dir;
    const std::string target = dir.filePath(QStringLiteral("seg.dcm")).toStdString();
    io::writeFileAtomically(target, "old");
    const std::string temporary = io::temporaryPathFor(target);
    QVERIFY(temporary.rfind(target + ".tmp-", 0) == 0);
    QVERIFY(io::temporaryPathFor(target) != temporary);
    std::ofstream(temporary, std::ios::binary) << "new";
    io::replaceFile(temporary, target);
    QCOMPARE(contents(QString::fromStdString(target)), QByteArray("new"));
    QCOMPARE(others(dir, QStringLiteral("seg.dcm")), QStringList());
}

void TestAtomicFile::failedReplaceRemovesTheTemporary() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("taken/inside")));
    const std::string target = dir.filePath(QStringLiteral("taken")).toStdString();
    const std::string temporary = io::temporaryPathFor(target);
    std::ofstream(temporary, std::ios::binary) << "new";
    QVERIFY_THROWS_EXCEPTION(io::FileError, io::replaceFile(temporary, target));
    QCOMPARE(others(dir, QStringLiteral("taken")), QStringList());
}

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "tst_atomic_file.moc"
