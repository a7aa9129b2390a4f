// Protects dermsam-cli compare: paired Wilcoxon and mean difference agree with core statistics.
// labels: unit
#include "core/statistics.h"
#include "model/model_loader.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/safetensors.h"

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

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QString err;
};

void writeCase(const QString& dir, const QString& id, int w, int h, int seed) {
    cv::RNG rng(static_cast<uint64_t>(seed));
    cv::Mat img(h, w, CV_8UC3, cv::Scalar(170, 190, 225));
    cv::Mat noise(h, w, CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 30);
    img += noise;
    cv::Mat mask(h, w, CV_8UC1, cv::Scalar(0));
    const cv::Point c(w / 2 + rng.uniform(-w / 8, w / 8), h / 2 + rng.uniform(-h / 8, h / 8));
    const cv::Size axes(w / 6 + rng.uniform(0, w / 6), h / 6 + rng.uniform(0, h / 6));
    cv::ellipse(img, c, axes, 15.0 * seed, 0, 360, cv::Scalar(60, 70, 110), cv::FILLED);
    cv::ellipse(mask, c, axes, 15.0 * seed, 0, 360, cv::Scalar(255), cv::FILLED);
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

class TestCliCompare : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void sameModelTwice();
    void twoModels_data();
    void twoModels();
    void ttaIsReported();

private:
    Run cli(const QStringList& args);
    QJsonObject json(const QStringList& args);
    QTemporaryDir m_tmp;
    QString m_data;
    QString m_modelA;
    QString m_modelB;
};

Run TestCliCompare::cli(const QStringList& args) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_CACHE_HOME", m_tmp.path() + "/xdg-cache");
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(DERMSAM_CLI_PATH),
            args + QStringList{"--device", "cpu", "--cache", m_tmp.path() + "/cache"});
    Run r;
    if (!p.waitForFinished(300000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QJsonObject TestCliCompare::json(const QStringList& args) {
    const Run r = cli(args);
    if (r.exitCode != 0)
        qWarning("%s", qPrintable(r.err));
    return r.exitCode == 0 ? QJsonDocument::fromJson(r.out).object() : QJsonObject();
}

void TestCliCompare::initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_data = m_tmp.path() + "/data";
    QVERIFY(QDir().mkpath(m_data + "/images"));
    QVERIFY(QDir().mkpath(m_data + "/masks"));
    for (int i = 0; i < 8; ++i)
        writeCase(m_data, QString("lesion_%1").arg(i), 80 + 10 * i, 100 - 4 * i, i + 3);
    at::manual_seed(3);
    const SamModel a(SamArchitecture::compact());
    m_modelA = m_tmp.path() + "/a.safetensors";
    writeSafetensors(m_modelA.toStdString(), a.stateDict(), {{"profile", "compact"}});
    // B: the built-in trained model when this build has it (clearly different from a random
    // one), else a second random model.
    if (!defaultModelPath().empty()) {
        m_modelB = "default";
    } else {
        at::manual_seed(4);
        const SamModel b(SamArchitecture::compact());
        m_modelB = m_tmp.path() + "/b.safetensors";
        writeSafetensors(m_modelB.toStdString(), b.stateDict(), {{"profile", "compact"}});
    }
}

void TestCliCompare::sameModelTwice() {
    const QJsonObject j =
        json({"compare", "--data", m_data, "--model", m_modelA, "--model", m_modelA, "--json"});
    QVERIFY(!j.isEmpty());
    QCOMPARE(j["n"].toInt(), 8);
    QCOMPARE(j["tta"].toString(), QString("off")); // the default, said in the report
    for (const char* metric : {"dice", "iou"}) {
        const QJsonObject d = j[metric].toObject();
        QCOMPARE(d["mean_difference"].toDouble(), 0.0);
        QCOMPARE(d["ci"].toArray()[0].toDouble(), 0.0);
        QCOMPARE(d["ci"].toArray()[1].toDouble(), 0.0);
        const QJsonObject w = d["wilcoxon"].toObject();
        QCOMPARE(w["n"].toInt(), 0);
        QCOMPARE(w["zeros"].toInt(), 8);
        QCOMPARE(w["p"].toDouble(), 1.0);
        QCOMPARE(w["method"].toString(), QString("exact"));
        QCOMPARE(d["significant"].toBool(), false);
    }
    QCOMPARE(j["significant"].toBool(), false);
    QVERIFY(j["verdict"].toString().contains("not significant"));
    const QJsonArray models = j["models"].toArray();
    QCOMPARE(models.size(), 2);
    QCOMPARE(models[0].toObject()["dice"].toObject()["mean"].toDouble(),
             models[1].toObject()["dice"].toObject()["mean"].toDouble());

    // The human-readable form says the same.
    const Run text = cli({"compare", "--data", m_data, "--model", m_modelA, "--model", m_modelA});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains("not significant"));
}

void TestCliCompare::twoModels_data() {
    QTest::addColumn<QString>("prompt");
    QTest::newRow("box") << "box";
    QTest::newRow("jitter") << "jitter";
}

