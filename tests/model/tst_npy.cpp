// Protects .npy reading and writing: every supported dtype round-trips bit for bit, NumPy's
// header layout is honoured, and malformed files are refused with BadNpy, never a crash.
// labels: unit
#include "model/model_error.h"
#include "model/npy.h"

#include <ATen/ATen.h>

#include <QtTest>

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
};

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

QTEST_GUILESS_MAIN(TestNpy)
#include "tst_npy.moc"
