// Protects the CPU runtime settings policy: what is set before re-exec, and the user's override.
// labels: unit
#include "model/cpu_threading.h"

#include <QTest>

#include <map>

using namespace dermsam;

namespace {

using Env = std::map<std::string, std::string>;
using Settings = std::vector<EnvSetting>;

Settings policyFor(const Env& env) {
    return cpuThreadingEnvironment([&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    });
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

QTEST_GUILESS_MAIN(TestCpuThreading)
#include "tst_cpu_threading.moc"
