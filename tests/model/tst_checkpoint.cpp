// Protects .pth reading/writing: hand-built, hostile and real pickles (issue 20: views larger than
// their storage, deep nesting, oversized documents), and PyTorch interop.
// labels: unit parity
#include "io/zip_archive.h"
#include "model/model_error.h"
#include "model/serialization/checkpoint.h"
#include "model/serialization/pickle_reader.h"
#include "model/serialization/pth_reader.h"
#include "model/serialization/pth_writer.h"
#include "model/serialization/safetensors.h"

#include "test_support.h"

#include <ATen/ATen.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

using namespace dermsam;

Q_DECLARE_METATYPE(at::ScalarType)

namespace {

// Writes pickle opcodes one by one; each test spells its pickle out with these.
class Pk {
public:
    Pk& op(unsigned char c) {
        m_s += static_cast<char>(c);
        return *this;
    }
    Pk& raw(const std::string& s) {
        m_s += s;
        return *this;
    }
    Pk& u32(uint32_t v) {
        for (int i = 0; i < 4; ++i)
            op(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
        return *this;
    }
    Pk& proto(int v) { return op(0x80).op(static_cast<unsigned char>(v)); }
    Pk& global(const std::string& module, const std::string& name) {
        return op('c').raw(module + "\n" + name + "\n");
    }
    Pk& str(const std::string& s) { return op('X').u32(static_cast<uint32_t>(s.size())).raw(s); }
    Pk& shortStr(const std::string& s) {
        return op(0x8c).op(static_cast<unsigned char>(s.size())).raw(s);
    }
    Pk& integer(int64_t v) {
        if (v >= 0 && v < 256)
            return op('K').op(static_cast<unsigned char>(v));
        if (v >= 0 && v < 65536)
            return op('M')
                .op(static_cast<unsigned char>(v & 0xff))
                .op(static_cast<unsigned char>(v >> 8));
        return op('J').u32(static_cast<uint32_t>(static_cast<int32_t>(v)));
    }
    Pk& binfloat(double d) {
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        op('G');
        for (int i = 7; i >= 0; --i)
            op(static_cast<unsigned char>((bits >> (8 * i)) & 0xff));
        return *this;
    }
    Pk& mark() { return op('('); }
    Pk& tuple() { return op('t'); }
    Pk& reduce() { return op('R'); }
    Pk& setitem() { return op('s'); }
    Pk& setitems() { return op('u'); }
    Pk& emptyDict() { return op('}'); }
    Pk& emptyList() { return op(']'); }
    Pk& emptyTuple() { return op(')'); }
    Pk& appends() { return op('e'); }
    Pk& stop() { return op('.'); }
    Pk& binput(int i) { return op('q').op(static_cast<unsigned char>(i)); }
    Pk& binget(int i) { return op('h').op(static_cast<unsigned char>(i)); }
    Pk& orderedDict() { return global("collections", "OrderedDict").emptyTuple().reduce(); }
    Pk& ints(const std::vector<int64_t>& v) {
        mark();
        for (int64_t x : v)
            integer(x);
        return tuple();
    }
    // torch._utils._rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset,
    //                                 size, stride, False, OrderedDict()), as torch.save writes it.
    Pk& tensor(const std::string& storageType, const std::string& key, int64_t numel,
               int64_t offset, const std::vector<int64_t>& size,
               const std::vector<int64_t>& stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel);
        tuple().op('Q');
        integer(offset).ints(size).ints(stride).op(0x89).orderedDict();
        return tuple().reduce();
    }
    const std::string& bytes() const { return m_s; }

private:
    std::string m_s;
};

using Records = std::map<std::string, std::string>;

std::string bytesOf(const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

bool sameBits(const at::Tensor& a, const at::Tensor& b) {
    return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && bytesOf(a) == bytesOf(b);
}

// A zip around a pickle and its storage records, as torch.save lays it out.
void writeCheckpoint(const std::string& path, const std::string& pickle, const Records& records,
                     const std::string& folder = "archive") {
    std::ofstream out(path, std::ios::binary);
    io::ZipWriter zip(out, path);
    zip.addEntry(folder + "/data.pkl", pickle);
    for (const auto& kv : records)
        zip.addEntry(folder + "/data/" + kv.first, kv.second);
    zip.addEntry(folder + "/version", std::string("3\n"));
    zip.finish();
}

at::Tensor fakeStorage(const std::string&, at::ScalarType dtype, int64_t numel) {
    return at::arange(numel, at::TensorOptions().dtype(at::kLong)).to(dtype);
}

// The ErrorCode thrown by unpickling `bytes` (with fake storages), or -1.
int unpickleCode(const std::string& bytes, std::string* detail = nullptr) {
    try {
        unpickle(bytes.data(), bytes.size(), fakeStorage, "test.pkl");
        return -1;
    } catch (const ModelError& e) {
        if (detail)
            *detail = e.detail();
        return static_cast<int>(e.code());
    }
}

const char* storageTypeFor(at::ScalarType t) {
    switch (t) {
    case at::kFloat:
        return "FloatStorage";
    case at::kHalf:
        return "HalfStorage";
    case at::kBFloat16:
        return "BFloat16Storage";
    case at::kDouble:
        return "DoubleStorage";
    case at::kLong:
        return "LongStorage";
    case at::kInt:
        return "IntStorage";
    case at::kByte:
        return "ByteStorage";
    case at::kBool:
        return "BoolStorage";
    default:
        return "?";
    }
}

bool pythonTorchAvailable() {
    static int available = -1;
    if (available < 0) {
        QProcess p;
        p.start("/usr/bin/python3", {"-c", "import torch"});
        available = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit &&
                    p.exitCode() == 0;
    }
    return available == 1;
}

QString runPython(const QString& script, const QStringList& args) {
    QProcess p;
    p.start("/usr/bin/python3", QStringList{"-c", script} + args);
    if (!p.waitForFinished(300000) || p.exitCode() != 0) {
        qWarning().noquote() << p.readAllStandardError();
        return QString();
    }
    return QString::fromUtf8(p.readAllStandardOutput());
}

// "key dtype [shape] sha256-of-bytes" per tensor, the format the Python side prints.
QString describe(const TensorMap& tensors) {
    QStringList lines;
    for (const auto& kv : tensors) {
        const at::Tensor& t = kv.second;
        QStringList dims;
        for (int64_t d : t.sizes())
            dims << QString::number(d);
        std::string dtype = c10::toString(t.scalar_type());
        static const std::map<std::string, std::string> names = {
            {"Float", "float32"},  {"Half", "float16"}, {"BFloat16", "bfloat16"},
            {"Double", "float64"}, {"Long", "int64"},   {"Int", "int32"},
            {"Byte", "uint8"},     {"Bool", "bool"}};
        lines << QStringLiteral("%1 %2 [%3] %4")
                     .arg(QString::fromStdString(kv.first), QString::fromStdString(names.at(dtype)),
                          dims.join(", "), QString::fromStdString(io::Sha256::hex(bytesOf(t))));
    }
    lines.sort();
    return lines.join('\n');
}

const char* kDescribePy = R"(
import hashlib
def describe(sd):
    lines = []
    for k, t in sd.items():
        c = t.detach().contiguous().reshape(-1)
        b = c.view(torch.uint8).numpy().tobytes() if c.numel() else b''
        lines.append('%s %s %s %s' % (k, str(t.dtype).replace('torch.', ''), list(t.shape),
                                      hashlib.sha256(b).hexdigest()))
    return '\n'.join(sorted(lines))
)";

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    // Hand-built pickles.
    void orderedDictStateDict();
    void plainDictStateDict();
    void everyDtype_data();
    void everyDtype();
    void sharedStorage();
    void nonContiguousStrides();
    void protocol4Opcodes();
    void trainingCheckpoint_data();
    void trainingCheckpoint();
    void hostilePickles_data();
    void hostilePickles();
    void malformedPickles_data();
    void malformedPickles();
    void everyTruncationIsBadPickle();
    void storageRecordProblems();
    void deepNestingIsFlat();
    void documentSizesAreBounded_data();
    void documentSizesAreBounded();

