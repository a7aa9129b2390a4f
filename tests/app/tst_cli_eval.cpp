// Protects dermsam-cli eval/segment/embed: metrics equal core's on segment's masks, errors; and
// the --json lines of segment, embed, explain, pointing-game and finetune, key by key.
// labels: unit
#include "core/evaluation.h"
#include "core/mask_io.h"
#include "core/metrics.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/safetensors.h"

#include "json_keys.h"

#include <ATen/ATen.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace dermsam;
using dermsam::test::checkJsonKeys;
using dermsam::test::JsonKeys;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QString err;
};

// A synthetic lesion: a dark ellipse on a skin-coloured, noisy background, and its mask.
void writeCase(const QString& dir, const QString& id, int w, int h, int seed) {
    cv::RNG rng(static_cast<uint64_t>(seed));
    cv::Mat img(h, w, CV_8UC3, cv::Scalar(170, 190, 225)); // BGR
    cv::Mat noise(h, w, CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 30);
    img += noise;
    cv::Mat mask(h, w, CV_8UC1, cv::Scalar(0));
    const cv::Point c(w / 2 + rng.uniform(-w / 8, w / 8), h / 2 + rng.uniform(-h / 8, h / 8));
    const cv::Size axes(w / 5 + rng.uniform(0, w / 8), h / 5 + rng.uniform(0, h / 8));
    cv::ellipse(img, c, axes, 20.0 * seed, 0, 360, cv::Scalar(60, 70, 110), cv::FILLED);
    cv::ellipse(mask, c, axes, 20.0 * seed, 0, 360, cv::Scalar(255), cv::FILLED);
    QVERIFY(cv::imwrite((dir + "/images/" + id + ".png").toStdString(), img));
    QVERIFY(cv::imwrite((dir + "/masks/" + id + ".png").toStdString(), mask));
}

bool close(double a, double b) {
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return std::abs(a - b) <= 1e-8 * std::max(1.0, std::abs(b));
}

double num(const QJsonValue& v) {
    return v.isNull() ? std::nan("") : v.toDouble();
}

} // namespace

class TestCliEval : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void evalMatchesCoreMetrics_data();
    void evalMatchesCoreMetrics();
    void reportFiles();
    void splits_data();
    void splits();
    void segmentWritesMask();
    void embedSkipsCached();
    void explainJson();
    void pointingGameJson();
    void finetuneJson();
    void badInputs_data();
    void badInputs();

private:
    Run cli(const QStringList& args);
    QTemporaryDir m_tmp;
    QString m_data;
    QString m_model;
    QString m_cache;
    const QStringList m_ids{"case_a", "case_b", "case_c", "case_d"};
};

