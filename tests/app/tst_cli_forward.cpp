// Protects `dermsam-cli forward` and `info`: the CLI reproduces the upstream fixture's outputs.
// labels: parity
#include "json_keys.h"
#include "model/serialization/npy.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestCliForward : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void forwardMatchesFixture_data();
    void forwardMatchesFixture();
    void infoReadsArchitecture();
    void badInputsFailWithOneLine_data();
    void badInputsFailWithOneLine();
    void maskInputOfAnotherSizeRefused_data();
    void maskInputOfAnotherSizeRefused();
};

namespace {

QProcess* runCli(const QStringList& args, QObject* parent) {
    auto* p = new QProcess(parent);
    p->start(QStringLiteral(DERMSAM_CLI_PATH), args);
    p->waitForFinished(300000);
    return p;
}

double relativeError(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>() /
           b.to(at::kDouble).abs().max().item<double>();
}

} // namespace

void TestCliForward::forwardMatchesFixture_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("prompt");
    // Coordinates from the fixture's cases.json (1024 input frame).
    QTest::newRow("box") << "box"
                         << QStringList{"--box",
                                        "572.2575493510445,595.2758824423443,816.1384267094012,"
                                        "978.297940256884"};
    QTest::newRow("point multimask")
        << "point" << QStringList{"--point", "766.0,859.3,1", "--multimask"};
    QTest::newRow("three boxes")
        << "three_boxes"
        << QStringList{"--box",
                       "383.8460164844972,449.6859869367985,761.9018114677476,601.9190004685386",
                       "--box",
                       "491.4003233296463,131.23983220901357,879.925238816223,281.372146705417",
                       "--box",
                       "415.68042870985045,67.51972047378752,626.7612643691025,242.42292132055167"};
}

void TestCliForward::forwardMatchesFixture() {
    QFETCH(QString, name);
    QFETCH(QStringList, prompt);
    DERMSAM_REQUIRE_FIXTURE(dir);
    QTemporaryDir out;
    QProcess* p = runCli(QStringList{"forward", "--model", dir + "/weights.pth", "--input",
                                     dir + "/input.npy", "--out-dir", out.path()} +
                             prompt,
                         this);
    QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
    const std::string o = out.path().toStdString();
    const std::string f = dir.toStdString();
    const double embErr = relativeError(dermsam::readNpy(o + "/image_embedding.npy"),
                                        dermsam::readNpy(f + "/image_embedding.npy"));
    const double logitErr =
        relativeError(dermsam::readNpy(o + "/low_res_logits.npy"),
                      dermsam::readNpy(f + "/" + name.toStdString() + "_low_res_logits.npy"));
    const double iouErr =
        relativeError(dermsam::readNpy(o + "/iou_predictions.npy"),
                      dermsam::readNpy(f + "/" + name.toStdString() + "_iou_predictions.npy"));
    qInfo("errors: embedding %.3g, logits %.3g, iou %.3g", embErr, logitErr, iouErr);
    QVERIFY(embErr <= 1e-4);
    QVERIFY(logitErr <= 1e-4);
    QVERIFY(iouErr <= 1e-4);
}

void TestCliForward::infoReadsArchitecture() {
    DERMSAM_REQUIRE_FIXTURE(dir);
    QProcess* p = runCli({"info", "--model", dir + "/weights.pth", "--json"}, this);
    QCOMPARE(p->exitCode(), 0);
    const QByteArray line = p->readAllStandardOutput();
    dermsam::test::checkJsonKeys(line, {{"path", QJsonValue::String},
                                        {"sha256", QJsonValue::String},
                                        {"format", QJsonValue::String},
                                        {"architecture", QJsonValue::Object},
                                        {"name", QJsonValue::String},
                                        {"profile", QJsonValue::String},
                                        {"parameters", QJsonValue::Object}});
    if (QTest::currentTestFailed())
        return;
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    QCOMPARE(o.value("path").toString(), dir + "/weights.pth");
    QVERIFY(!o.value("name").toString().isEmpty());
    QVERIFY(!o.value("profile").toString().isEmpty());
    const QJsonObject params = o.value("parameters").toObject();
    QCOMPARE(params.keys(), (QStringList{"auto_decoder", "image_encoder", "mask_decoder",
                                         "prompt_encoder", "refine_decoder", "total"}));
    // An upstream checkpoint has no Auto or Refine decoder; every other part is there.
    QCOMPARE(params.value("auto_decoder").toInteger(), 0);
    QCOMPARE(params.value("refine_decoder").toInteger(), 0);
    for (const char* k : {"image_encoder", "mask_decoder", "prompt_encoder", "total"})
        QVERIFY(params.value(k).isDouble() && params.value(k).toInteger() > 0);
    QCOMPARE(params.value("total").toInteger(), params.value("image_encoder").toInteger() +
                                                    params.value("prompt_encoder").toInteger() +
                                                    params.value("mask_decoder").toInteger());
    QCOMPARE(o.value("architecture").toObject().value("encoder").toString(), QString("vit"));
    const QJsonObject arch = o.value("architecture").toObject();
    QCOMPARE(arch.value("embed_dim").toInt(), 96);
    QCOMPARE(arch.value("depth").toInt(), 2);
    QCOMPARE(arch.value("num_heads").toInt(), 3);
    QCOMPARE(arch.value("window_size").toInt(), 14);
    QCOMPARE(o.value("format").toString(), QString("pth"));
    QCOMPARE(o.value("sha256").toString().size(), 64);
    QVERIFY(o.value("parameters").toObject().value("mask_decoder").toInt() > 4000000);
}

