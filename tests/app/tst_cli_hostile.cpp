// Protects dermsam-cli against hostile model files and tensors (issue 20): each case, written by
// the test, ends with a non-zero exit and exactly one line on stderr naming the error, not a
// crash (SIGFPE, stack overflow) or a multi-line message.
// labels: unit
#include "model/serialization/npy.h"
#include "model/serialization/pth_writer.h"
#include "model/serialization/safetensors.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <string>

class TestCliHostile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void failsWithOneLine_data();
    void failsWithOneLine();

private:
    QTemporaryDir m_dir;
};

namespace {

using dermsam::TensorMap;

const std::string kEnc = "image_encoder.";

// A tiny ViT encoder's shapes with one rel-pos table of `headDim`-wide heads and `patch`-pixel
// patches: what fromStateDict reads the architecture from.
TensorMap vitShapes(int64_t headDim, int64_t patch) {
    TensorMap t;
    t[kEnc + "pos_embed"] = at::zeros({1, 4, 4, 32});
    t[kEnc + "patch_embed.proj.weight"] = at::zeros({32, 3, patch, patch});
    t[kEnc + "neck.0.weight"] = at::zeros({16, 32, 1, 1});
    t[kEnc + "blocks.0.mlp.lin1.weight"] = at::zeros({64, 32});
    t[kEnc + "blocks.0.attn.rel_pos_h"] = at::zeros({7, headDim});
    return t;
}

void writeBytes(const QString& path, const std::string& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes.data(), qint64(bytes.size())), qint64(bytes.size()));
}

// A .safetensors file whose one tensor name holds a newline and whose dtype is unknown: the
// error quotes the name.
std::string safetensorsWithNewlineName() {
    const std::string header =
        "{\"evil\\nname\":{\"dtype\":\"X9\",\"shape\":[1],\"data_offsets\":[0,1]}}";
    std::string out;
    for (int i = 0; i < 8; ++i)
        out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return out + header + "x";
}

// A version-2 .npy whose descr holds 200,000 spaces (the fuzzer's stack overflow).
std::string npyWithHugeDescr() {
    const std::string header =
        "{'descr': '" + std::string(200000, ' ') + "', 'fortran_order': False, 'shape': (1,), }";
    std::string out("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i)
        out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return out + header + std::string(4, '\0');
}

} // namespace

void TestCliHostile::initTestCase() {
    QVERIFY(m_dir.isValid());
    const std::string d = m_dir.path().toStdString();
    dermsam::writeSafetensors(d + "/head0.safetensors", vitShapes(0, 4));
    dermsam::writePth(d + "/head0.pth", vitShapes(0, 4));
    dermsam::writeSafetensors(d + "/headwide.safetensors", vitShapes(64, 4));
    dermsam::writeSafetensors(d + "/patch0.safetensors", vitShapes(16, 0));
    writeBytes(m_dir.filePath("newline.safetensors"), safetensorsWithNewlineName());
    writeBytes(m_dir.filePath("descr.npy"), npyWithHugeDescr());
    dermsam::writeNpy(d + "/empty_batch.npy", at::zeros({0, 3, 256, 256}));
    dermsam::writeNpy(d + "/no_batch.npy", at::zeros({3, 256, 256}));
    dermsam::writeNpy(d + "/input.npy", at::zeros({1, 3, 256, 256}));
    dermsam::writeNpy(d + "/empty_mask.npy", at::zeros({0, 1, 256, 256}));
}

void TestCliHostile::failsWithOneLine_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString d = m_dir.path();
    const QStringList forward{"forward",       "--model",   "default", "--box",
                              "10,10,100,120", "--out-dir", d + "/out"};
    QTest::newRow("forward: empty batch")
        << forward + QStringList{"--input", d + "/empty_batch.npy"} << "bad-image";
    QTest::newRow("forward: no batch axis")
        << forward + QStringList{"--input", d + "/no_batch.npy"} << "bad-image";
    QTest::newRow("forward: npy descr of 200,000 spaces")
        << forward + QStringList{"--input", d + "/descr.npy"} << "bad-npy";
    QTest::newRow("forward: empty mask input")
        << forward + QStringList{"--input", d + "/input.npy", "--mask-input", d + "/empty_mask.npy"}
        << "bad-prompt";
    QTest::newRow("info: safetensors with head dim 0")
        << QStringList{"info", "--model", d + "/head0.safetensors"} << "head dim 0";
    QTest::newRow("info: pth with head dim 0")
        << QStringList{"info", "--model", d + "/head0.pth"} << "head dim 0";
    QTest::newRow("info: head dim above the embedding")
        << QStringList{"info", "--model", d + "/headwide.safetensors"} << "head dim 64";
    QTest::newRow("info: patch size 0")
        << QStringList{"info", "--model", d + "/patch0.safetensors"} << "patch size 0";
    QTest::newRow("info: newline in a tensor name")
        << QStringList{"info", "--model", d + "/newline.safetensors"} << "unknown dtype";
}

void TestCliHostile::failsWithOneLine() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH), args);
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit); // not killed by a signal
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitCode() != 0, qPrintable(err));
    QVERIFY2(err.endsWith('\n') && err.count('\n') == 1, qPrintable(err));
    QVERIFY2(err.startsWith(QStringLiteral("dermsam-cli %1: error: ").arg(args.front())),
             qPrintable(err));
    QVERIFY2(err.contains(message), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestCliHostile)
#include "tst_cli_hostile.moc"
