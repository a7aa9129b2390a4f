// Protects the one file error type: kind names, one-line details (hostile text cannot break a
// message over lines), errno mapping, and the open/read/mkdir helpers that raise it.
// labels: unit
#include "io/file_error.h"
#include "io/files.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace dermsam::io;

class TestFileError : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void kindNames();
    void messageIsOneLine();
    void longDetailIsCut();
    void fromErrno();
    void readFileErrors();
    void readFileReadsEverything();
    void readFileWithALimit();
    void makeDirectoriesCreatesEveryLevel();
    void makeDirectoriesRefusesAFileInTheWay();
    void parentDirectories();
};

void TestFileError::kindNames() {
    QCOMPARE(fileErrorKindName(FileErrorKind::NotFound), "file-not-found");
    QCOMPARE(fileErrorKindName(FileErrorKind::Unreadable), "file-unreadable");
    QCOMPARE(fileErrorKindName(FileErrorKind::WriteFailed), "file-write-failed");
    QCOMPARE(fileErrorKindName(FileErrorKind::Malformed), "malformed-file");
    QCOMPARE(fileErrorKindName(FileErrorKind::Truncated), "truncated-file");
    QCOMPARE(fileErrorKindName(FileErrorKind::Unsupported), "unsupported-format");
    QCOMPARE(fileErrorKindName(FileErrorKind::Corrupt), "corrupt-file");
    QCOMPARE(fileErrorKindName(FileErrorKind::BadArgument), "bad-argument");
}

void TestFileError::messageIsOneLine() {
    const FileError e(FileErrorKind::Corrupt, "/p/x.pth", "entry 'a\nb\r\tc' bad");
    QCOMPARE(e.kind(), FileErrorKind::Corrupt);
    QCOMPARE(e.path(), std::string("/p/x.pth"));
    QCOMPARE(e.detail(), std::string("entry 'a b  c' bad"));
    QCOMPARE(std::string(e.what()), std::string("corrupt-file: entry 'a b  c' bad"));
    QCOMPARE(std::string(FileError(FileErrorKind::NotFound, "p", "").what()),
             std::string("file-not-found"));
}

void TestFileError::longDetailIsCut() {
    // 2000 bytes of two-byte UTF-8: cut at 1000 bytes, never inside a character.
    std::string detail;
    for (int i = 0; i < 1000; ++i)
        detail += "\xc3\xa4";
    const FileError e(FileErrorKind::Malformed, "p", "x" + detail);
    QVERIFY(e.detail().size() <= 1003);
    QVERIFY(e.detail().size() >= 990);
    QCOMPARE(e.detail().substr(e.detail().size() - 3), std::string("..."));
    QVERIFY(!QString::fromUtf8(e.detail().c_str()).contains(QChar(0xfffd)));
}

void TestFileError::fromErrno() {
    const FileError missing = FileError::fromErrno(FileErrorKind::Unreadable, "p", ENOENT);
    QCOMPARE(missing.kind(), FileErrorKind::NotFound);
    QCOMPARE(missing.detail(), std::string(std::strerror(ENOENT)));
    QCOMPARE(FileError::fromErrno(FileErrorKind::Unreadable, "p", EACCES).kind(),
             FileErrorKind::Unreadable);
    // A write that fails for a missing folder is still a write failure.
    QCOMPARE(FileError::fromErrno(FileErrorKind::WriteFailed, "p", ENOENT).kind(),
             FileErrorKind::WriteFailed);
}

