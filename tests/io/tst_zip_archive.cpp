// Protects the .pth zip layer: round trips, zip64, CRC, alignment, refusing broken archives and
// declared sizes the archive cannot hold (issue 20).
// labels: unit
#include "io/file_error.h"
#include "io/mapped_file.h"
#include "io/zip_archive.h"

#include "test_support.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

using namespace dermsam;
using namespace dermsam::io;
using Kind = FileErrorKind;

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string randomBytes(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& c : s)
        c = static_cast<char>(rng() & 0xff);
    return s;
}

Entries sampleEntries() {
    return {{"archive/data.pkl", randomBytes(333, 1)}, {"archive/byteorder", "little"},
            {"archive/data/0", randomBytes(70000, 2)}, {"archive/data/1", std::string()},
            {"archive/data/2", randomBytes(1, 3)},     {"archive/version", "3\n"}};
}

std::string makeZip(const Entries& entries, bool zip64 = false) {
    std::ostringstream out;
    ZipWriter writer(out, "memory", zip64);
    for (const auto& e : entries)
        writer.addEntry(e.first, e.second);
    writer.finish();
    return out.str();
}

ZipArchive openBytes(std::string bytes) {
    return ZipArchive(MappedFile::fromBytes(std::move(bytes), "memory.zip"));
}

uint32_t rd32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    return v;
}

void wr32(std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void wr16(std::string& s, size_t at, uint16_t v) {
    s[at] = static_cast<char>(v & 0xff);
    s[at + 1] = static_cast<char>(v >> 8);
}

// Offset of the first central directory record of a plain (non-zip64) archive.
size_t centralDirectory(const std::string& zip) {
    return rd32(zip, zip.size() - 22 + 16);
}

// Returns the error code thrown by opening and reading every entry, or -1 when all succeed.
int openAndReadAll(const std::string& bytes) {
    try {
        ZipArchive zip = openBytes(bytes);
        for (const ZipEntry& e : zip.entries()) {
            zip.verifyCrc(e);
        }
        return -1;
    } catch (const FileError& e) {
        return static_cast<int>(e.kind());
    }
}

} // namespace

class TestZipArchive : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void crcKnownValues();
    void roundTrip_data();
    void roundTrip();
    void pythonZipfileReadsOurArchives_data();
    void pythonZipfileReadsOurArchives();
    void readsTorchSavedFixture();
    void crcMismatchIsDetected();
    void compressedEntryRefused();
    void truncated_data();
    void truncated();
    void everyTruncationIsRefused();
    void garbage_data();
    void garbage();
    void entryPointingOutside_data();
    void entryPointingOutside();
    void randomCorruptionNeverCrashes();
    void zip64SizesPastTheArchive_data();
    void zip64SizesPastTheArchive();
};

void TestZipArchive::crcKnownValues() {
    QCOMPARE(crc32("123456789", 9), 0xcbf43926u);
    QCOMPARE(crc32("", 0), 0u);
    // Running checksum over pieces equals the one-shot value, at every split point.
    const std::string s = randomBytes(100, 9);
    const uint32_t whole = crc32(s.data(), s.size());
    for (size_t cut = 0; cut <= s.size(); ++cut)
        QCOMPARE(crc32(s.data() + cut, s.size() - cut, crc32(s.data(), cut)), whole);
}

void TestZipArchive::roundTrip_data() {
    QTest::addColumn<bool>("zip64");
    QTest::newRow("plain") << false;
    QTest::newRow("zip64 records") << true;
}