    // The real fixture.
    void fixtureWeights();

    // Writing.
    void writeThenReadIsBitIdentical();
    void writtenArchiveLayout();

    // PyTorch itself, when installed.
    void torchLoadsOurFile();
    void weReadTorchSavedCheckpoint();

    // Dispatch.
    void readCheckpointDispatches();

private:
    TensorMap readBack(const std::string& pickle, const Records& records,
                       const std::string& folder = "archive") {
        const std::string path = m_dir.filePath("ckpt.pth").toStdString();
        writeCheckpoint(path, pickle, records, folder);
        return readPthStateDict(path);
    }

    QTemporaryDir m_dir;
};

void TestCheckpoint::initTestCase() {
    QVERIFY(m_dir.isValid());
}

void TestCheckpoint::orderedDictStateDict() {
    const at::Tensor a = at::randn({2, 3});
    const at::Tensor b = at::randn({4});
    Pk p;
    p.proto(2).orderedDict().binput(0).mark();
    p.str("layer.weight").tensor("FloatStorage", "0", 6, 0, {2, 3}, {3, 1});
    p.str("layer.bias").tensor("FloatStorage", "1", 4, 0, {4}, {1});
    p.setitems().stop();
    const TensorMap t = readBack(p.bytes(), {{"0", bytesOf(a)}, {"1", bytesOf(b)}}, "weights");
    QCOMPARE(t.size(), size_t(2));
    QVERIFY(sameBits(t.at("layer.weight"), a));
    QVERIFY(sameBits(t.at("layer.bias"), b));
    QVERIFY(t.at("layer.weight").is_contiguous());
    QVERIFY(t.at("layer.weight").device().is_cpu());
}

void TestCheckpoint::plainDictStateDict() {
    const at::Tensor a = at::randn({5});
    Pk p;
    p.proto(2).emptyDict().binput(0).str("w").tensor("FloatStorage", "0", 5, 0, {5}, {1});
    p.setitem().stop();
    const TensorMap t = readBack(p.bytes(), {{"0", bytesOf(a)}});
    QCOMPARE(t.size(), size_t(1));
    QVERIFY(sameBits(t.at("w"), a));
}