Run TestCliEval::cli(const QStringList& args) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_CACHE_HOME", m_tmp.path() + "/xdg-cache"); // never the user's cache
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(DERMSAM_CLI_PATH), args);
    Run r;
    if (!p.waitForFinished(300000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestCliEval::initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_data = m_tmp.path() + "/data";
    QVERIFY(QDir().mkpath(m_data + "/images"));
    QVERIFY(QDir().mkpath(m_data + "/masks"));
    const int sizes[][2] = {{96, 80}, {120, 100}, {80, 80}, {140, 90}};
    for (int i = 0; i < m_ids.size(); ++i)
        writeCase(m_data, m_ids[i], sizes[i][0], sizes[i][1], i + 1);
    at::manual_seed(7);
    const SamModel model(SamArchitecture::compact());
    m_model = m_tmp.path() + "/random.safetensors";
    writeSafetensors(m_model.toStdString(), model.stateDict(), {{"profile", "compact"}});
    m_cache = m_tmp.path() + "/cache";
}

void TestCliEval::evalMatchesCoreMetrics_data() {
    QTest::addColumn<QString>("prompt");
    QTest::newRow("box") << "box";
    QTest::newRow("jitter") << "jitter";
    QTest::newRow("center") << "center";
}

void TestCliEval::evalMatchesCoreMetrics() {
    QFETCH(QString, prompt);
    const Run r = cli({"eval", "--model", m_model, "--data", m_data, "--prompt", prompt, "--seed",
                       "11", "--json", "--device", "cpu", "--cache", m_cache});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j["n"].toInt(), m_ids.size());
    QCOMPARE(j["prompt"].toString(), prompt);
    const QJsonArray per = j["per_image"].toArray();
    QCOMPARE(per.size(), m_ids.size());

    std::vector<ImageMetrics> ours;
    for (int i = 0; i < per.size(); ++i) {
        const QJsonObject o = per[i].toObject();
        const QString id = o["id"].toString();
        QCOMPARE(id, m_ids[i]);
        const cv::Mat truth = loadMask((m_data + "/masks/" + id + ".png").toStdString());
        // The prompt eval used, re-run through segment.
        const QJsonObject pr = o["prompt"].toObject();
        QStringList promptArgs;
        if (prompt == "center") {
            const QJsonArray pt = pr["point"].toArray();
            QCOMPARE(pt.size(), 3);
            PointPrompt expected;
            QVERIFY(maskCenterPoint(truth, expected));
            QCOMPARE(pt[0].toDouble(), double(expected.x));
            QCOMPARE(pt[1].toDouble(), double(expected.y));
            QVERIFY(truth.at<uchar>(pt[1].toInt(), pt[0].toInt()) != 0);
            promptArgs << "--point"
                       << QString("%1,%2,1")
                              .arg(pt[0].toDouble(), 0, 'g', 17)
                              .arg(pt[1].toDouble(), 0, 'g', 17);
        } else {
            const QJsonArray b = pr["box"].toArray();
            QCOMPARE(b.size(), 4);
            BoxPrompt tight;
            QVERIFY(maskBoundingBox(truth, tight));
            if (prompt == "box") {
                QCOMPARE(b[0].toDouble(), double(tight.x0));
                QCOMPARE(b[1].toDouble(), double(tight.y0));
                QCOMPARE(b[2].toDouble(), double(tight.x1));
                QCOMPARE(b[3].toDouble(), double(tight.y1));
            } else { // outward, at most 20 px of the 1024 frame, inside the image
                QVERIFY(b[0].toDouble() <= tight.x0 && b[1].toDouble() <= tight.y0);
                QVERIFY(b[2].toDouble() >= tight.x1 && b[3].toDouble() >= tight.y1);
                QVERIFY(tight.x0 - b[0].toDouble() <= 20.0 * truth.cols / 1024 + 1e-4);
                QVERIFY(b[0].toDouble() >= 0 && b[2].toDouble() <= truth.cols - 1);
            }
            QStringList parts;
            for (const auto& v : b)
                parts << QString::number(v.toDouble(), 'g', 17);
            promptArgs << "--box" << parts.join(',');
        }
        const QString out = m_tmp.path() + "/pred/" + prompt + "_" + id + ".png";
        const Run s = cli(QStringList{"segment", "--model", m_model, "--image",
                                      m_data + "/images/" + id + ".png", "--out", out, "--device",
                                      "cpu", "--cache", m_cache} +
                          promptArgs);
        QVERIFY2(s.exitCode == 0, qPrintable(s.err));
        ImageMetrics m = computeImageMetrics(loadMask(out.toStdString()), truth);
        m.id = id.toStdString();
        ours.push_back(m);
        QVERIFY2(close(o["dice"].toDouble(), m.dice), qPrintable(id));
        QVERIFY(close(o["iou"].toDouble(), m.jaccard));
        QVERIFY(close(o["thresholded_jaccard"].toDouble(), m.thresholdedJaccard));
        QVERIFY(close(o["sensitivity"].toDouble(), m.sensitivity));
        QVERIFY(close(o["specificity"].toDouble(), m.specificity));
        QVERIFY(close(num(o["hd95"]), m.hd95Px));
    }
    const MetricsReport s = summarizeImages(ours);
    const auto check = [&](const char* key, const MetricSummary& expected) {
        const QJsonObject o = j[key].toObject();
        QVERIFY2(close(num(o["mean"]), expected.mean), key);
        QVERIFY2(close(num(o["sd"]), expected.sd), key);
        QVERIFY2(close(num(o["ci"].toArray()[0]), expected.ciLow), key);
        QVERIFY2(close(num(o["ci"].toArray()[1]), expected.ciHigh), key);
    };
    check("dice", s.dice);
    check("iou", s.jaccard);
    check("thresholded_jaccard", s.thresholdedJaccard);
    check("sensitivity", s.sensitivity);
    check("specificity", s.specificity);
    check("hd95", s.hd95Px);
}