void TestCliCompare::twoModels() {
    QFETCH(QString, prompt);
    const QStringList common{"--data", m_data, "--prompt", prompt, "--seed", "5", "--json"};
    const QJsonObject evalA = json(QStringList{"eval", "--model", m_modelA} + common);
    const QJsonObject evalB = json(QStringList{"eval", "--model", m_modelB} + common);
    const QString report = m_tmp.path() + "/cmp_" + prompt;
    const QJsonObject cmp =
        json(QStringList{"compare", "--model", m_modelA, "--model", m_modelB, "--report", report} +
             common);
    QVERIFY(!evalA.isEmpty() && !evalB.isEmpty() && !cmp.isEmpty());
    QCOMPARE(cmp["prompt"].toString(), prompt);
    QCOMPARE(cmp["tta"].toString(), evalA["tta"].toString());

    const QJsonArray pa = evalA["per_image"].toArray();
    const QJsonArray pb = evalB["per_image"].toArray();
    const QJsonArray pc = cmp["per_image"].toArray();
    QCOMPARE(pa.size(), 8);
    QCOMPARE(pb.size(), 8);
    QCOMPARE(pc.size(), 8);
    QCOMPARE(cmp["n"].toInt(), 8);
    std::vector<double> diceA, diceB, iouA, iouB;
    for (int i = 0; i < 8; ++i) {
        const QJsonObject a = pa[i].toObject(), b = pb[i].toObject(), c = pc[i].toObject();
        QCOMPARE(c["id"].toString(), a["id"].toString());
        QCOMPARE(c["id"].toString(), b["id"].toString());
        QCOMPARE(c["dice_a"].toDouble(), a["dice"].toDouble());
        QCOMPARE(c["dice_b"].toDouble(), b["dice"].toDouble());
        QCOMPARE(c["iou_a"].toDouble(), a["iou"].toDouble());
        QCOMPARE(c["iou_b"].toDouble(), b["iou"].toDouble());
        diceA.push_back(a["dice"].toDouble());
        diceB.push_back(b["dice"].toDouble());
        iouA.push_back(a["iou"].toDouble());
        iouB.push_back(b["iou"].toDouble());
    }
    const auto checkMetric = [&](const char* key, const std::vector<double>& a,
                                 const std::vector<double>& b) {
        const WilcoxonResult w = wilcoxonSignedRank(b, a);
        const PairedDifference d = pairedMeanDifference(b, a);
        const QJsonObject o = cmp[key].toObject();
        const QJsonObject jw = o["wilcoxon"].toObject();
        QCOMPARE(jw["n"].toInt(), w.n);
        QCOMPARE(jw["zeros"].toInt(), w.zeros);
        QCOMPARE(jw["method"].toString(), QString(wilcoxonMethodName(w.method)));
        QVERIFY2(close(jw["w"].toDouble(), w.wPlus), key);
        QVERIFY2(close(jw["w_minus"].toDouble(), w.wMinus), key);
        QVERIFY2(close(num(jw["z"]), w.z), key);
        QVERIFY2(close(jw["p"].toDouble(), w.pValue), key);
        QVERIFY2(close(o["mean_difference"].toDouble(), d.meanDifference), key);
        QVERIFY2(close(o["ci"].toArray()[0].toDouble(), d.ci.low), key);
        QVERIFY2(close(o["ci"].toArray()[1].toDouble(), d.ci.high), key);
        QCOMPARE(o["significant"].toBool(), w.pValue < 0.05);
    };
    checkMetric("dice", diceA, diceB);
    checkMetric("iou", iouA, iouB);
    const WilcoxonResult wd = wilcoxonSignedRank(diceB, diceA);
    QVERIFY2(wd.n > 0, "the two models should differ on some image");
    QCOMPARE(cmp["significant"].toBool(), wd.pValue < 0.05);
    QCOMPARE(cmp["verdict"].toString().contains("not significant"), wd.pValue >= 0.05);
    const QJsonArray models = cmp["models"].toArray();
    QVERIFY(close(models[0].toObject()["dice"].toObject()["mean"].toDouble(),
                  evalA["dice"].toObject()["mean"].toDouble()));
    QVERIFY(close(models[1].toObject()["dice"].toObject()["mean"].toDouble(),
                  evalB["dice"].toObject()["mean"].toDouble()));
    QVERIFY(QFile::exists(report + ".csv"));
    QVERIFY(QFile::exists(report + ".json"));
}

// Both reports say how their figures were made: compare's did not name the test-time
// augmentation (issue #24), eval's did. Two images keep the mirrored runs short.
void TestCliCompare::ttaIsReported() {
    const QStringList common{"--data", m_data, "--limit", "2", "--tta", "hflip", "--json"};
    const QJsonObject eval = json(QStringList{"eval", "--model", m_modelA} + common);
    QCOMPARE(eval["tta"].toString(), QString("hflip"));
    const QString report = m_tmp.path() + "/cmp_tta";
    const QJsonObject cmp =
        json(QStringList{"compare", "--model", m_modelA, "--model", m_modelA, "--report", report} +
             common);
    QCOMPARE(cmp["n"].toInt(), 2);
    QCOMPARE(cmp["tta"].toString(), QString("hflip"));
    QFile written(report + ".json");
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(written.readAll()).object()["tta"].toString(),
             QString("hflip"));
}

QTEST_GUILESS_MAIN(TestCliCompare)
#include "tst_cli_compare.moc"