void TestCheckpoint::everyDtype_data() {
    QTest::addColumn<at::ScalarType>("type");
    QTest::newRow("float32") << at::kFloat;
    QTest::newRow("float16") << at::kHalf;
    QTest::newRow("bfloat16") << at::kBFloat16;
    QTest::newRow("float64") << at::kDouble;
    QTest::newRow("int64") << at::kLong;
    QTest::newRow("int32") << at::kInt;
    QTest::newRow("uint8") << at::kByte;
    QTest::newRow("bool") << at::kBool;
}

void TestCheckpoint::everyDtype() {
    QFETCH(at::ScalarType, type);
    const at::Tensor ref = type == at::kBool ? (at::arange(12) % 3 == 0)
                                             : (at::arange(12) * 7 - 20).to(type).view({3, 4});
    Pk p;
    p.proto(2).orderedDict().mark().str("t");
    p.tensor(storageTypeFor(type), "0", 12, 0, ref.sizes().vec(), ref.strides().vec());
    p.setitems().stop();
    const TensorMap t = readBack(p.bytes(), {{"0", bytesOf(ref)}});
    QCOMPARE(t.at("t").scalar_type(), type);
    QVERIFY(sameBits(t.at("t"), ref));
}

void TestCheckpoint::sharedStorage() {
    // Two tensors viewing one storage at different offsets; the second names the storage by
    // its memoised persistent load, a third repeats the persistent id (as torch.save does).
    const at::Tensor storage = at::randn({10});
    Pk p;
    p.proto(2).orderedDict().mark();
    p.str("head").global("torch._utils", "_rebuild_tensor_v2").binput(1).mark();
    p.mark().str("storage").global("torch", "FloatStorage").str("7").str("cpu").integer(10);
    p.tuple().op('Q').binput(2); // the loaded storage, memoised
    p.integer(0).ints({4}).ints({1}).op(0x89).orderedDict().tuple().reduce();
    p.str("tail").binget(1).mark().binget(2).integer(4).ints({2, 3}).ints({3, 1});
    p.op(0x89).orderedDict().tuple().reduce();
    p.str("again").tensor("FloatStorage", "7", 10, 1, {2}, {1});
    p.setitems().stop();
    const TensorMap t = readBack(p.bytes(), {{"7", bytesOf(storage)}});
    QVERIFY(sameBits(t.at("head"), storage.slice(0, 0, 4)));
    QVERIFY(sameBits(t.at("tail"), storage.slice(0, 4, 10).view({2, 3})));
    QVERIFY(sameBits(t.at("again"), storage.slice(0, 1, 3)));
    // Views of one buffer, like PyTorch's shared storages.
    QCOMPARE(static_cast<const float*>(t.at("tail").data_ptr()),
             static_cast<const float*>(t.at("head").data_ptr()) + 4);
}

void TestCheckpoint::nonContiguousStrides() {
    const at::Tensor storage = at::randn({12});
    Pk p;
    p.proto(2).orderedDict().mark();
    p.str("transposed").tensor("FloatStorage", "0", 12, 0, {4, 3}, {1, 4});
    p.str("strided").tensor("FloatStorage", "0", 12, 1, {2, 2}, {6, 2});
    p.str("expanded").tensor("FloatStorage", "0", 12, 3, {2, 3}, {0, 1});
    p.setitems().stop();
    const TensorMap t = readBack(p.bytes(), {{"0", bytesOf(storage)}});
    QVERIFY(sameBits(t.at("transposed"), storage.view({3, 4}).t().contiguous()));
    QVERIFY(sameBits(t.at("strided"), storage.as_strided({2, 2}, {6, 2}, 1).contiguous()));
    QVERIFY(sameBits(t.at("expanded"), storage.slice(0, 3, 6).expand({2, 3}).contiguous()));
    for (const auto& kv : t)
        QVERIFY2(kv.second.is_contiguous(), kv.first.c_str());
}

void TestCheckpoint::protocol4Opcodes() {
    // FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, BINUNICODE8, EMPTY_SET, LONG1.
    const at::Tensor a = at::randn({3});
    Pk p;
    p.proto(4).op(0x95).raw(std::string("\x10\x00\x00\x00\x00\x00\x00\x00", 8));
    p.shortStr("collections").op(0x94).shortStr("OrderedDict").op(0x94).op(0x93).op(0x94); // memo 2
    p.emptyTuple().reduce().op(0x94).mark();
    p.op(0x8d).raw(std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8)).raw("w").op(0x94);
    p.shortStr("torch._utils").shortStr("_rebuild_tensor_v2").op(0x93).op(0x94).mark();
    p.mark().shortStr("storage").shortStr("torch").shortStr("FloatStorage").op(0x93);
    p.shortStr("0").shortStr("cpu").op(0x8a).op(1).op(3).tuple().op('Q');
    p.op(0x8a).op(0).ints({3}).ints({1}).op(0x89).binget(2).emptyTuple().reduce();
    p.tuple().reduce().setitems().stop();
    const TensorMap t = readBack(p.bytes(), {{"0", bytesOf(a)}});
    QVERIFY(sameBits(t.at("w"), a));
}

void TestCheckpoint::trainingCheckpoint_data() {
    QTest::addColumn<bool>("prefixed");
    QTest::addColumn<bool>("partlyPrefixed");
    QTest::newRow("plain keys") << false << false;
    QTest::newRow("module. prefix") << true << false;
    QTest::newRow("prefix on some keys only") << true << true;
}