void TestCliEval::reportFiles() {
    const QString report = m_tmp.path() + "/report";
    const Run r = cli({"eval", "--model", m_model, "--data", m_data, "--report", report, "--device",
                       "cpu", "--cache", m_cache});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("Dice"));
    QFile csv(report + ".csv");
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), m_ids.size() + 1);
    QVERIFY(lines[0].startsWith("id,dice,iou,"));
    QFile json(report + ".json");
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject j = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(j["n"].toInt(), m_ids.size());
    QCOMPARE(j["per_image"].toArray().size(), m_ids.size());
}

void TestCliEval::splits_data() {
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("expectedIds");
    QTest::newRow("own splits.txt")
        << QStringList{"--split-name", "test"} << QStringList{"case_b", "case_d"};
    QTest::newRow("FILE:NAME") << QStringList{"--split", "@/splits.txt:train"}
                               << QStringList{"case_a", "case_c"};
    QTest::newRow("limit") << QStringList{"--split-name", "test", "--limit", "1"}
                           << QStringList{"case_b"};
    QTest::newRow("all") << QStringList{} << m_ids;
}

void TestCliEval::splits() {
    QFETCH(QStringList, options);
    QFETCH(QStringList, expectedIds);
    QFile f(m_data + "/splits.txt");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("case_a train\ncase_b test\ncase_c train\ncase_d test\n");
    f.close();
    options.replaceInStrings("@", m_data);
    const Run r = cli(QStringList{"eval", "--model", m_model, "--data", m_data, "--json",
                                  "--device", "cpu", "--cache", m_cache} +
                      options);
    QFile::remove(m_data + "/splits.txt");
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonArray per = QJsonDocument::fromJson(r.out).object()["per_image"].toArray();
    QStringList ids;
    for (const auto& v : per)
        ids << v.toObject()["id"].toString();
    QCOMPARE(ids, expectedIds);
}

