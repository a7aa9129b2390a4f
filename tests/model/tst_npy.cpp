// Protects .npy reading and writing: every supported dtype round-trips bit for bit, NumPy's
// header layout is honoured, and malformed or hostile files are refused with BadNpy, never a
// crash (issue 20: a 200,000-character header once overflowed the stack).
// labels: unit
#include "model/model_error.h"
#include "model/serialization/npy.h"

#include <ATen/ATen.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <string>

using namespace dermsam;

Q_DECLARE_METATYPE(at::ScalarType)

class TestNpy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void headerIsNumpyCompatible();
    void fortranOrder();
    void malformed_data();
    void malformed();
    void hostileHeaders_data();
    void hostileHeaders();
    void longButValidHeader();
};

namespace {

// A .npy file with `header` as is (version 2.0: a 4-byte header length, so any length) and
// `dataBytes` zero bytes of data.
std::string npyWithHeader(const std::string& header, size_t dataBytes = 0) {
    std::string bytes("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i)
        bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    bytes += header;
    bytes.append(dataBytes, '\0');
    return bytes;
}

std::string header(const std::string& descr, const std::string& shape) {
    return "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }\n";
}

} // namespace

void TestNpy::roundTrip_data() {
    QTest::addColumn<at::ScalarType>("type");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::newRow("float32 4d") << at::kFloat << QList<qint64>{1, 3, 5, 7};
    QTest::newRow("float16") << at::kHalf << QList<qint64>{4, 6};
    QTest::newRow("uint8") << at::kByte << QList<qint64>{9};
    QTest::newRow("int64") << at::kLong << QList<qint64>{2, 2, 2};
    QTest::newRow("float64 scalar-like") << at::kDouble << QList<qint64>{1};
    QTest::newRow("empty") << at::kFloat << QList<qint64>{0, 3};
}

void TestNpy::roundTrip() {
    QFETCH(at::ScalarType, type);
    QFETCH(QList<qint64>, shape);
    const std::vector<int64_t> dims(shape.begin(), shape.end());
    at::manual_seed(7);
    const at::Tensor t = (at::randn(dims) * 100).to(type);
    const at::Tensor back = parseNpy(serializeNpy(t));
    QCOMPARE(back.scalar_type(), type);
    QCOMPARE(back.sizes().vec(), dims);
    QVERIFY(at::equal(back, t));
}

void TestNpy::headerIsNumpyCompatible() {
    const std::string bytes = serializeNpy(at::zeros({2, 3}, at::kFloat));
    QCOMPARE(bytes.substr(0, 6), std::string("\x93NUMPY"));
    const size_t headerLen =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    QCOMPARE((10 + headerLen) % 64, size_t(0)); // NumPy aligns the data to 64 bytes
    const std::string header = bytes.substr(10, headerLen);
    QVERIFY(header.find("'descr': '<f4'") != std::string::npos);
    QVERIFY(header.find("'shape': (2, 3)") != std::string::npos);
    QCOMPARE(header.back(), '\n');
    QCOMPARE(bytes.size(), 10 + headerLen + 6 * 4);
}

void TestNpy::fortranOrder() {
    // A (2, 3) int64 array stored column-major: memory order 0 3 1 4 2 5 means rows 0..2, 3..5.
    std::string header = "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }";
    header.append(64 - (10 + header.size() + 1) % 64, ' ');
    header += '\n';
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(header.size());
    bytes += '\0';
    bytes += header;
    for (int64_t v : {0, 3, 1, 4, 2, 5})
        bytes.append(reinterpret_cast<const char*>(&v), 8);
    const at::Tensor t = parseNpy(bytes);
    QVERIFY(at::equal(t, at::arange(6, at::kLong).view({2, 3})));
}

void TestNpy::malformed_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    const std::string good = serializeNpy(at::ones({4, 4}));
    QTest::newRow("not npy") << QByteArray("hello world, not numpy") << int(ErrorCode::BadNpy);
    QTest::newRow("truncated data")
        << QByteArray(good.data(), int(good.size() - 3)) << int(ErrorCode::BadNpy);
    QTest::newRow("truncated header") << QByteArray(good.data(), 20) << int(ErrorCode::BadNpy);
    std::string complex = good;
    complex.replace(complex.find("<f4"), 3, "<c8");
    QTest::newRow("complex dtype")
        << QByteArray(complex.data(), int(complex.size())) << int(ErrorCode::UnsupportedDtype);
    std::string bigEndian = good;
    bigEndian.replace(bigEndian.find("<f4"), 3, ">f4");
    QTest::newRow("big endian") << QByteArray(bigEndian.data(), int(bigEndian.size()))
                                << int(ErrorCode::UnsupportedDtype);
}

void TestNpy::malformed() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    try {
        parseNpy(bytes.toStdString(), "x.npy");
        QFAIL("accepted a malformed file");
    } catch (const ModelError& e) {
        QCOMPARE(int(e.code()), code);
        QCOMPARE(e.path(), std::string("x.npy"));
    }
}

