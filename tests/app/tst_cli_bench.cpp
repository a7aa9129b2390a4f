// Protects `dermsam-cli bench --json`: the fields DESIGN.md and issue 9 rely on, with sane values.
// labels: unit
#include "model/cpu_threading.h"
#include "model/fast_gelu.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

#include "json_keys.h"

#include <iterator>

using namespace dermsam;

class TestCliBench : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reportsEveryTiming();
    void userSettingsWin();
    void photoSize();
    void refusesUnknownOption();
};

// The built-in model keeps this fast; the timings themselves are the benchmark's business, this
// checks that each one is measured (positive, ordered) and reported under its documented name.
void TestCliBench::reportsEveryTiming() {
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH),
            {"bench", "--model", "default", "--device", "cpu", "--repeats", "2", "--json"});
    QVERIFY(p.waitForFinished(300000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray line = p.readAllStandardOutput();
    dermsam::test::checkJsonKeys(line, {{"model", QJsonValue::String},
                                        {"device", QJsonValue::String},
                                        {"precision", QJsonValue::String},
                                        {"threads", QJsonValue::Double},
                                        {"repeats", QJsonValue::Double},
                                        {"tf32", QJsonValue::Bool},
                                        {"cuda_graphs", QJsonValue::Bool},
                                        {"encode_ms", QJsonValue::Object},
                                        {"decode_ms", QJsonValue::Object},
                                        {"gradcam_ms", QJsonValue::Object},
                                        {"gradcam_graphed", QJsonValue::Bool},
                                        {"pipeline_encode_ms", QJsonValue::Object},
                                        {"pipeline_decode_ms", QJsonValue::Object},
                                        {"peak_rss_mb", QJsonValue::Double},
                                        {"train_batch", QJsonValue::Double},
                                        {"train_samples_per_s", QJsonValue::Double},
                                        {"train_data_on_device", QJsonValue::Bool},
                                        {"train_step", QJsonValue::String},
                                        {"cpu_env", QJsonValue::Object},
                                        {"photo", QJsonValue::Array}});
    if (QTest::currentTestFailed())
        return;
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    // The file the built-in model was read from.
    QVERIFY(o.value("model").toString().endsWith(QStringLiteral("default.safetensors")));
    QCOMPARE(o.value("tf32").toBool(true), false);
    QCOMPARE(o.value("train_samples_per_s").toDouble(-1), 0.0);
    QCOMPARE(o.value("train_data_on_device").toBool(true), false);
    QCOMPARE(o.value("train_step").toString(), QStringLiteral("none"));
    QCOMPARE(o.value("photo").toArray(), (QJsonArray{1024, 768}));
    QCOMPARE(o.value("device").toString(), QStringLiteral("cpu"));
    QCOMPARE(o.value("precision").toString(), QStringLiteral("float32"));
    QCOMPARE(o.value("repeats").toInt(), 2);
    QVERIFY(o.value("threads").toInt() >= 1);
    // Graphs exist only on CUDA.
    QCOMPARE(o.value("cuda_graphs").toBool(true), false);
    QCOMPARE(o.value("gradcam_graphed").toBool(true), false);
    for (const char* key :
         {"encode_ms", "decode_ms", "gradcam_ms", "pipeline_encode_ms", "pipeline_decode_ms"}) {
        const QJsonObject t = o.value(key).toObject();
        const double lo = t.value("min").toDouble(), mid = t.value("median").toDouble(),
                     hi = t.value("max").toDouble();
        QVERIFY2(lo > 0 && lo <= mid && mid <= hi, key);
        QVERIFY2(t.size() == 3, key); // median, min, max and nothing else
    }
    QVERIFY(o.value("peak_rss_mb").toDouble() > 10);
    QCOMPARE(o.value("train_batch").toInt(), 0);
    // Started through the launcher, the real program runs with the CPU settings it sets.
    const QJsonObject env = o.value("cpu_env").toObject();
    QCOMPARE(env.value("OMP_WAIT_POLICY").toString(), QStringLiteral("PASSIVE"));
    QCOMPARE(env.value("MALLOC_MMAP_MAX_").toString(), QStringLiteral("0"));
    QCOMPARE(env.value("OPENBLAS_THREAD_TIMEOUT").toString(), QStringLiteral("16"));
    // One entry per CPU runtime setting (its value, or null when the process runs without it),
    // then what took effect.
    QCOMPARE(env.size(), static_cast<int>(std::size(kCpuEnvVariables)) + 3);
    for (const char* name : kCpuEnvVariables)
        QVERIFY2(env.value(name).isString() || env.value(name).isNull(), name);
    QCOMPARE(env.value("flush_denormals").toBool(false), true);
    // The GELU kernel the program chose is the one this CPU runs best.
    QCOMPARE(env.value("gelu_kernel").toString(), QString::fromLatin1(geluKernelName()));
    // OpenBLAS runs kernels this CPU can run: never its SSE3 fallback on an AVX2 CPU, which
    // Debian 12's OpenBLAS picks for CPU models newer than itself (Emerald Rapids, say).
    const BlasCpu cpu = probeBlasCpu();
    if (!env.value("blas_core").isNull() && cpu.avx2Fma) {
        const QString core = env.value("blas_core").toString();
        QVERIFY2(openBlasCoreOverride({core.toStdString(), cpu.avx2Fma, cpu.avx512}).empty(),
                 qPrintable(core));
    }
}

// A user's own setting reaches the real program unchanged; the others are still set.
void TestCliBench::userSettingsWin() {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DERMSAM_CPU_ENV"));
    env.insert(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("ACTIVE"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(DERMSAM_CLI_PATH),
            {"bench", "--model", "default", "--device", "cpu", "--repeats", "1", "--json"});
    QVERIFY(p.waitForFinished(300000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    const QJsonObject cpu = o.value("cpu_env").toObject();
    QCOMPARE(cpu.value("OMP_WAIT_POLICY").toString(), QStringLiteral("ACTIVE"));
    QCOMPARE(cpu.value("MALLOC_MMAP_MAX_").toString(), QStringLiteral("0"));
}

// --photo times the application's path for a photo of that size (a large dermatoscope photo).
void TestCliBench::photoSize() {
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH), {"bench", "--model", "default", "--device", "cpu",
                                               "--repeats", "1", "--photo", "3000x2000", "--json"});
    QVERIFY(p.waitForFinished(300000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    QCOMPARE(o.value("photo").toArray(), (QJsonArray{3000, 2000}));
    QVERIFY(o.value("pipeline_encode_ms").toObject().value("median").toDouble() > 0);
    QVERIFY(o.value("pipeline_decode_ms").toObject().value("median").toDouble() > 0);
    for (const char* bad : {"3000", "0x5", "12x", "axb", "30000x10", "3000x2000x3"}) {
        QProcess q;
        q.start(QStringLiteral(DERMSAM_CLI_PATH), {"bench", "--model", "default", "--photo", bad});
        QVERIFY(q.waitForFinished(60000));
        QCOMPARE(q.exitCode(), 2);
        QVERIFY2(q.readAllStandardError().contains("--photo"), bad);
    }
}

void TestCliBench::refusesUnknownOption() {
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH), {"bench", "--model", "default", "--gpus", "2"});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY(p.exitCode() != 0);
    QVERIFY(p.readAllStandardError().contains("gpus"));
}

QTEST_GUILESS_MAIN(TestCliBench)
#include "tst_cli_bench.moc"