void TestCliEval::segmentWritesMask() {
    const QString out = m_tmp.path() + "/seg/one_segmentation.png";
    const Run r =
        cli({"segment", "--model", m_model, "--image", m_data + "/images/case_b.png", "--box",
             "20,20,90,80", "--out", out, "--json", "--device", "cpu", "--no-cache"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    JsonKeys keys{{"out", QJsonValue::String},           {"sidecar", QJsonValue::String},
                  {"width", QJsonValue::Double},         {"height", QJsonValue::Double},
                  {"area", QJsonValue::Double},          {"masks", QJsonValue::Double},
                  {"chosen", QJsonValue::Double},        {"iou", QJsonValue::Array},
                  {"predicted_iou", QJsonValue::Double}, {"prompt", QJsonValue::String},
                  {"tta", QJsonValue::String},           {"views", QJsonValue::Double},
                  {"profile", QJsonValue::String},       {"model", QJsonValue::String},
                  {"cache_hit", QJsonValue::Bool},       {"encode_ms", QJsonValue::Double},
                  {"decode_ms", QJsonValue::Double}};
    checkJsonKeys(r.out, keys);
    if (QTest::currentTestFailed())
        return;
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j["out"].toString(), out);
    QCOMPARE(j["sidecar"].toString(), QString::fromStdString(sidecarPathFor(out.toStdString())));
    QCOMPARE(j["prompt"].toString(), QStringLiteral("given"));
    QCOMPARE(j["tta"].toString(), QStringLiteral("off"));
    QCOMPARE(j["profile"].toString(), QStringLiteral("compact"));
    QCOMPARE(j["model"].toString(), m_model);
    QCOMPARE(j["cache_hit"].toBool(true), false);
    QCOMPARE(j["iou"].toArray().size(), j["masks"].toInt());
    QVERIFY(j["chosen"].toInt() < j["masks"].toInt());
    for (const QJsonValue& v : j["iou"].toArray())
        QVERIFY(v.isDouble());
    QCOMPARE(j["predicted_iou"].toDouble(), j["iou"].toArray()[j["chosen"].toInt()].toDouble());
    QCOMPARE(j["width"].toInt(), 120);
    QCOMPARE(j["height"].toInt(), 100);
    const cv::Mat png = cv::imread(out.toStdString(), cv::IMREAD_UNCHANGED);
    QCOMPARE(png.type(), CV_8UC1);
    QCOMPARE(png.cols, 120);
    QCOMPARE(png.rows, 100);
    QCOMPARE(cv::countNonZero(png), j["area"].toInt());
    QCOMPARE(cv::countNonZero((png != 0) & (png != 255)), 0);
    const MaskSidecar sc = loadMaskSidecar(sidecarPathFor(out.toStdString()));
    QCOMPARE(sc.prompts.boxes.size(), size_t(1));
    QCOMPARE(sc.preprocessingProfile, std::string("compact"));
    QVERIFY(!sc.modelHash.empty());

    const Run none = cli(
        {"segment", "--model", m_model, "--image", m_data + "/images/case_b.png", "--out", out});
    QCOMPARE(none.exitCode, 2);
    QCOMPARE(none.err.trimmed().count('\n'), 0);

    // Without a sidecar, "sidecar" is null (not an empty string).
    const Run bare = cli({"segment", "--model", m_model, "--image", m_data + "/images/case_b.png",
                          "--box", "20,20,90,80", "--out", m_tmp.path() + "/seg/bare.png",
                          "--no-sidecar", "--json", "--device", "cpu", "--no-cache"});
    QVERIFY2(bare.exitCode == 0, qPrintable(bare.err));
    keys[1].second = QJsonValue::Null;
    checkJsonKeys(bare.out, keys);
}

void TestCliEval::embedSkipsCached() {
    const QString cache = m_tmp.path() + "/embed-cache";
    const Run first =
        cli({"embed", "--model", m_model, "--data", m_data, "--cache", cache, "--json"});
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    const JsonKeys keys{{"images", QJsonValue::Double}, {"encoded", QJsonValue::Double},
                        {"cached", QJsonValue::Double}, {"failed", QJsonValue::Double},
                        {"cache", QJsonValue::String},  {"seconds", QJsonValue::Double}};
    checkJsonKeys(first.out, keys);
    if (QTest::currentTestFailed())
        return;
    QJsonObject j = QJsonDocument::fromJson(first.out).object();
    QCOMPARE(j["failed"].toInt(), 0);
    QCOMPARE(j["cache"].toString(), cache);
    QVERIFY(j["seconds"].toDouble() >= 0);
    QCOMPARE(j["images"].toInt(), m_ids.size());
    QCOMPARE(j["encoded"].toInt(), m_ids.size());
    QCOMPARE(j["cached"].toInt(), 0);
    QVERIFY(first.err.contains(QString("embed %1/%1").arg(m_ids.size())));
    QCOMPARE(QDir(cache).entryList({"*.npy"}).size(), m_ids.size());
    const Run second =
        cli({"embed", "--model", m_model, "--data", m_data, "--cache", cache, "--json"});
    QVERIFY2(second.exitCode == 0, qPrintable(second.err));
    j = QJsonDocument::fromJson(second.out).object();
    QCOMPARE(j["encoded"].toInt(), 0);
    QCOMPARE(j["cached"].toInt(), m_ids.size());
}

// explain --json: the overlay, the raw map (null without --raw), the CAM's sizes and peak.
void TestCliEval::explainJson() {
    const QString heat = m_tmp.path() + "/explain/heat.png";
    const QString raw = m_tmp.path() + "/explain/raw.npy";
    const QStringList common{
        "explain",  "--model",     m_model, "--image", m_data + "/images/case_b.png",
        "--box",    "20,20,90,80", "--out", heat,      "--json",
        "--device", "cpu"};
    const Run r = cli(common + QStringList{"--raw", raw});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    JsonKeys keys{{"out", QJsonValue::String},       {"raw", QJsonValue::String},
                  {"method", QJsonValue::String},    {"layer", QJsonValue::String},
                  {"width", QJsonValue::Double},     {"height", QJsonValue::Double},
                  {"raw_width", QJsonValue::Double}, {"raw_height", QJsonValue::Double},
                  {"peak", QJsonValue::Array},       {"target", QJsonValue::Double},
                  {"candidate", QJsonValue::Double}, {"encode_ms", QJsonValue::Double},
                  {"cam_ms", QJsonValue::Double}};
    checkJsonKeys(r.out, keys);
    if (QTest::currentTestFailed())
        return;
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j["out"].toString(), heat);
    QCOMPARE(j["raw"].toString(), raw);
    QCOMPARE(j["method"].toString(), QStringLiteral("gradcam"));
    QCOMPARE(j["layer"].toString(), QStringLiteral("embedding"));
    QCOMPARE(j["width"].toInt(), 120);
    QCOMPARE(j["height"].toInt(), 100);
    QVERIFY(j["raw_width"].toInt() > 0 && j["raw_height"].toInt() > 0);
    const QJsonArray peak = j["peak"].toArray();
    QCOMPARE(peak.size(), 2);
    QVERIFY(peak[0].isDouble() && peak[1].isDouble());
    QVERIFY(peak[0].toInt() >= 0 && peak[0].toInt() < 120);
    QVERIFY(peak[1].toInt() >= 0 && peak[1].toInt() < 100);
    QVERIFY(QFile::exists(heat));
    QVERIFY(QFile::exists(raw));

    const Run noRaw = cli(common);
    QVERIFY2(noRaw.exitCode == 0, qPrintable(noRaw.err));
    keys[1].second = QJsonValue::Null;
    checkJsonKeys(noRaw.out, keys);
}