void TestFileError::readFileErrors() {
    QTemporaryDir dir;
    const std::string missing = dir.filePath(QStringLiteral("missing")).toStdString();
    try {
        readFile(missing);
        QFAIL("read a missing file");
    } catch (const FileError& e) {
        QCOMPARE(e.kind(), FileErrorKind::NotFound);
        QCOMPARE(e.path(), missing);
    }
    try {
        readFile(dir.path().toStdString());
        QFAIL("read a folder");
    } catch (const FileError& e) {
        QCOMPARE(e.kind(), FileErrorKind::Unreadable);
        QCOMPARE(std::string(e.what()), std::string("file-unreadable: is a directory"));
    }
    const QString locked = dir.filePath(QStringLiteral("locked"));
    std::ofstream(locked.toStdString()) << "x";
    QFile::setPermissions(locked, QFileDevice::Permissions());
    if (::access(locked.toStdString().c_str(), R_OK) != 0)
        QVERIFY_THROWS_EXCEPTION(FileError, readFile(locked.toStdString()));
}

void TestFileError::readFileReadsEverything() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("f")).toStdString();
    std::string bytes(300000, '\0');
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>(i * 7);
    std::ofstream(path, std::ios::binary) << bytes;
    QCOMPARE(readFile(path), bytes);
}

void TestFileError::readFileWithALimit() {
    // Small files (sidecars, calibrations) are read with a cap: at the cap is fine, one byte over
    // is FileError(Unsupported) naming the path, and a FIFO that never ends stops at the cap.
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("f")).toStdString();
    std::ofstream(path, std::ios::binary) << std::string(70000, 'x');
    QCOMPARE(readFile(path, 70000).size(), size_t(70000));
    try {
        readFile(path, 69999);
        QFAIL("no exception");
    } catch (const FileError& e) {
        QCOMPARE(e.kind(), FileErrorKind::Unsupported);
        QCOMPARE(e.path(), path);
        QCOMPARE(e.detail(), std::string("larger than 69999 bytes"));
    }
    QVERIFY_THROWS_EXCEPTION(FileError, readFile(dir.filePath("missing").toStdString(), 10));

    const std::string fifo = dir.filePath(QStringLiteral("fifo")).toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
    std::signal(SIGPIPE, SIG_IGN); // the writer outlives the reader: EPIPE, not a killed test
    std::thread writer([fifo] {
        std::ofstream out(fifo, std::ios::binary);
        const std::string block(1 << 16, 'y');
        for (int i = 0; i < 64 && out; ++i) // 4 MiB, far more than the cap
            out << block;
    });
    QVERIFY_THROWS_EXCEPTION(FileError, readFile(fifo, 100000));
    writer.join(); // the reader closed its end: the writer's next write fails and it stops
}

void TestFileError::makeDirectoriesCreatesEveryLevel() {
    QTemporaryDir dir;
    const QString deep = dir.filePath(QStringLiteral("a/b//c/d/"));
    makeDirectories(deep.toStdString());
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("a/b/c/d"))).isDir());
    makeDirectories(deep.toStdString()); // existing: fine
    makeDirectories("");                 // nothing to do
    const QString cwd = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir.path()));
    makeDirectories("rel/x");
    QVERIFY(QDir::setCurrent(cwd));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("rel/x"))).isDir());
}

void TestFileError::makeDirectoriesRefusesAFileInTheWay() {
    QTemporaryDir dir;
    std::ofstream(dir.filePath(QStringLiteral("file")).toStdString()) << "x";
    const std::string target = dir.filePath(QStringLiteral("file/sub")).toStdString();
    try {
        makeDirectories(target);
        QFAIL("made a folder below a file");
    } catch (const FileError& e) {
        QCOMPARE(e.kind(), FileErrorKind::WriteFailed);
        QCOMPARE(e.path(), target);
        QVERIFY(std::string(e.what()).find('\n') == std::string::npos);
    }
}

void TestFileError::parentDirectories() {
    QTemporaryDir dir;
    dermsam::io::makeParentDirectories(dir.filePath(QStringLiteral("p/q/file.png")).toStdString());
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("p/q"))).isDir());
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("p/q/file.png"))));
    dermsam::io::makeParentDirectories("bare-name.png"); // no folder part: nothing to do
    QVERIFY(!QFileInfo::exists(QStringLiteral("bare-name.png")));
}

QTEST_GUILESS_MAIN(TestFileError)
#include "tst_file_error.moc"