void TestCheckpoint::trainingCheckpoint() {
    QFETCH(bool, prefixed);
    QFETCH(bool, partlyPrefixed);
    const at::Tensor w = at::randn({2, 2});
    const at::Tensor b = at::randn({2});
    const std::string pre = prefixed ? "module." : "";
    // {"model": OrderedDict(...), "optimizer": {"state": {0: {"step": 10, "exp_avg": tensor}},
    //  "param_groups": [{"lr": 1e-4, "betas": (0.9, 0.999), "amsgrad": False, "foreach": None,
    //  "params": [0, 1]}]}, "epoch": 3}
    Pk p;
    p.proto(2).emptyDict().binput(0).mark();
    p.str("model").orderedDict().mark();
    p.str(pre + "mask_decoder.w").tensor("FloatStorage", "0", 4, 0, {2, 2}, {2, 1});
    p.str((partlyPrefixed ? "" : pre) + "mask_decoder.b")
        .tensor("FloatStorage", "1", 2, 0, {2}, {1});
    p.setitems();
    p.str("optimizer").emptyDict().mark();
    p.str("state").emptyDict().integer(0).emptyDict().mark();
    p.str("step").integer(10).str("exp_avg").tensor("FloatStorage", "2", 4, 0, {2, 2}, {2, 1});
    p.setitems().setitem();
    p.str("param_groups").emptyList().mark().emptyDict().mark();
    p.str("lr").binfloat(1e-4).str("betas").binfloat(0.9).binfloat(0.999).op(0x86);
    p.str("amsgrad").op(0x89).str("foreach").op('N').str("params").emptyList().mark();
    p.integer(0).integer(1).appends();
    p.setitems().appends();
    p.setitems();
    p.str("epoch").integer(3);
    p.setitems().stop();
    const Records records = {{"0", bytesOf(w)}, {"1", bytesOf(b)}, {"2", bytesOf(w * 0)}};
    const TensorMap t = readBack(p.bytes(), records);
    const std::string keep = partlyPrefixed ? "module." : "";
    QCOMPARE(t.size(), size_t(2));
    QVERIFY(t.count(keep + "mask_decoder.w"));
    QVERIFY(t.count("mask_decoder.b"));
    QVERIFY(sameBits(t.at(keep + "mask_decoder.w"), w));
    QVERIFY(sameBits(t.at("mask_decoder.b"), b));

    // The rest of the checkpoint is there too.
    const PickleDocument doc = readPthPickle(m_dir.filePath("ckpt.pth").toStdString());
    const PickleValue& root = doc.root();
    QCOMPARE(root.get("epoch")->intValue, int64_t(3));
    const PickleValue* group = root.get("optimizer")->get("param_groups")->items.at(0);
    QCOMPARE(group->get("lr")->floatValue, 1e-4);
    QCOMPARE(group->get("betas")->items.at(1)->floatValue, 0.999);
    QCOMPARE(group->get("params")->items.size(), size_t(2));
    QVERIFY(group->get("foreach")->is(PickleValue::Kind::None));
    QCOMPARE(root.get("optimizer")->get("state")->get(int64_t(0))->get("step")->intValue,
             int64_t(10));
}

void TestCheckpoint::hostilePickles_data() {
    const QString marker = m_dir.filePath("pwned");
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("name");
    auto row = [](const char* title, const Pk& p, const char* name) {
        QTest::newRow(title) << QByteArray::fromStdString(p.bytes()) << QString(name);
    };
    row("GLOBAL os.system + REDUCE",
        Pk().proto(2)
            .global("os", "system")
            .str("touch " + marker.toStdString())
            .op(0x85)
            .reduce()
            .stop(),
        "os.system");
    row("builtins.eval",
        Pk().proto(2).global("builtins", "eval").str("__import__('os')").op(0x85).reduce().stop(),
        "builtins.eval");
    row("posix.system", Pk().proto(2).global("posix", "system").str("id").op(0x85).reduce().stop(),
        "posix.system");
    row("STACK_GLOBAL subprocess.call",
        Pk().proto(4)
            .shortStr("subprocess")
            .shortStr("call")
            .op(0x93)
            .str("ls")
            .op(0x85)
            .reduce()
            .stop(),
        "subprocess.call");
    row("INST os.system", Pk().proto(0).mark().str("ls").op('i').raw("os\nsystem\n").stop(),
        "os.system");
    row("OBJ os.system", Pk().proto(1).mark().global("os", "system").str("ls").op('o').stop(),
        "os.system");
    row("NEWOBJ builtins.object",
        Pk().proto(2).global("builtins", "object").emptyTuple().op(0x81).stop(), "builtins.object");
    row("inside a state dict",
        Pk().proto(2)
            .orderedDict()
            .mark()
            .str("x")
            .global("torch", "load")
            .str("f")
            .op(0x85)
            .reduce()
            .setitems()
            .stop(),
        "torch.load");
    row("other torch._utils function",
        Pk().proto(2).global("torch._utils", "_rebuild_device_tensor_from_numpy").stop(),
        "torch._utils._rebuild_device_tensor_from_numpy");
    row("in the optimizer",
        Pk().proto(2)
            .emptyDict()
            .mark()
            .str("optimizer")
            .global("__builtin__", "exec")
            .str("x")
            .op(0x85)
            .reduce()
            .setitems()
            .stop(),
        "__builtin__.exec");
    row("copyreg extension code", Pk().proto(2).op(0x82).op(1).stop(), "extension code 1");
}