void TestNpy::hostileHeaders_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("why");
    auto row = [](const char* title, const std::string& bytes, ErrorCode code, const char* why) {
        QTest::newRow(title) << QByteArray::fromStdString(bytes) << int(code) << QString(why);
    };
    // The fuzzer's cases: std::regex recursed once per character and overflowed the stack.
    row("descr of 200,000 spaces",
        npyWithHeader(header("'" + std::string(200000, ' ') + "'", "(1,)"), 4), ErrorCode::BadNpy,
        "limit");
    row("shape of 200,000 digits",
        npyWithHeader(header("'<f4'", "(" + std::string(200000, '9') + ",)"), 4), ErrorCode::BadNpy,
        "limit");
    // The same under the 64 KiB header limit reach the parser itself.
    row("descr of 60,000 characters",
        npyWithHeader(header("'<" + std::string(60000, 'f') + "'", "(1,)"), 4), ErrorCode::BadNpy,
        "longer than");
    row("shape of 60,000 digits",
        npyWithHeader(header("'<f4'", "(" + std::string(60000, '9') + ",)"), 4), ErrorCode::BadNpy,
        "too large");
    row("60,000 spaces inside the shape",
        npyWithHeader(header("'<f4'", "(" + std::string(60000, ' ') + "x)"), 4), ErrorCode::BadNpy,
        "integers");
    std::string manyDims = "(";
    for (int i = 0; i < 100; ++i)
        manyDims += "1, ";
    row("100 dimensions", npyWithHeader(header("'<f4'", manyDims + ")"), 4), ErrorCode::BadNpy,
        "dimensions");
    // 2^62 x 4 elements wrap to 0 in 64 bits: the old reader then asked LibTorch for 2^64.
    row("element count wraps to zero", npyWithHeader(header("'<f4'", "(4611686018427387904, 4)")),
        ErrorCode::BadNpy, "too large");
    row("terabytes declared, 4 bytes present",
        npyWithHeader(header("'<f4'", "(1000000, 1000000)"), 4), ErrorCode::BadNpy, "truncated");
    row("empty but huge", npyWithHeader(header("'<f4'", "(0, 4611686018427387904, 16)")),
        ErrorCode::BadNpy, "too large");
    row("dimension past int64", npyWithHeader(header("'<f4'", "(99999999999999999999,)")),
        ErrorCode::BadNpy, "too large");
    row("negative dimension", npyWithHeader(header("'<f4'", "(-1,)")), ErrorCode::BadNpy,
        "integers");
    row("unterminated descr", npyWithHeader("{'descr': '<f4"), ErrorCode::BadNpy, "unterminated");
    row("no shape", npyWithHeader("{'descr': '<f4', 'fortran_order': False}"), ErrorCode::BadNpy,
        "no shape");
    row("shape twice",
        npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2,)}", 8),
        ErrorCode::BadNpy, "twice");
    row("unknown key",
        npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4),
        ErrorCode::BadNpy, "unexpected header key");
    row("structured dtype", npyWithHeader(header("[('a', '<f4')]", "(1,)"), 4),
        ErrorCode::UnsupportedDtype, "structured");
    row("header length past the file", std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f{", 13),
        ErrorCode::BadNpy, "limit");
}

// Each hostile file, written by the test and read back through readNpy, is refused with the
// right code and a detail naming the problem; nothing crashes or allocates what the data lacks.
void TestNpy::hostileHeaders() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    QFETCH(QString, why);
    QTemporaryDir dir;
    const QString path = dir.filePath("hostile.npy");
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(bytes), qint64(bytes.size()));
    }
    try {
        readNpy(path.toStdString());
        QFAIL("accepted a hostile file");
    } catch (const ModelError& e) {
        QVERIFY2(int(e.code()) == code, e.what());
        QVERIFY2(e.detail().find(why.toStdString()) != std::string::npos, e.what());
        QVERIFY(std::string(e.what()).find('\n') == std::string::npos);
        QVERIFY(e.detail().size() < 2000); // no hostile header echoed back in full
    }
}

// Whitespace is allowed anywhere NumPy allows it, in any amount under the header limit, and the
// keys in any order: the parser is a grammar, not a pattern.
void TestNpy::longButValidHeader() {
    const std::string h = "{ 'shape' : (2 , 3L)," + std::string(50000, ' ') +
                          "\"fortran_order\": False, 'descr':'<i4' }" + std::string(10, ' ') + "\n";
    std::string bytes = npyWithHeader(h);
    for (int32_t v = 0; v < 6; ++v)
        bytes.append(reinterpret_cast<const char*>(&v), 4);
    const at::Tensor t = parseNpy(bytes);
    QVERIFY(at::equal(t, at::arange(6, at::kInt).view({2, 3})));
}

QTEST_GUILESS_MAIN(TestNpy)
#include "tst_npy.moc"
