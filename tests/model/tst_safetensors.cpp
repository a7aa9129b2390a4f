// Protects .safetensors round trips with metadata and the refusal of malformed and hostile
// headers (issue 20: shapes that ask for gigabytes or overflow are refused before allocating).
// labels: unit
#include "model/model_error.h"
#include "model/serialization/safetensors.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <random>

using namespace dermsam;

namespace {

std::string bytesOf(const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

bool sameBits(const at::Tensor& a, const at::Tensor& b) {
    return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && bytesOf(a) == bytesOf(b);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A file from a header text and a data buffer; `length` overrides the header length field.
std::string file(const std::string& header, const std::string& data, int64_t length = -1) {
    const uint64_t n = length < 0 ? header.size() : static_cast<uint64_t>(length);
    std::string out;
    for (int i = 0; i < 8; ++i)
        out += static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void roundTripWithMetadata();
    void layoutIsAligned();
    void readsHandWrittenFile();
    void malformed_data();
    void malformed();
    void randomCorruptionNeverCrashes();
    void writeRefusesUnsupportedDtype();

private:
    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }
    QTemporaryDir m_dir;
};

void TestSafetensors::roundTripWithMetadata() {
    at::manual_seed(1);
    const TensorMap tensors = {
        {"mask_decoder.f32", at::randn({3, 5})},
        {"f16", at::randn({7}).to(at::kHalf)},
        {"bf16", at::randn({2, 3}).to(at::kBFloat16)},
        {"f64", at::randn({3}).to(at::kDouble)},
        {"i64", at::arange(-4, 4)},
        {"i32", at::arange(5).to(at::kInt)},
        {"u8", at::arange(250, 256).to(at::kByte)},
        {"bool", at::arange(7) % 3 == 0},
        {"scalar", at::scalar_tensor(4.0)},
        {"empty", at::empty({0, 2})},
        {"transposed input", at::randn({2, 5}).t()},
        {"name \"with\" quotes\\ and \xc3\xa9", at::ones({1})},
    };
    const MetadataMap metadata = {
        {"architecture", "vit_b"},
        {"profile", "medsam"},
        {"settings", "{\"lr\": 1e-4,\n\"note\": \"tab\\there\"}"},
        {"unicode", "d\xc3\xa9j\xc3\xa0 \xe2\x9c\x93"},
        {"control", std::string("a\x01"
                                "b",
                                3)},
        {"empty", ""},
    };
    writeSafetensors(path("rt.safetensors"), tensors, metadata);
    const SafetensorsFile back = readSafetensors(path("rt.safetensors"));
    QCOMPARE(back.metadata, metadata);
    QCOMPARE(back.tensors.size(), tensors.size());
    for (const auto& kv : tensors) {
        QVERIFY2(back.tensors.count(kv.first), kv.first.c_str());
        QVERIFY2(sameBits(back.tensors.at(kv.first), kv.second), kv.first.c_str());
        QVERIFY(back.tensors.at(kv.first).is_contiguous());
    }
    // The tensors stay valid (and writable, privately) after the reader is gone.
    at::Tensor t = back.tensors.at("mask_decoder.f32");
    t.add_(1);
    QVERIFY(sameBits(readSafetensors(path("rt.safetensors")).tensors.at("mask_decoder.f32"),
                     tensors.at("mask_decoder.f32")));

    // No metadata at all.
    writeSafetensors(path("nometa.safetensors"), {{"x", at::ones({2})}});
    QVERIFY(readSafetensors(path("nometa.safetensors")).metadata.empty());
}

void TestSafetensors::layoutIsAligned() {
    writeSafetensors(path("al.safetensors"), {{"a", at::ones({3}, at::kByte)},
                                              {"b", at::ones({3}, at::kHalf)},
                                              {"c", at::ones({3}, at::kDouble)},
                                              {"d", at::ones({1}, at::kFloat)}});
    const std::string bytes = readFile(path("al.safetensors"));
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
        n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    QCOMPARE((8 + n) % 8, uint64_t(0));
    QCOMPARE(bytes[8], '{');
    const SafetensorsFile f = readSafetensors(path("al.safetensors"));
    for (const auto& kv : f.tensors)
        QCOMPARE(reinterpret_cast<uintptr_t>(kv.second.data_ptr()) %
                     static_cast<uintptr_t>(kv.second.element_size()),
                 uintptr_t(0));
}

void TestSafetensors::readsHandWrittenFile() {
    // As another writer might lay it out: metadata last, spaces, an escaped name, possibly
    // unaligned data, and a hole between tensors.
    const float values[3] = {1.5f, -2.0f, 3.25f};
    std::string data = "\x07";
    data.append(reinterpret_cast<const char*>(values), sizeof values);
    data += "xx"; // not referenced by any tensor
    const std::string header =
        "{ \"a\\u00e9\" : {\"dtype\":\"F32\", \"shape\":[3], \"data_offsets\":[1,13]},\n"
        "  \"b\": {\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]},"
        "  \"__metadata__\": {\"k\\n\": \"v\\ud83d\\ude00\"}   }   ";
    writeFile(path("hand.safetensors"), file(header, data));
    const SafetensorsFile f = readSafetensors(path("hand.safetensors"));
    QCOMPARE(f.metadata.at("k\n"), std::string("v\xf0\x9f\x98\x80"));
    const at::Tensor a = f.tensors.at("a\xc3\xa9");
    QCOMPARE(a.sizes().vec(), std::vector<int64_t>{3});
    QCOMPARE(a[1].item<float>(), -2.0f);
    QCOMPARE(f.tensors.at("b").dim(), int64_t(0));
    QCOMPARE(f.tensors.at("b").item<uint8_t>(), uint8_t(7));
}

void TestSafetensors::malformed_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("why");
    auto row = [](const char* title, const std::string& bytes, const char* why) {
        QTest::newRow(title) << QByteArray::fromStdString(bytes) << QString(why);
    };
    const std::string four(4, '\0');
    const std::string ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    row("shorter than 8 bytes", "\x02\x00\x00", "shorter");
    row("length past the end", file(ok, four, 1000), "bad header length");
    row("length over the limit", file(ok, four, int64_t(1) << 40), "bad header length");
    row("not JSON", file("hello", ""), "not a JSON object");
    row("JSON array", file("[1,2]", ""), "not a JSON object");
    row("truncated string", file("{\"a\":{\"dtype\":\"F3", ""), "unterminated");
    row("truncated object", file("{\"a\":{\"dtype\":\"F32\"", ""), "expected ',' or '}'");
    row("trailing garbage", file("{} x", ""), "after the JSON");
    row("unknown dtype",
        file("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", "x"),
        "unknown dtype 'F8_E4M3'");
    row("shape/size mismatch",
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", four),
        "shape/size mismatch");
    row("offsets out of range",
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", four),
        "out of range");
    row("offsets reversed",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", four),
        "out of range");
    row("overlapping",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
             "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
             four),
        "overlapping");
    row("negative dimension",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", four),
        "bad shape");
    row("fractional dimension",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", four),
        "bad shape");
    row("huge shape",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,1]}}",
             four),
        "too large");
    row("missing data_offsets", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", four),
        "data_offsets");
    row("missing dtype", file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", four), "dtype");
    row("entry not an object", file("{\"a\":3}", four), "not an object");
    row("metadata value not a string", file("{\"__metadata__\":{\"k\":1}}", ""), "not a string");
    row("metadata not an object", file("{\"__metadata__\":[]}", ""), "not an object");
    row("duplicate key", file("{\"__metadata__\":{},\"__metadata__\":{}}", ""), "duplicate");
    row("bad escape", file("{\"a\\q\":1}", ""), "bad escape");
    row("lone surrogate", file("{\"a\\ud800\":1}", ""), "surrogate");
    row("raw control character", file(std::string("{\"a\nb\":1}"), ""), "control character");
    row("deep nesting",
        file("{\"a\":" + std::string(10000, '[') + std::string(10000, ']') + "}", ""),
        "nested too deeply");
    // Issue 20: an empty tensor is no licence for huge other dimensions (LibTorch multiplies
    // them when it makes the tensor), nor for a thousand of them.
    row("empty but huge",
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,4294967296,4294967296],"
             "\"data_offsets\":[0,0]}}",
             ""),
        "too large");
    std::string manyDims = "[1";
    for (int i = 0; i < 1000; ++i)
        manyDims += ",1";
    row("a thousand dimensions",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":" + manyDims + "],\"data_offsets\":[0,1]}}", four),
        "dimensions");
    // Millions of tiny JSON values would build gigabytes of parse tree from a small header.
    std::string zeros = "[0";
    for (int i = 0; i < 2200000; ++i)
        zeros += ",0";
    row("millions of values", file("{\"a\":" + zeros + "]}", ""), "values");
    row("gigabytes declared, 4 bytes present",
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,"
             "17179869184]}}",
             four),
        "out of range");
    row("number overflow in offsets",
        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}",
             four),
        "data_offsets");
}

