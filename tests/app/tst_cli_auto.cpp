// Protects `dermsam-cli segment --auto` and `eval --prompt auto` (issue #24): the no-prompt mode
// finds the lesion of real ISIC 2018 test images with the built-in model, scored against the
// expert masks; --tta averages flipped views; wrong combinations are one-line usage errors.
// labels: unit
#include "cli_run.h"
#include "core/metrics.h"
#include "json_keys.h"
#include "test_support.h"

#include <opencv2/imgcodecs.hpp>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

namespace {

using dermsam::test::cli;
using Run = dermsam::test::CliRun;

double diceAgainst(const QString& maskPath, const QString& truthPath) {
    const cv::Mat m = cv::imread(maskPath.toStdString(), cv::IMREAD_GRAYSCALE);
    const cv::Mat t = cv::imread(truthPath.toStdString(), cv::IMREAD_GRAYSCALE);
    if (m.empty() || t.empty() || m.size() != t.size())
        return -1;
    return dermsam::computeImageMetrics(m, t).dice;
}

} // namespace

class TestCliAuto : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void segmentAutoFindsTheLesion_data();
    void segmentAutoFindsTheLesion();
    void segmentTtaStaysClose();
    void autoHeatmapExplainsTheAutoDecoder();
    void evalAutoOnTestImages();
    void autoStartFollowsTheModel();
    void usageErrors_data();
    void usageErrors();

private:
    QTemporaryDir m_tmp;
};

void TestCliAuto::segmentAutoFindsTheLesion_data() {
    QTest::addColumn<QString>("id");
    // Two test-split images, one lesion in the middle, one larger and off-centre. Auto scored
    // 0.977 and 0.947 on them with the centre-click search of the first model (box prompt:
    // 0.982, 0.981), 0.981 and 0.979 with the Auto decoder; the bound 0.85 leaves room for
    // numeric drift and lies far above what a whole-frame start without that decoder scored on
    // validation (mean 0.50, docs/model-card.md, "Auto").
    QTest::newRow("ISIC_0000017") << "ISIC_0000017";
    QTest::newRow("ISIC_0000009") << "ISIC_0000009";
}