void TestCheckpoint::hostilePickles() {
    QFETCH(QByteArray, pickle);
    QFETCH(QString, name);
    const std::string path = m_dir.filePath("hostile.pth").toStdString();
    writeCheckpoint(path, pickle.toStdString(), {});
    try {
        readPthStateDict(path);
        QFAIL("a hostile pickle was accepted");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::ForbiddenGlobal);
        QVERIFY2(e.detail().find(name.toStdString()) != std::string::npos, e.what());
        QCOMPARE(e.path(), path);
    }
    QVERIFY(!QFile::exists(m_dir.filePath("pwned"))); // nothing ran
}

void TestCheckpoint::malformedPickles_data() {
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("why");
    auto row = [](const char* title, const Pk& p, const char* why) {
        QTest::newRow(title) << QByteArray::fromStdString(p.bytes()) << QString(why);
    };
    row("empty", Pk(), "no STOP");
    row("no STOP", Pk().proto(2).emptyDict(), "no STOP");
    row("undefined memo", Pk().proto(2).binget(5).stop(), "memo");
    row("stack underflow", Pk().proto(2).reduce().stop(), "underflow");
    row("pop below mark", Pk().proto(2).emptyDict().mark().setitem().stop(), "underflow");
    row("huge string length", Pk().proto(2).op('X').u32(0x7fffffff).raw("ab").stop(), "truncated");
    row("huge BINUNICODE8", Pk().proto(4).op(0x8d).raw(std::string(7, '\xff') + "\x7f").stop(),
        "truncated");
    row("frame past the end", Pk().proto(4).op(0x95).raw(std::string("\xff\xff\0\0\0\0\0\0", 8)),
        "frame");
    Pk deep;
    deep.proto(2);
    for (int i = 0; i < 100000; ++i)
        deep.mark();
    row("deeply nested marks", deep, "MARK");
    row("unknown opcode", Pk().proto(2).op(0xff).stop(), "unknown opcode");
    row("protocol 6", Pk().proto(6).stop(), "protocol");
    row("missing MARK", Pk().proto(2).tuple().stop(), "MARK");
    row("APPEND to a dict", Pk().proto(2).emptyDict().integer(1).op('a').stop(), "APPEND");
    row("SETITEM on a list", Pk().proto(2).emptyList().integer(1).integer(2).setitem().stop(),
        "SETITEM");
    row("tuple as dict key", Pk().proto(2).emptyDict().emptyTuple().integer(1).setitem().stop(),
        "key");
    row("9-byte integer", Pk().proto(2).op(0x8a).op(9).raw(std::string(9, '\1')).stop(),
        "too large");
    row("tensor past its storage", Pk().proto(2).tensor("FloatStorage", "0", 4, 1, {4}, {1}).stop(),
        "outside");
    row("negative stride", Pk().proto(2).tensor("FloatStorage", "0", 4, 3, {4}, {-1}).stop(),
        "negative");
    row("huge size",
        Pk().proto(2)
            .tensor("FloatStorage", "0", 4, 0, {0x7fffffff, 0x7fffffff, 0x7fffffff},
                    {0x7fffffff, 0x7fffffff, 0x7fffffff})
            .stop(),
        "");
    // Issue 20: views that ask for more than their storage holds.
    row("stride-0 view of terabytes",
        Pk().proto(2).tensor("FloatStorage", "0", 1, 0, {1048576, 1048576}, {0, 0}).stop(),
        "larger than its storage");
    row("empty tensor with overflowing dimensions",
        Pk().proto(2)
            .tensor("FloatStorage", "0", 4, 0, {0, 0x7fffffff, 0x7fffffff, 0x7fffffff},
                    {1, 1, 1, 1})
            .stop(),
        "overflows");
    row("bad persistent id", Pk().proto(2).mark().str("nope").tuple().op('Q').stop(),
        "persistent id");
    row("storage type for another key kind",
        Pk().proto(2)
            .mark()
            .str("storage")
            .global("collections", "OrderedDict")
            .str("0")
            .str("cpu")
            .integer(1)
            .tuple()
            .op('Q')
            .stop(),
        "storage type");
    row("one key, two dtypes",
        Pk().proto(2)
            .tensor("FloatStorage", "0", 4, 0, {4}, {1})
            .tensor("HalfStorage", "0", 4, 0, {4}, {1})
            .op(0x86)
            .stop(),
        "two different");
    row("rebuild with 2 arguments",
        Pk().proto(2)
            .global("torch._utils", "_rebuild_tensor_v2")
            .integer(1)
            .integer(2)
            .op(0x86)
            .reduce()
            .stop(),
        "arguments");
    row("calling a storage type",
        Pk().proto(2).global("torch", "FloatStorage").emptyTuple().reduce().stop(), "cannot call");
    row("text string opcode", Pk().proto(0).op('S').raw("'abc'\n").stop(), "not supported");
    row("BUILD on a list", Pk().proto(2).emptyList().emptyDict().op('b').stop(), "BUILD");
}

