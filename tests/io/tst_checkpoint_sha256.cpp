// Protects the SHA-256 model file hash: FIPS 180-4 vectors, streaming, sha256sum.
// labels: unit
#include "io/file_error.h"
#include "io/sha256.h"

#include "test_support.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <random>

using namespace dermsam;

class TestSha256 : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void vectors_data();
    void vectors();
    void millionAs();
    void chunkingDoesNotMatter();
    void hardwareMatchesPortable_data();
    void hardwareMatchesPortable();
    void fileHash();
    void missingFile();
};

void TestSha256::vectors_data() {
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("digest");
    QTest::newRow("empty") << QByteArray()
                           << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    QTest::newRow("abc") << QByteArray("abc")
                         << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    QTest::newRow("448 bits") << QByteArray(
                                     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                              << "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    QTest::newRow("896 bits")
        << QByteArray(
               "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
               "klmnopqrlmnopqrsmnopqrstnopqrstu")
        << "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1";
    QTest::newRow("55 bytes (padding edge)")
        << QByteArray(55, 'a')
        << "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318";
    QTest::newRow("56 bytes (padding edge)")
        << QByteArray(56, 'a')
        << "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a";
    QTest::newRow("64 bytes") << QByteArray(64, 'a')
                              << "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb";
}

void TestSha256::vectors() {
    QFETCH(QByteArray, message);
    QFETCH(QString, digest);
    QCOMPARE(QString::fromStdString(io::Sha256::hex(message.toStdString())), digest);
}

void TestSha256::millionAs() {
    io::Sha256 h;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i)
        h.update(chunk);
    QCOMPARE(QString::fromStdString(h.finishHex()),
             QStringLiteral("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

void TestSha256::chunkingDoesNotMatter() {
    std::mt19937 rng(1);
    std::string data(5000, '\0');
    for (char& c : data)
        c = static_cast<char>(rng());
    const std::string whole = io::Sha256::hex(data);
    for (int round = 0; round < 50; ++round) {
        io::Sha256 h;
        size_t at = 0;
        while (at < data.size()) {
            const size_t n = std::min<size_t>(data.size() - at, rng() % 130);
            h.update(data.data() + at, n);
            at += n;
        }
        QCOMPARE(h.finishHex(), whole);
    }
}

void TestSha256::hardwareMatchesPortable_data() {
    QTest::addColumn<int>("length");
    for (int n : {0, 1, 55, 56, 63, 64, 65, 119, 128, 1000, 4096 + 13, 1 << 20})
        QTest::addRow("%d bytes", n) << n;
}

// The SHA-extension path (where the processor has it) against the portable code, message by
// message and for every length class around the block and padding boundaries.
void TestSha256::hardwareMatchesPortable() {
    QFETCH(int, length);
    if (!io::Sha256::hardwareAvailable())
        QSKIP("this processor has no SHA extensions: only the portable code runs");
    std::mt19937 rng(static_cast<unsigned>(length) + 7);
    std::string data(static_cast<size_t>(length), '\0');
    for (char& c : data)
        c = static_cast<char>(rng());
    io::Sha256 hardware(true), portable(false);
    // Split so that the buffered and the whole-block paths both run.
    const size_t first = data.size() / 3;
    for (io::Sha256* h : {&hardware, &portable}) {
        h->update(data.data(), first);
        h->update(data.data() + first, data.size() - first);
    }
    QCOMPARE(hardware.finishHex(), portable.finishHex());
}

void TestSha256::fileHash() {
    QTemporaryDir dir;
    const QString path = dir.filePath("blob.bin");
    std::string data(3 * 1024 * 1024 + 17, '\0'); // several read chunks
    std::mt19937 rng(2);
    for (char& c : data)
        c = static_cast<char>(rng());
    {
        std::ofstream out(path.toStdString(), std::ios::binary);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    const std::string digest = io::fileSha256(path.toStdString());
    QCOMPARE(digest, io::Sha256::hex(data));

    const QString tool = QStandardPaths::findExecutable("sha256sum");
    if (tool.isEmpty())
        QSKIP("sha256sum is not installed: cross-check skipped");
    QStringList files{path};
    const QString fixture = dermsam::test::fixtureDir();
    if (!fixture.isEmpty())
        files << fixture + "/weights.pth";
    for (const QString& f : files) {
        QProcess p;
        p.start(tool, {f});
        QVERIFY(p.waitForFinished(60000));
        const QString expected = QString::fromUtf8(p.readAllStandardOutput()).section(' ', 0, 0);
        QCOMPARE(QString::fromStdString(io::fileSha256(f.toStdString())), expected);
    }
}

void TestSha256::missingFile() {
    try {
        io::fileSha256("/nonexistent/dermsam/model.pth");
        QFAIL("a missing file must throw");
    } catch (const io::FileError& e) {
        QCOMPARE(e.kind(), io::FileErrorKind::NotFound);
    }
}

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_checkpoint_sha256.moc"
