// Protects `dermsam-cli convert`: the built-in model rewritten as .safetensors keeps every part
// (the Auto and Refine decoders and Auto's start included) and gives the same masks; as .pth it
// holds upstream's modules only, says so in one line, and still segments exactly as before with
// a box.
// labels: unit
#include "cli_run.h"
#include "test_support.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

namespace {

using dermsam::test::cli;
using dermsam::test::fileBytes;
using Run = dermsam::test::CliRun;

const QString kImage =
    QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/resources/samples/ISIC_0000009.jpg");

} // namespace

class TestCliConvert : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void sameMasks_data();
    void sameMasks();
    void pthLeavesOutTheExtraDecoders();
    void usageErrors_data();
    void usageErrors();

private:
    QJsonObject info(const QString& model);
    // The mask file `segment` writes with the model and prompt, and its JSON line.
    QByteArray segment(const QString& model, const QStringList& prompt, QJsonObject* json);

    QTemporaryDir m_tmp;
    QJsonObject m_defaultInfo;
};

void TestCliConvert::initTestCase() {
    QVERIFY(m_tmp.isValid());
    for (const char* out : {"/full.safetensors", "/upstream.pth"}) {
        const Run r = cli(
            {"convert", "--model", "default", "--out", m_tmp.path() + out, "--dtype", "float32"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
    m_defaultInfo = info("default");
    for (const char* extra : {"auto_decoder", "refine_decoder"})
        QVERIFY(m_defaultInfo.value("parameters").toObject().value(extra).toInteger() > 0);
}

QJsonObject TestCliConvert::info(const QString& model) {
    const Run r = cli({"info", "--model", model, "--json"});
    if (r.exitCode != 0)
        qWarning("info --model %s: %s", qPrintable(model), qPrintable(r.err));
    return QJsonDocument::fromJson(r.out).object();
}

QByteArray TestCliConvert::segment(const QString& model, const QStringList& prompt,
                                   QJsonObject* json) {
    const QString out = m_tmp.path() + "/mask.png";
    QFile::remove(out);
    const Run r = cli(QStringList{"segment", "--model", model, "--image", kImage, "--out", out,
                                  "--json", "--cache", m_tmp.path() + "/cache"} +
                      prompt);
    if (r.exitCode != 0) {
        qWarning("segment --model %s: %s", qPrintable(model), qPrintable(r.err));
        return {};
    }
    if (json)
        *json = QJsonDocument::fromJson(r.out).object();
    return fileBytes(out);
}

void TestCliConvert::sameMasks_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("prompt");
    const QStringList box{"--box", "40,30,470,440"};
    QTest::newRow("safetensors, box") << "/full.safetensors" << box;
    QTest::newRow("safetensors, auto") << "/full.safetensors" << QStringList{"--auto"};
    QTest::newRow("pth, box") << "/upstream.pth" << box;
}

void TestCliConvert::sameMasks() {
    QFETCH(QString, file);
    QFETCH(QStringList, prompt);
    QJsonObject before, after;
    const QByteArray expected = segment("default", prompt, &before);
    QVERIFY(!expected.isEmpty());
    const QByteArray got = segment(m_tmp.path() + file, prompt, &after);
    QVERIFY(!got.isEmpty());
    // The float16 weights widen to float32 exactly, so the converted file decodes bit for bit.
    QVERIFY(got == expected);
    if (prompt.contains("--auto"))
        QCOMPARE(after.value("auto_start").toString(), before.value("auto_start").toString());
}

void TestCliConvert::pthLeavesOutTheExtraDecoders() {
    const QJsonObject full = info(m_tmp.path() + "/full.safetensors");
    QCOMPARE(full.value("parameters").toObject(), m_defaultInfo.value("parameters").toObject());
    QCOMPARE(full.value("profile").toString(), QStringLiteral("compact"));

    const QJsonObject pth = info(m_tmp.path() + "/upstream.pth");
    const QJsonObject params = pth.value("parameters").toObject();
    const QJsonObject want = m_defaultInfo.value("parameters").toObject();
    QCOMPARE(params.value("auto_decoder").toInteger(), 0);
    QCOMPARE(params.value("refine_decoder").toInteger(), 0);
    for (const char* part : {"image_encoder", "prompt_encoder", "mask_decoder"})
        QCOMPARE(params.value(part).toInteger(), want.value(part).toInteger());
    // No metadata in a .pth: the profile comes from the encoder it holds.
    QCOMPARE(pth.value("profile").toString(), QStringLiteral("compact"));

    const Run r = cli({"convert", "--model", "default", "--out", m_tmp.path() + "/again.pth"});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.front().contains("the Auto and Refine decoders") &&
                 lines.front().contains("left out"),
             qPrintable(r.err));
    QVERIFY(fileBytes(m_tmp.path() + "/again.pth") == fileBytes(m_tmp.path() + "/upstream.pth"));
}

void TestCliConvert::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("bad dtype") << QStringList{"convert", "--model", "default", "--out",
                                              "x.pth",   "--dtype", "int8"}
                               << "--dtype";
    // Training the Auto decoder into a file that cannot hold it would throw the training away.
    QTest::newRow("auto decoder into .pth")
        << QStringList{"finetune", "--model", "default", "--data",
                       "nowhere",  "--out",   "x.pth",   "--auto-decoder"}
        << "--auto-decoder";
    // --mask-prompt keeps everything but the mask path as it is: asking for more contradicts it.
    QTest::newRow("mask prompt with the encoder")
        << QStringList{"finetune", "--model", "default",       "--data",         "nowhere",
                       "--out",    "x.pth",   "--mask-prompt", "--train-encoder"}
        << "--mask-prompt";
    QTest::newRow("mask prompt into .pth")
        << QStringList{"finetune", "--model", "default", "--data",
                       "nowhere",  "--out",   "x.pth",   "--mask-prompt"}
        << "--mask-prompt";
}

void TestCliConvert::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    for (QString& a : args)
        if (a == "x.pth")
            a = m_tmp.path() + "/x.pth";
    const Run r = cli(args);
    QCOMPARE(r.exitCode, 2);
    const QStringList lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.front().contains(message), qPrintable(r.err));
    QVERIFY(!QFile::exists(m_tmp.path() + "/x.pth"));
}

QTEST_GUILESS_MAIN(TestCliConvert)
#include "tst_cli_convert.moc"