void TestCheckpoint::malformedPickles() {
    QFETCH(QByteArray, pickle);
    QFETCH(QString, why);
    std::string detail;
    QCOMPARE(unpickleCode(pickle.toStdString(), &detail), static_cast<int>(ErrorCode::BadPickle));
    QVERIFY2(detail.find(why.toStdString()) != std::string::npos, detail.c_str());
}

void TestCheckpoint::everyTruncationIsBadPickle() {
    const at::Tensor a = at::randn({2, 3});
    Pk p;
    p.proto(2).orderedDict().binput(0).mark();
    p.str("a").tensor("FloatStorage", "0", 6, 0, {2, 3}, {3, 1});
    p.str("b").tensor("FloatStorage", "0", 6, 2, {2}, {1});
    p.setitems().emptyDict().str("_metadata").orderedDict().setitem().op('b').stop();
    const std::string full = p.bytes();
    QCOMPARE(unpickleCode(full), -1);
    for (size_t n = 0; n < full.size(); ++n)
        QCOMPARE(unpickleCode(full.substr(0, n)), static_cast<int>(ErrorCode::BadPickle));
    // And one through the archive.
    const std::string path = m_dir.filePath("cut.pth").toStdString();
    writeCheckpoint(path, full.substr(0, full.size() / 2), {{"0", bytesOf(a)}});
    QVERIFY_THROWS_EXCEPTION(ModelError, readPthStateDict(path));
}

void TestCheckpoint::storageRecordProblems() {
    const at::Tensor a = at::randn({6});
    Pk p;
    p.proto(2).orderedDict().mark().str("a").tensor("FloatStorage", "0", 6, 0, {6}, {1});
    p.setitems().stop();
    try {
        readBack(p.bytes(), {});
        QFAIL("a missing storage record must be refused");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::BadPickle);
        QVERIFY(e.detail().find("data/0") != std::string::npos);
    }
    try {
        readBack(p.bytes(), {{"0", bytesOf(a).substr(0, 20)}});
        QFAIL("a short storage record must be refused");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::TruncatedFile);
    }
    // Not a checkpoint at all: a zip without data.pkl.
    const std::string path = m_dir.filePath("plain.zip").toStdString();
    {
        std::ofstream out(path, std::ios::binary);
        io::ZipWriter zip(out, path);
        zip.addEntry("readme.txt", std::string("hello"));
        zip.finish();
    }
    QVERIFY_THROWS_EXCEPTION(ModelError, readPthStateDict(path));
    // A plain list is not a state dict.
    QVERIFY_THROWS_EXCEPTION(ModelError, readBack(Pk().proto(2).emptyList().stop().bytes(), {}));
}

// 200,000 nested tuples (one byte a level): nothing recurses on the nesting, so neither the
// parser, nor the state-dict lookup, nor freeing the document can overflow the stack.
void TestCheckpoint::deepNestingIsFlat() {
    Pk p;
    p.proto(2).op('N');
    for (int i = 0; i < 200000; ++i)
        p.op(0x85); // TUPLE1
    p.stop();
    {
        const PickleDocument doc = unpickle(p.bytes().data(), p.bytes().size(), fakeStorage);
        QCOMPARE(doc.valueCount(), size_t(200001));
        QVERIFY(doc.root().is(PickleValue::Kind::Tuple));
    }
    const std::string path = m_dir.filePath("nested.pth").toStdString();
    writeCheckpoint(path, p.bytes(), {});
    try {
        readPthStateDict(path);
        QFAIL("a nested tuple is not a state dict");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::BadPickle);
    }
}

void TestCheckpoint::documentSizesAreBounded_data() {
    QTest::addColumn<QString>("limit");
    QTest::addColumn<QString>("why");
    QTest::newRow("values") << "values"
                            << "too many values";
    QTest::newRow("memo") << "memo"
                          << "memo too large";
    QTest::newRow("stack") << "stack"
                           << "stack too deep";
}

// Each bound of PickleLimits stops a pickle that exceeds it with BadPickle (small limits here;
// the defaults are the same code with larger numbers).
void TestCheckpoint::documentSizesAreBounded() {
    QFETCH(QString, limit);
    QFETCH(QString, why);
    PickleLimits limits;
    Pk p;
    p.proto(2);
    if (limit == "values") {
        limits.maxValues = 1000;
        for (int i = 0; i < 2000; ++i)
            p.op('N').op('0'); // NONE, POP: the stack stays small, the document grows
    } else if (limit == "memo") {
        limits.maxMemo = 1000;
        p.op('N');
        for (int i = 0; i < 2000; ++i)
            p.op('r').u32(static_cast<uint32_t>(i)); // LONG_BINPUT
    } else {
        limits.maxStack = 1000;
        p.op('N');
        for (int i = 0; i < 2000; ++i)
            p.op('2'); // DUP
    }
    p.stop();
    try {
        unpickle(p.bytes().data(), p.bytes().size(), fakeStorage, "limits.pkl", limits);
        QFAIL("a pickle over its limits was accepted");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::BadPickle);
        QVERIFY2(e.detail().find(why.toStdString()) != std::string::npos, e.what());
    }
}