void TestCliAuto::segmentAutoFindsTheLesion() {
    QFETCH(QString, id);
    DERMSAM_REQUIRE_ISIC(dir);
    const QString out = m_tmp.path() + "/" + id + "_segmentation.png";
    const Run r = cli({"segment", "--model", "default", "--image", dir + "/images/" + id + ".jpg",
                       "--auto", "--out", out, "--json", "--no-cache"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // --auto adds "box" and "decodes" right after "prompt", at the top level.
    dermsam::test::checkJsonKeys(r.out, {{"out", QJsonValue::String},
                                         {"sidecar", QJsonValue::String},
                                         {"width", QJsonValue::Double},
                                         {"height", QJsonValue::Double},
                                         {"area", QJsonValue::Double},
                                         {"masks", QJsonValue::Double},
                                         {"chosen", QJsonValue::Double},
                                         {"iou", QJsonValue::Array},
                                         {"predicted_iou", QJsonValue::Double},
                                         {"prompt", QJsonValue::String},
                                         {"box", QJsonValue::Array},
                                         {"decodes", QJsonValue::Double},
                                         {"auto_start", QJsonValue::String},
                                         {"tta", QJsonValue::String},
                                         {"views", QJsonValue::Double},
                                         {"profile", QJsonValue::String},
                                         {"model", QJsonValue::String},
                                         {"cache_hit", QJsonValue::Bool},
                                         {"encode_ms", QJsonValue::Double},
                                         {"decode_ms", QJsonValue::Double}});
    if (QTest::currentTestFailed())
        return;
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value("prompt").toString(), QStringLiteral("auto"));
    QCOMPARE(j.value("model").toString(), QStringLiteral("default"));
    // The built-in model's file names its start: the whole frame, for its Auto decoder.
    QCOMPARE(j.value("auto_start").toString(), QStringLiteral("frame"));
    const QJsonArray box = j.value("box").toArray();
    QCOMPARE(box.size(), 4);
    for (const QJsonValue& v : box)
        QVERIFY(v.isDouble());
    // The box it ended with is a tight box inside the image, not the whole frame.
    QVERIFY(box[0].toDouble() >= 0 && box[2].toDouble() <= 511);
    QVERIFY((box[2].toDouble() - box[0].toDouble()) * (box[3].toDouble() - box[1].toDouble()) <
            0.95 * 511 * 511);
    QVERIFY(j.value("decodes").toInt() >= 1);
    QCOMPARE(j.value("tta").toString(), QStringLiteral("off"));
    const double dice = diceAgainst(out, dir + "/masks/" + id + "_segmentation.png");
    QVERIFY2(dice > 0.85, qPrintable(QStringLiteral("Dice %1").arg(dice)));
    // The sidecar records the box and the decoder, so the viewer shows what produced the mask
    // and makes its heatmap again with the same decoder.
    QFile sidecar(m_tmp.path() + "/" + id + "_segmentation.json");
    QVERIFY(sidecar.open(QIODevice::ReadOnly));
    const QJsonObject s = QJsonDocument::fromJson(sidecar.readAll()).object();
    const QJsonArray saved = s["prompts"].toObject()["boxes"].toArray().at(0).toArray();
    QCOMPARE(saved.size(), 4);
    for (int i = 0; i < 4; ++i)
        QVERIFY(std::abs(saved[i].toDouble() - box[i].toDouble()) < 0.01);
    QCOMPARE(s["model"].toObject()["decoder"].toString(), QStringLiteral("auto"));
}

void TestCliAuto::segmentTtaStaysClose() {
    DERMSAM_REQUIRE_ISIC(dir);
    const QString image = dir + "/images/ISIC_0000017.jpg";
    const QString truth = dir + "/masks/ISIC_0000017_segmentation.png";
    const QString plain = m_tmp.path() + "/plain.png";
    const QString flipped = m_tmp.path() + "/tta.png";
    Run r = cli({"segment", "--model", "default", "--image", image, "--box", "107,118,371,394",
                 "--out", plain, "--no-cache", "--tta", "off"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = cli({"segment", "--model", "default", "--image", image, "--box", "107,118,371,394", "--out",
             flipped, "--no-cache", "--tta", "flips", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value("tta").toString(), QStringLiteral("flips"));
    QCOMPARE(j.value("views").toInt(), 3);
    // Averaging mirrored views moves the outline a little, never the lesion: both masks agree
    // with the expert within a few Dice points and with each other closely.
    const double a = diceAgainst(plain, truth);
    const double b = diceAgainst(flipped, truth);
    QVERIFY2(a > 0.85 && b > 0.85, qPrintable(QStringLiteral("%1 %2").arg(a).arg(b)));
    QVERIFY2(diceAgainst(plain, flipped) > 0.95, "TTA moved the mask too far");
}

// --heatmap of an Auto mask explains the Auto decoder that made it: the mask decoder's map for
// the same final box is another one.
void TestCliAuto::autoHeatmapExplainsTheAutoDecoder() {
    const QString image =
        QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/resources/samples/ISIC_0000009.jpg");
    const QString cache = m_tmp.path() + "/heat-cache";
    const auto heatmap = [&](const QStringList& prompt, const QString& name, QJsonObject* json) {
        const QString heat = m_tmp.path() + "/" + name + "-heat.png";
        const Run r = cli(QStringList{"segment", "--model", "default", "--image", image, "--out",
                                      m_tmp.path() + "/" + name + ".png", "--heatmap", heat,
                                      "--json", "--cache", cache} +
                          prompt);
        if (r.exitCode != 0)
            qWarning("%s", qPrintable(r.err));
        if (json)
            *json = QJsonDocument::fromJson(r.out).object();
        return cv::imread(heat.toStdString(), cv::IMREAD_UNCHANGED);
    };
    QJsonObject j;
    const cv::Mat autoHeat = heatmap({"--auto"}, "auto", &j);
    QVERIFY(!autoHeat.empty());
    QCOMPARE(j.value("auto_start").toString(), QStringLiteral("frame"));
    QStringList box;
    for (const QJsonValue& v : j.value("box").toArray())
        box << QString::number(v.toDouble(), 'g', 10);
    QCOMPARE(box.size(), 4);
    const cv::Mat boxHeat = heatmap({"--box", box.join(',')}, "box", nullptr);
    QVERIFY(!boxHeat.empty());
    QCOMPARE(boxHeat.size, autoHeat.size);
    QVERIFY(cv::norm(autoHeat, boxHeat, cv::NORM_INF) > 0);
    // The point start runs on the mask decoder alone: its map is that decoder's, as a box's is.
    const cv::Mat pointHeat = heatmap({"--auto", "--auto-start", "point"}, "point", &j);
    QVERIFY(!pointHeat.empty());
    box.clear();
    for (const QJsonValue& v : j.value("box").toArray())
        box << QString::number(v.toDouble(), 'g', 10);
    const cv::Mat sameBoxHeat = heatmap({"--box", box.join(',')}, "point-box", nullptr);
    QCOMPARE(cv::norm(pointHeat, sameBoxHeat, cv::NORM_INF), 0.0);
}

void TestCliAuto::evalAutoOnTestImages() {
    DERMSAM_REQUIRE_ISIC(dir);
    const Run r = cli({"eval", "--model", "default", "--data", dir, "--split-name", "test",
                       "--limit", "6", "--prompt", "auto", "--json", "--no-cache"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value("prompt").toString(), QStringLiteral("auto"));
    QCOMPARE(j.value("n").toInt(), 6);
    const QJsonArray images = j.value("per_image").toArray();
    QCOMPARE(images.size(), 6);
    for (const QJsonValue& v : images) {
        // Each image records the box Auto ended with.
        const QJsonArray box = v.toObject().value("prompt").toObject().value("box").toArray();
        QCOMPARE(box.size(), 4);
    }
    // These six scored a mean of 0.952 with the first model's centre-click search and 0.975 with
    // the Auto decoder (test split over 594 images: 0.882 and 0.892); 0.85 leaves room for one
    // image going wrong, not for the search failing.
    const double mean = j.value("dice").toObject().value("mean").toDouble();
    QVERIFY2(mean > 0.85, qPrintable(QStringLiteral("mean Dice %1").arg(mean)));
}

// A decoder fine-tuned with frame batches is marked in its file as answering the whole-frame box
// (metadata auto_start=frame), so Auto starts there with it; --auto-start still overrides.
void TestCliAuto::autoStartFollowsTheModel() {
    DERMSAM_REQUIRE_ISIC(dir);
    const QString ft = m_tmp.path() + "/frame-ft.safetensors";
    Run r = cli({"finetune", "--model", "default", "--data", dir, "--out", ft, "--limit", "4",
                 "--epochs", "1", "--batch-size", "2", "--frame", "1", "--val-frame", "--cache",
                 m_tmp.path() + "/cache", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral(", frame 0.")), qPrintable(r.err));
    const QString image = dir + "/images/ISIC_0000017.jpg";
    const auto autoStart = [&](const QString& model, const QStringList& extra) {
        const Run s = cli(QStringList{"segment", "--model", model, "--image", image, "--auto",
                                      "--out", m_tmp.path() + "/start.png", "--json", "--cache",
                                      m_tmp.path() + "/cache"} +
                          extra);
        if (s.exitCode != 0)
            return QStringLiteral("exit %1: %2").arg(s.exitCode).arg(s.err);
        return QJsonDocument::fromJson(s.out).object().value("auto_start").toString();
    };
    QCOMPARE(autoStart(ft, {}), QStringLiteral("frame"));
    QCOMPARE(autoStart(ft, {"--auto-start", "point"}), QStringLiteral("point"));
    QCOMPARE(autoStart(ft, {"--auto-start", "frame,point"}), QStringLiteral("frame,point"));
    r = cli({"eval", "--model", ft, "--data", dir, "--split-name", "test", "--limit", "2",
             "--prompt", "auto", "--json", "--cache", m_tmp.path() + "/cache"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value("auto_start").toString(),
             QStringLiteral("frame"));
}

void TestCliAuto::usageErrors_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("message");
    QTest::newRow("auto and box") << QStringList{"--auto", "--box", "1,1,20,20"} << "--auto";
    QTest::newRow("unknown tta") << QStringList{"--auto", "--tta", "sideways"} << "--tta";
    QTest::newRow("bad iterations")
        << QStringList{"--auto", "--auto-iterations", "-1"} << "--auto-iterations";
    QTest::newRow("no prompt") << QStringList{} << "--auto";
}

void TestCliAuto::usageErrors() {
    QFETCH(QStringList, extra);
    QFETCH(QString, message);
    const QString image =
        QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/resources/samples/ISIC_0000009.jpg");
    const Run r = cli(QStringList{"segment", "--model", "default", "--image", image, "--out",
                                  m_tmp.path() + "/x.png", "--no-cache"} +
                      extra);
    QCOMPARE(r.exitCode, 2);
    const QStringList lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.front().contains(message), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestCliAuto)
#include "tst_cli_auto.moc"