void TestCliForward::badInputsFailWithOneLine_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing model")
        << QStringList{"info", "--model", "/nonexistent.pth"} << "file-not-found";
    QTest::newRow("not a checkpoint")
        << QStringList{"info", "--model", QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/README.md")}
        << "safetensors";
    QTest::newRow("bad box") << QStringList{"forward", "--model", "default",   "--input", "x.npy",
                                            "--box",   "1,2,3",   "--out-dir", "/tmp"}
                             << "--box";
    QTest::newRow("unknown option") << QStringList{"info", "--model", "default", "--colour", "red"}
                                    << "unknown option --colour";
    // Precision options of every command that runs the model (placeModel).
    const QStringList segment{"segment",   "--model", "default",    "--image",  "x.png", "--box",
                              "1,2,30,40", "--out",   "/tmp/x.png", "--device", "cpu"};
    QTest::newRow("bfloat16 on the CPU")
        << segment + QStringList{"--precision", "bfloat16"} << "needs a CUDA device";
    QTest::newRow("unknown precision")
        << segment + QStringList{"--precision", "float8"} << "unknown precision 'float8'";
    QTest::newRow("tf32 neither on nor off")
        << segment + QStringList{"--tf32", "maybe"} << "--tf32 takes on or off";
    QTest::newRow("graphs neither on nor off")
        << QStringList{"bench", "--model", "default", "--device", "cpu", "--graphs", "yes"}
        << "--graphs takes on or off";
}

void TestCliForward::badInputsFailWithOneLine() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QProcess* p = runCli(args, this);
    QVERIFY(p->exitCode() != 0);
    const QString err = QString::fromUtf8(p->readAllStandardError()).trimmed();
    QVERIFY2(err.contains(message, Qt::CaseInsensitive), qPrintable(err));
    QCOMPARE(err.count('\n'), 0);
}

void TestCliForward::maskInputOfAnotherSizeRefused_data() {
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<int>("exitCode");
    // The built-in model's grid is 64 x 64: mask inputs are 256 x 256.
    QTest::newRow("right size") << QList<qint64>{1, 1, 256, 256} << 0;
    QTest::newRow("a 1024 frame") << QList<qint64>{1, 1, 1024, 1024} << 1;
    QTest::newRow("no channel axis") << QList<qint64>{1, 256, 256} << 1;
    QTest::newRow("two for one box") << QList<qint64>{2, 1, 256, 256} << 1;
}

// A mask input the model cannot take is a one-line usage error naming the shape it needs.
void TestCliForward::maskInputOfAnotherSizeRefused() {
    QFETCH(QList<qint64>, shape);
    QFETCH(int, exitCode);
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    dermsam::writeNpy(d + "/input.npy", at::rand({1, 3, 256, 256}));
    dermsam::writeNpy(d + "/mask.npy",
                      at::full(std::vector<int64_t>(shape.begin(), shape.end()), -10.0f));
    QProcess* p = runCli({"forward", "--model", "default", "--input", dir.path() + "/input.npy",
                          "--mask-input", dir.path() + "/mask.npy", "--box", "10,10,100,120",
                          "--out-dir", dir.path() + "/out"},
                         this);
    const QString err = QString::fromUtf8(p->readAllStandardError()).trimmed();
    QVERIFY2(p->exitCode() == exitCode, qPrintable(err));
    if (exitCode != 0) {
        QVERIFY2(err.contains(QStringLiteral("mask input must be (1, 1, 256, 256)")),
                 qPrintable(err));
        QCOMPARE(err.count('\n'), 0);
    }
}

QTEST_GUILESS_MAIN(TestCliForward)
#include "tst_cli_forward.moc"