void TestCheckpoint::fixtureWeights() {
    DERMSAM_REQUIRE_FIXTURE(fixture);
    const std::string path = (fixture + "/weights.pth").toStdString();
    const TensorMap t = readPthStateDict(path);

    const std::map<std::string, std::vector<int64_t>> known = {
        {"image_encoder.pos_embed", {1, 64, 64, 96}},
        {"image_encoder.patch_embed.proj.weight", {96, 3, 16, 16}},
        {"image_encoder.blocks.0.attn.rel_pos_h", {27, 32}},
        {"image_encoder.blocks.1.attn.rel_pos_h", {127, 32}},
        {"mask_decoder.iou_token.weight", {1, 256}},
        {"mask_decoder.mask_tokens.weight", {4, 256}},
        {"prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", {2, 128}},
    };
    for (const auto& kv : known) {
        QVERIFY2(t.count(kv.first), kv.first.c_str());
        QCOMPARE(t.at(kv.first).sizes().vec(), kv.second);
        QCOMPARE(t.at(kv.first).scalar_type(), at::kFloat);
        QVERIFY2(at::isfinite(t.at(kv.first)).all().item<bool>(), kv.first.c_str());
        QVERIFY(t.at(kv.first).is_contiguous());
    }

    // Cross-check against the archive read another way: one storage record per tensor, and the
    // records' bytes add up to the tensors' bytes, so the parameter count is right.
    io::ZipArchive zip(path);
    size_t records = 0;
    uint64_t recordBytes = 0;
    for (const io::ZipEntry& e : zip.entries()) {
        if (e.name.rfind("weights/data/", 0) == 0) {
            ++records;
            recordBytes += e.size;
        }
    }
    int64_t parameters = 0;
    uint64_t tensorBytes = 0;
    for (const auto& kv : t) {
        parameters += kv.second.numel();
        tensorBytes += kv.second.nbytes();
    }
    QCOMPARE(t.size(), records);
    QCOMPARE(tensorBytes, recordBytes);
    QCOMPARE(static_cast<uint64_t>(parameters) * 4, recordBytes);
    // The values themselves: the record bytes of pos_embed are the tensor's bytes.
    const PickleDocument doc = readPthPickle(path);
    QCOMPARE(doc.root().entries.size(), t.size());

    const Checkpoint c = readCheckpoint(path);
    QCOMPARE(c.format, std::string("pth"));
    QCOMPARE(c.tensors.size(), t.size());
    QVERIFY(c.metadata.empty());
}

void TestCheckpoint::writeThenReadIsBitIdentical() {
    at::manual_seed(3);
    TensorMap tensors = {
        {"f32", at::randn({3, 5})},
        {"f16", at::randn({7}).to(at::kHalf)},
        {"bf16", at::randn({2, 2, 2}).to(at::kBFloat16)},
        {"f64", at::randn({4}).to(at::kDouble)},
        {"i64", at::arange(int64_t(-3), int64_t(1000000000000), int64_t(250000000000))},
        {"i32", at::arange(-5, 5).to(at::kInt)},
        {"u8", at::arange(250, 256).to(at::kByte)},
        {"bool", at::arange(5) % 2 == 0},
        {"scalar", at::scalar_tensor(2.5)},
        {"empty", at::empty({0, 4})},
        {"transposed input", at::randn({3, 4}).t()},
    };
    for (int i = 0; i < 1100; ++i) // more than one SETITEMS batch
        tensors["many." + std::to_string(i)] = at::full({1}, static_cast<double>(i));
    const std::string path = m_dir.filePath("written.pth").toStdString();
    writePth(path, tensors);
    const TensorMap back = readPthStateDict(path);
    QCOMPARE(back.size(), tensors.size());
    for (const auto& kv : tensors) {
        QVERIFY2(back.count(kv.first), kv.first.c_str());
        QVERIFY2(sameBits(back.at(kv.first), kv.second), kv.first.c_str());
    }
    QVERIFY_THROWS_EXCEPTION(ModelError,
                             writePth(path, {{"c", at::randn({2}).to(at::kComplexFloat)}}));
    QVERIFY(readPthStateDict(path).size() == tensors.size()); // the failed write left it intact
}

void TestCheckpoint::writtenArchiveLayout() {
    const std::string path = m_dir.filePath("layout.pth").toStdString();
    writePth(path, {{"a", at::randn({3})}, {"b", at::randn({2, 2}).to(at::kHalf)}});
    io::ZipArchive zip(path);
    std::vector<std::string> names;
    for (const io::ZipEntry& e : zip.entries()) {
        names.push_back(e.name);
        QCOMPARE(e.dataOffset % 64, uint64_t(0));
        zip.verifyCrc(e);
    }
    QCOMPARE(names,
             (std::vector<std::string>{"archive/data.pkl", "archive/byteorder", "archive/data/0",
                                       "archive/data/1", "archive/version"}));
    QCOMPARE(zip.read("archive/byteorder"), std::string("little"));
    QCOMPARE(zip.read("archive/version"), std::string("3\n"));
    const std::string pkl = zip.read("archive/data.pkl");
    QCOMPARE(pkl.substr(0, 2), std::string("\x80\x02"));
    QVERIFY(pkl.find("collections\nOrderedDict\n") != std::string::npos);
    QVERIFY(pkl.find("torch\nHalfStorage\n") != std::string::npos);
    QCOMPARE(pkl.back(), '.');
}