// pointing-game --json: the summary and one {id, hit, peak} per image.
void TestCliEval::pointingGameJson() {
    const Run r =
        cli({"pointing-game", "--model", m_model, "--data", m_data, "--json", "--device", "cpu"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    checkJsonKeys(r.out, {{"n", QJsonValue::Double},
                          {"hits", QJsonValue::Double},
                          {"accuracy", QJsonValue::Double},
                          {"skipped", QJsonValue::Double},
                          {"tolerance_px", QJsonValue::Double},
                          {"method", QJsonValue::String},
                          {"layer", QJsonValue::String},
                          {"variant", QJsonValue::String},
                          {"seconds", QJsonValue::Double},
                          {"per_image", QJsonValue::Array}});
    if (QTest::currentTestFailed())
        return;
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j["n"].toInt(), m_ids.size());
    QCOMPARE(j["skipped"].toInt(), 0);
    QCOMPARE(j["tolerance_px"].toInt(), 15);
    const QJsonArray per = j["per_image"].toArray();
    QCOMPARE(per.size(), m_ids.size());
    int hits = 0;
    for (int i = 0; i < per.size(); ++i) {
        const QJsonObject p = per[i].toObject();
        QCOMPARE(p.size(), 3);
        QCOMPARE(p["id"].toString(), m_ids[i]);
        QVERIFY(p["hit"].isBool()); // null only for an image whose mask is empty
        hits += p["hit"].toBool() ? 1 : 0;
        const QJsonArray peak = p["peak"].toArray();
        QCOMPARE(peak.size(), 2);
        QVERIFY(peak[0].isDouble() && peak[1].isDouble());
    }
    QCOMPARE(j["hits"].toInt(), hits);
    QCOMPARE(j["accuracy"].toDouble(), hits / double(m_ids.size()));
}

// finetune --json, on the smallest run there is: the compact model, two training and two
// validation images, one epoch.
void TestCliEval::finetuneJson() {
    const QString split = m_tmp.path() + "/finetune-splits.txt";
    QFile f(split);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("case_a train\ncase_b val\ncase_c train\ncase_d val\n");
    f.close();
    const QString out = m_tmp.path() + "/finetune/tuned.safetensors";
    const Run r = cli({"finetune", "--model", m_model, "--data", m_data, "--split", split, "--out",
                       out, "--epochs", "1", "--batch-size", "2", "--device", "cpu", "--cache",
                       m_cache, "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    checkJsonKeys(r.out, {{"out", QJsonValue::String},
                          {"last", QJsonValue::String},
                          {"train", QJsonValue::Double},
                          {"val", QJsonValue::Double},
                          {"epochs_done", QJsonValue::Double},
                          {"best_epoch", QJsonValue::Double},
                          {"best_val_dice", QJsonValue::Double},
                          {"steps", QJsonValue::Double}});
    if (QTest::currentTestFailed())
        return;
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QVERIFY(QFile::exists(j["out"].toString()));
    QVERIFY(QFile::exists(j["last"].toString()));
    QCOMPARE(j["train"].toInt(), 2);
    QCOMPARE(j["val"].toInt(), 2);
    QCOMPARE(j["epochs_done"].toInt(), 1);
    // 0 when no epoch beat the starting model's validation Dice.
    QVERIFY(j["best_epoch"].toInt() >= 0 && j["best_epoch"].toInt() <= 1);
    QVERIFY(j["best_val_dice"].toDouble() >= 0 && j["best_val_dice"].toDouble() <= 1);
    QVERIFY(j["steps"].toInt() >= 1);
}

void TestCliEval::badInputs_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("missing model")
        << QStringList{"eval", "--model", "@/no-such-model.safetensors", "--data", "@/data"};
    QTest::newRow("empty folder") << QStringList{"eval", "--model", "@/random.safetensors",
                                                 "--data", "@/empty"};
    QTest::newRow("bad prompt") << QStringList{
        "eval", "--model", "@/random.safetensors", "--data", "@/data", "--prompt", "lasso"};
    QTest::newRow("missing data") << QStringList{"eval", "--model", "@/random.safetensors"};
    QTest::newRow("unknown split") << QStringList{
        "eval", "--model", "@/random.safetensors", "--data", "@/data", "--split-name", "holdout"};
    QTest::newRow("compare one model")
        << QStringList{"compare", "--model", "@/random.safetensors", "--data", "@/data"};
    QTest::newRow("embed missing data")
        << QStringList{"embed", "--model", "@/random.safetensors", "--data", "@/nowhere"};
}

void TestCliEval::badInputs() {
    QFETCH(QStringList, args);
    QVERIFY(QDir().mkpath(m_tmp.path() + "/empty"));
    args.replaceInStrings("@", m_tmp.path());
    const Run r = cli(args + QStringList{"--cache", m_cache});
    QVERIFY2(r.exitCode > 0, qPrintable(r.err));
    const QString err = r.err.trimmed();
    QVERIFY(!err.isEmpty());
    QVERIFY2(err.count('\n') == 0, qPrintable(err));
    QVERIFY2(err.contains("error"), qPrintable(err));
    QVERIFY(r.out.isEmpty());
}

QTEST_GUILESS_MAIN(TestCliEval)
#include "tst_cli_eval.moc"