void TestSafetensors::malformed() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, why);
    writeFile(path("bad.safetensors"), bytes.toStdString());
    try {
        readSafetensors(path("bad.safetensors"));
        QFAIL("a malformed file was accepted");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::BadSafetensors);
        QVERIFY2(e.detail().find(why.toStdString()) != std::string::npos, e.what());
        QCOMPARE(e.path(), path("bad.safetensors"));
    }
}

void TestSafetensors::randomCorruptionNeverCrashes() {
    writeSafetensors(
        path("clean.safetensors"),
        {{"a", at::randn({4, 4})}, {"b", at::arange(6)}, {"c", at::ones({3}, at::kBool)}},
        {{"k", "v"}});
    const std::string clean = readFile(path("clean.safetensors"));
    std::mt19937 rng(3);
    for (int round = 0; round < 2000; ++round) {
        std::string bytes = clean;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int f = 0; f < flips; ++f)
            bytes[rng() % std::min<size_t>(bytes.size(), 200)] = static_cast<char>(rng() & 0xff);
        if (rng() % 4 == 0)
            bytes.resize(rng() % bytes.size());
        writeFile(path("fuzz.safetensors"), bytes);
        try {
            readSafetensors(path("fuzz.safetensors"));
        } catch (const ModelError&) {
        }
    }
}

void TestSafetensors::writeRefusesUnsupportedDtype() {
    try {
        writeSafetensors(path("c.safetensors"), {{"c", at::randn({2}).to(at::kComplexFloat)}});
        QFAIL("complex tensors cannot be saved");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::UnsupportedDtype);
    }
    QVERIFY(!QFile::exists(m_dir.filePath("c.safetensors")));
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