void TestZipArchive::roundTrip() {
    QFETCH(bool, zip64);
    const Entries entries = sampleEntries();
    const std::string bytes = makeZip(entries, zip64);
    QCOMPARE(bytes.substr(0, 4), std::string("PK\x03\x04"));
    ZipArchive zip = openBytes(bytes);
    QCOMPARE(zip.entries().size(), entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        const ZipEntry& e = zip.entries()[i];
        QCOMPARE(e.name, entries[i].first);
        QCOMPARE(e.method, uint16_t(0));
        QCOMPARE(e.size, uint64_t(entries[i].second.size()));
        QCOMPARE(e.dataOffset % 64, uint64_t(0)); // PyTorch's alignment
        QCOMPARE(e.crc32, crc32(entries[i].second.data(), entries[i].second.size()));
        zip.verifyCrc(e);
        QCOMPARE(std::string(zip.data(e), e.size), entries[i].second);
        QCOMPARE(zip.read(e.name), entries[i].second);
        QCOMPARE(zip.find(e.name), &e);
    }
    QVERIFY(zip.find("archive/missing") == nullptr);
    try {
        zip.read("archive/missing");
        QFAIL("reading a missing entry must throw");
    } catch (const FileError& e) {
        QCOMPARE(e.kind(), Kind::Unreadable);
    }

    // The same archive through a real file (mmap).
    QTemporaryDir dir;
    const std::string path = dir.filePath("x.zip").toStdString();
    {
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    ZipArchive mapped(path);
    QCOMPARE(mapped.path(), path);
    QCOMPARE(mapped.read("archive/data/0"), entries[2].second);
}

void TestZipArchive::pythonZipfileReadsOurArchives_data() {
    roundTrip_data();
}

void TestZipArchive::pythonZipfileReadsOurArchives() {
    // An independent reader: Python's zipfile checks every CRC and the zip64 records.
    QFETCH(bool, zip64);
    const QString python = QStandardPaths::findExecutable("python3");
    if (python.isEmpty())
        QSKIP("python3 is not installed: cross-check with Python's zipfile skipped");
    QTemporaryDir dir;
    const QString path = dir.filePath("x.zip");
    const std::string bytes = makeZip(sampleEntries(), zip64);
    {
        std::ofstream out(path.toStdString(), std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    QProcess p;
    p.start(python, {"-c",
                     "import sys, zipfile\n"
                     "z = zipfile.ZipFile(sys.argv[1])\n"
                     "assert z.testzip() is None\n"
                     "print(','.join(i.filename + ':' + str(i.file_size) for i in z.infolist()))",
                     path});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
             QStringLiteral("archive/data.pkl:333,archive/byteorder:6,archive/data/0:70000,"
                            "archive/data/1:0,archive/data/2:1,archive/version:2"));
}

void TestZipArchive::readsTorchSavedFixture() {
    // torch.save's own writer: data descriptors, "FB" padding, "<name>/" record folder.
    DERMSAM_REQUIRE_FIXTURE(fixture);
    ZipArchive zip((fixture + "/weights.pth").toStdString());
    QVERIFY(zip.find("weights/data.pkl"));
    QCOMPARE(zip.read("weights/version"), std::string("3\n"));
    for (const ZipEntry& e : zip.entries()) {
        QCOMPARE(e.method, uint16_t(0));
        QCOMPARE(e.dataOffset % 64, uint64_t(0));
    }
    zip.verifyCrc(*zip.find("weights/data/0"));
}

void TestZipArchive::crcMismatchIsDetected() {
    std::string bytes = makeZip(sampleEntries());
    const ZipArchive clean = openBytes(bytes);
    const ZipEntry* e = clean.find("archive/data/0");
    bytes[static_cast<size_t>(e->dataOffset + 1234)] ^= 0x10;
    const ZipArchive zip = openBytes(bytes);
    try {
        zip.verifyCrc(*zip.find("archive/data/0"));
        QFAIL("a flipped bit must fail the CRC check");
    } catch (const FileError& err) {
        QCOMPARE(err.kind(), Kind::Corrupt);
        QVERIFY(err.detail().find("archive/data/0") != std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(FileError, zip.read("archive/data/0"));
    zip.verifyCrc(*zip.find("archive/data.pkl")); // the others are intact
}

void TestZipArchive::compressedEntryRefused() {
    std::string bytes = makeZip({{"a", "hello"}});
    wr16(bytes, centralDirectory(bytes) + 10, 8); // method: deflate
    const ZipArchive zip = openBytes(bytes);
    try {
        zip.data(zip.entries().front());
        QFAIL("a deflated entry must be refused");
    } catch (const FileError& err) {
        QCOMPARE(err.kind(), Kind::Unsupported);
        QVERIFY(err.detail().find("compressed") != std::string::npos);
    }
}

void TestZipArchive::truncated_data() {
    QTest::addColumn<int>("keep"); // bytes kept; negative = size + keep
    QTest::newRow("last byte missing") << -1;
    QTest::newRow("end record missing") << -22;
    QTest::newRow("half") << -40000;
    QTest::newRow("local header only") << 20;
}

void TestZipArchive::truncated() {
    QFETCH(int, keep);
    const std::string bytes = makeZip(sampleEntries());
    const size_t n = keep < 0 ? bytes.size() - static_cast<size_t>(-keep) : size_t(keep);
    QCOMPARE(openAndReadAll(bytes.substr(0, n)), static_cast<int>(Kind::Truncated));
}

void TestZipArchive::everyTruncationIsRefused() {
    // Every prefix of an archive (plain and zip64) is refused with a FileError, never a crash.
    for (bool zip64 : {false, true}) {
        const std::string bytes =
            makeZip({{"archive/data.pkl", "abc"}, {"archive/x", "yz"}}, zip64);
        for (size_t n = 0; n < bytes.size(); ++n) {
            const int code = openAndReadAll(bytes.substr(0, n));
            QVERIFY2(code == static_cast<int>(Kind::Truncated) ||
                         code == static_cast<int>(Kind::Malformed),
                     qPrintable(QStringLiteral("prefix of %1 bytes gave %2").arg(n).arg(code)));
        }
    }
}

void TestZipArchive::garbage_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("text") << QByteArray("this is not a zip archive at all, just some text\n");
    const std::string noise = randomBytes(5000, 4);
    QTest::newRow("noise") << QByteArray(noise.data(), static_cast<int>(noise.size()));
    QTest::newRow("safetensors") << QByteArray("\x02\x00\x00\x00\x00\x00\x00\x00{}", 10);
    QTest::newRow("bare end record with bad offsets")
        << QByteArray("PK\x05\x06\0\0\0\0\x01\0\x01\0\x2e\0\0\0\0\0\0\0\0\0", 22);
}

void TestZipArchive::garbage() {
    QFETCH(QByteArray, bytes);
    const int code = openAndReadAll(bytes.toStdString());
    QVERIFY2(code == static_cast<int>(Kind::Malformed) || code == static_cast<int>(Kind::Truncated),
             qPrintable(QString::number(code)));
    if (!bytes.startsWith("PK"))
        QCOMPARE(code, static_cast<int>(Kind::Malformed));
}

void TestZipArchive::entryPointingOutside_data() {
    QTest::addColumn<int>("field"); // offset inside the first central record
    QTest::addColumn<uint>("value");
    QTest::newRow("local header offset past the end") << 42 << 0x7fffff00u;
    QTest::newRow("local header offset at the end") << 42 << 0u; // patched to size below
    QTest::newRow("stored size past the end") << 20 << 0x7fffff00u;
}

void TestZipArchive::entryPointingOutside() {
    QFETCH(int, field);
    QFETCH(uint, value);
    std::string bytes = makeZip({{"archive/data.pkl", randomBytes(100, 5)}});
    const size_t cd = centralDirectory(bytes);
    if (value == 0)
        value = static_cast<uint32_t>(bytes.size() - 10);
    wr32(bytes, cd + static_cast<size_t>(field), value);
    if (field == 20)
        wr32(bytes, cd + 24, value); // keep stored == real size
    QCOMPARE(openAndReadAll(bytes), static_cast<int>(Kind::Truncated));

    // The central directory itself outside the file.
    std::string moved = makeZip({{"a", "b"}});
    wr32(moved, moved.size() - 22 + 16, 0x70000000u);
    QCOMPARE(openAndReadAll(moved), static_cast<int>(Kind::Truncated));
}

void TestZipArchive::randomCorruptionNeverCrashes() {
    // Flipping bytes anywhere (headers included) gives either a readable archive or a
    // FileError: never a crash or an out-of-bounds read (run under ASan to see the latter).
    for (bool zip64 : {false, true}) {
        const std::string clean = makeZip(sampleEntries(), zip64);
        std::mt19937 rng(zip64 ? 11 : 12);
        const size_t tail = clean.size() - 600; // the headers live at the end, and the start
        for (int round = 0; round < 3000; ++round) {
            std::string bytes = clean;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int f = 0; f < flips; ++f) {
                const size_t at = (rng() & 1) ? tail + rng() % 600 : rng() % 200;
                bytes[at] = static_cast<char>(rng() & 0xff);
            }
            openAndReadAll(bytes);
        }
    }
}

void TestZipArchive::zip64SizesPastTheArchive_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<int>("code");
    QTest::newRow("stored size of 2^63") << "stored" << int(Kind::Truncated);
    QTest::newRow("local header at 2^63") << "offset" << int(Kind::Truncated);
    // Never inflated (only stored entries are read), so its size allocates nothing.
    QTest::newRow("deflated to 2^63 bytes") << "deflated" << int(Kind::Unsupported);
    QTest::newRow("2^60 entries") << "count" << int(Kind::Malformed);
}

// A zip64 archive may declare 64-bit sizes, offsets and counts: each is checked against the
// archive's real size before it is used, whatever it claims.
void TestZipArchive::zip64SizesPastTheArchive() {
    QFETCH(QString, field);
    QFETCH(int, code);
    std::string bytes = makeZip({{"archive/data.pkl", randomBytes(100, 6)}}, true);
    const auto wr64 = [&bytes](size_t at, uint64_t v) {
        wr32(bytes, at, static_cast<uint32_t>(v));
        wr32(bytes, at + 4, static_cast<uint32_t>(v >> 32));
    };
    const size_t cd = bytes.rfind(std::string("PK\x01\x02", 4));
    QVERIFY(cd != std::string::npos);
    const size_t nameLen = static_cast<unsigned char>(bytes[cd + 28]);
    const size_t extra = cd + 46 + nameLen + 4; // zip64 field: size, stored size, offset
    const uint64_t huge = uint64_t(1) << 63;
    if (field == "stored") {
        wr64(extra, huge);
        wr64(extra + 8, huge);
    } else if (field == "offset") {
        wr64(extra + 16, huge);
    } else if (field == "deflated") {
        wr16(bytes, cd + 10, 8);
        wr64(extra, huge);
    } else {
        const size_t z64 = bytes.rfind(std::string("PK\x06\x06", 4));
        QVERIFY(z64 != std::string::npos);
        wr64(z64 + 24, uint64_t(1) << 60);
        wr64(z64 + 32, uint64_t(1) << 60);
    }
    QCOMPARE(openAndReadAll(bytes), code);
}

QTEST_GUILESS_MAIN(TestZipArchive)
#include "tst_zip_archive.moc"
