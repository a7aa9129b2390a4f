// Protects the CPU runtime settings policy: what is set before re-exec, and the user's override.
// labels: unit
#include "model/cpu_threading.h"

#include <QTest>

#include <map>

using namespace dermsam;

namespace {

using Env = std::map<std::string, std::string>;
using Settings = std::vector<EnvSetting>;

// A CPU whose OpenBLAS chose its kernels well, so only the threading settings are at stake.
Settings policyFor(const Env& env, const BlasCpu& cpu = {"Haswell", true, false}) {
    return cpuThreadingEnvironment(
        [&env](const char* name) -> const char* {
            const auto it = env.find(name);
            return it == env.end() ? nullptr : it->second.c_str();
        },
        cpu);
}

QString describe(const Settings& s) {
    QStringList out;
    for (const EnvSetting& e : s)
        out << QString::fromStdString(e.name + "=" + e.value);
    return out.join(QLatin1Char(' '));
}

} // namespace

Q_DECLARE_METATYPE(Env)

class TestCpuThreading : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void policy_data();
    void policy();
    void blasCore_data();
    void blasCore();
    void blasCoreUserChoiceWins();
};

void TestCpuThreading::policy_data() {
    QTest::addColumn<Env>("env");
    QTest::addColumn<QString>("expected");
    const QString all =
        "OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 "
        "OPENBLAS_THREAD_TIMEOUT=16";
    QTest::newRow("nothing set") << Env{} << all;
    QTest::newRow("unrelated variables") << Env{{"OMP_NUM_THREADS", "2"}, {"HOME", "/tmp"}} << all;
    QTest::newRow("already restarted") << Env{{kCpuEnvMarker, "1"}} << "";
    QTest::newRow("user opted out") << Env{{kCpuEnvMarker, "off"}} << "";
    QTest::newRow("user wait policy") << Env{{"OMP_WAIT_POLICY", "ACTIVE"}}
                                      << "MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 "
                                         "OPENBLAS_THREAD_TIMEOUT=16";
    QTest::newRow("user spin count") << Env{{"GOMP_SPINCOUNT", "10000"}}
                                     << "MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 "
                                        "OPENBLAS_THREAD_TIMEOUT=16";
    QTest::newRow("user allocator settings")
        << Env{{"MALLOC_MMAP_MAX_", "65536"}, {"MALLOC_TRIM_THRESHOLD_", "131072"}}
        << "OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=16";
    QTest::newRow("user BLAS timeout")
        << Env{{"GOTO_THREAD_TIMEOUT", "28"}}
        << "OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184";
    QTest::newRow("user chose everything") << Env{{"OMP_WAIT_POLICY", "PASSIVE"},
                                                  {"MALLOC_MMAP_MAX_", "0"},
                                                  {"MALLOC_TRIM_THRESHOLD_", "0"},
                                                  {"OPENBLAS_THREAD_TIMEOUT", "28"}}
                                           << "";
}

void TestCpuThreading::policy() {
    QFETCH(Env, env);
    QFETCH(QString, expected);
    QCOMPARE(describe(policyFor(env)), expected);
}

void TestCpuThreading::blasCore_data() {
    QTest::addColumn<QString>("core");
    QTest::addColumn<bool>("avx2Fma");
    QTest::addColumn<bool>("avx512");
    QTest::addColumn<QString>("expected");
    // An unknown newer model (Emerald Rapids with Debian 12's OpenBLAS) falls back to Prescott.
    QTest::newRow("AVX-512 CPU, Prescott kernels") << "Prescott" << true << true << "SkylakeX";
    QTest::newRow("AVX2 CPU, Prescott kernels") << "Prescott" << true << false << "Haswell";
    QTest::newRow("AVX2 CPU, sandybridge kernels") << "sandybridge" << true << false << "Haswell";
    QTest::newRow("AVX2 CPU, Nehalem kernels") << "Nehalem" << true << false << "Haswell";
    // OpenBLAS knew the CPU: its choice stands.
    QTest::newRow("Haswell") << "Haswell" << true << false << "";
    QTest::newRow("SkylakeX") << "SkylakeX" << true << true << "";
    QTest::newRow("Cooperlake") << "Cooperlake" << true << true << "";
    QTest::newRow("Zen") << "Zen" << true << false << "";
    // An old CPU that really is one: nothing better to run.
    QTest::newRow("SSE3-only CPU") << "Prescott" << false << false << "";
    QTest::newRow("AVX-only CPU") << "Sandybridge" << false << false << "";
    // Not OpenBLAS (reference BLAS): nothing to set.
    QTest::newRow("other BLAS") << "" << true << true << "";
}

void TestCpuThreading::blasCore() {
    QFETCH(QString, core);
    QFETCH(bool, avx2Fma);
    QFETCH(bool, avx512);
    QFETCH(QString, expected);
    const BlasCpu cpu{core.toStdString(), avx2Fma, avx512};
    QCOMPARE(QString::fromStdString(openBlasCoreOverride(cpu)), expected);
    const QString all =
        "OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 "
        "OPENBLAS_THREAD_TIMEOUT=16";
    QCOMPARE(describe(policyFor({}, cpu)),
             expected.isEmpty() ? all : all + " OPENBLAS_CORETYPE=" + expected);
}

void TestCpuThreading::blasCoreUserChoiceWins() {
    const BlasCpu prescott{"Prescott", true, true};
    QVERIFY(!describe(policyFor({{"OPENBLAS_CORETYPE", "Haswell"}}, prescott))
                 .contains("OPENBLAS_CORETYPE"));
    QCOMPARE(describe(policyFor({{kCpuEnvMarker, "1"}}, prescott)), QString());
}

QTEST_GUILESS_MAIN(TestCpuThreading)
#include "tst_cpu_threading.moc"