void TestCheckpoint::torchLoadsOurFile() {
    if (!pythonTorchAvailable())
        QSKIP("/usr/bin/python3 cannot import torch: interoperability check skipped");
    at::manual_seed(5);
    const TensorMap tensors = {
        {"image_encoder.w", at::randn({4, 3, 2})},
        {"h", at::randn({5}).to(at::kHalf)},
        {"bf", at::randn({3, 3}).to(at::kBFloat16)},
        {"d", at::randn({2}).to(at::kDouble)},
        {"l", at::arange(-3, 3)},
        {"i", at::arange(4).to(at::kInt)},
        {"u", at::arange(250, 256).to(at::kByte)},
        {"b", at::arange(4) > 1},
        {"s", at::scalar_tensor(1.5)},
        {"e", at::empty({0, 3})},
        {"big_numel", at::zeros({70000})},
    };
    const QString path = m_dir.filePath("for_torch.pth");
    writePth(path.toStdString(), tensors);
    const QString out = runPython(QString(kDescribePy) + R"(
import sys, torch, collections
sd = torch.load(sys.argv[1], weights_only=True)
assert isinstance(sd, collections.OrderedDict), type(sd)
print(describe(sd))
)",
                                  {path});
    QVERIFY(!out.isEmpty());
    QCOMPARE(out.trimmed(), describe(tensors));
}

void TestCheckpoint::weReadTorchSavedCheckpoint() {
    if (!pythonTorchAvailable())
        QSKIP("/usr/bin/python3 cannot import torch: interoperability check skipped");
    const QString path = m_dir.filePath("from_torch.pth");
    const QString out = runPython(QString(kDescribePy) + R"(
import sys, torch, collections
torch.manual_seed(0)
base = torch.randn(4, 6)
sd = collections.OrderedDict()
sd['module.a'] = base
sd['module.a_t'] = base.t()
sd['module.row'] = base[2]
sd['module.col'] = base[:, 1]
sd['module.h'] = torch.randn(3, 5).half()
sd['module.bf'] = torch.randn(7).bfloat16()
sd['module.d'] = torch.randn(2, 2).double()
sd['module.l'] = torch.arange(-5, 5)
sd['module.i'] = torch.arange(6, dtype=torch.int32).view(2, 3)
sd['module.u8'] = torch.arange(250, 256, dtype=torch.uint8)
sd['module.b'] = torch.tensor([True, False, True])
sd['module.s'] = torch.tensor(3.5)
p = torch.nn.Parameter(torch.randn(3))
sd['module.p'] = p
opt = torch.optim.AdamW([p], lr=1e-4)
p.grad = torch.ones(3)
opt.step()
torch.save({'model': sd, 'optimizer': opt.state_dict(), 'epoch': 3}, sys.argv[1])
print(describe(collections.OrderedDict((k[len('module.'):], v) for k, v in sd.items())))
)",
                                  {path});
    QVERIFY(!out.isEmpty());
    const TensorMap t = readPthStateDict(path.toStdString());
    QCOMPARE(describe(t), out.trimmed());
    const PickleDocument doc = readPthPickle(path.toStdString());
    QCOMPARE(doc.root().get("epoch")->intValue, int64_t(3));
    const PickleValue* group = doc.root().get("optimizer")->get("param_groups")->items.at(0);
    QCOMPARE(group->get("lr")->floatValue, 1e-4);
}

void TestCheckpoint::readCheckpointDispatches() {
    const TensorMap tensors = {{"x", at::randn({2, 3})}};
    const std::string pth = m_dir.filePath("d.pth").toStdString();
    const std::string st = m_dir.filePath("d.pth.safetensors").toStdString();
    const std::string misleading = m_dir.filePath("really_safetensors.pth").toStdString();
    writePth(pth, tensors);
    writeSafetensors(st, tensors, {{"profile", "medsam"}});
    writeSafetensors(misleading, tensors, {});

    const Checkpoint a = readCheckpoint(pth);
    QCOMPARE(a.format, std::string("pth"));
    QVERIFY(sameBits(a.tensors.at("x"), tensors.at("x")));
    const Checkpoint b = readCheckpoint(st);
    QCOMPARE(b.format, std::string("safetensors"));
    QCOMPARE(b.metadata.at("profile"), std::string("medsam"));
    QVERIFY(sameBits(b.tensors.at("x"), tensors.at("x")));
    QCOMPARE(readCheckpoint(misleading).format, std::string("safetensors")); // bytes, not names

    const std::string legacy = m_dir.filePath("legacy.pth").toStdString();
    {
        std::ofstream out(legacy, std::ios::binary);
        out << std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
    }
    try {
        readCheckpoint(legacy);
        QFAIL("a legacy torch.save file must be refused");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::UnsupportedFormat);
    }
    try {
        readCheckpoint(m_dir.filePath("missing.pth").toStdString());
        QFAIL("a missing file must be refused");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::FileNotFound);
    }
}

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
