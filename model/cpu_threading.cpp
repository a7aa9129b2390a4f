#include "model/cpu_threading.h"

#include <cstdlib>
#include <vector>

#include <unistd.h>

namespace dermsam {

std::vector<EnvSetting>
cpuThreadingEnvironment(const std::function<const char*(const char*)>& lookup) {
    if (lookup(kCpuEnvMarker))
        return {};
    std::vector<EnvSetting> out;
    // PASSIVE: idle OpenMP threads sleep at once instead of spinning. Of the choices measured
    // on the 2-core machine (docs/performance.md) it gave the fastest and steadiest decode;
    // GOMP_SPINCOUNT=0 matched its best times but with a far wider spread. A user's own
    // OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone.
    if (!lookup("OMP_WAIT_POLICY") && !lookup("GOMP_SPINCOUNT"))
        out.push_back({"OMP_WAIT_POLICY", "PASSIVE"});
    // glibc hands every block above 32 MB straight back to the system when it is freed, so each
    // encoder layer faulted its activations in again page by page. Keeping freed memory in the
    // heap made a ViT-B encode about 7% faster for about 100 MB more peak memory (and cut the
    // kernel time of decoder training by much more). Each is set only if the user has not.
    if (!lookup("MALLOC_MMAP_MAX_"))
        out.push_back({"MALLOC_MMAP_MAX_", "0"});
    if (!lookup("MALLOC_TRIM_THRESHOLD_"))
        out.push_back({"MALLOC_TRIM_THRESHOLD_", "17179869184"});
    // OpenBLAS's idle threads poll with sched_yield for about 2^28 cycles after each product
    // before sleeping; on two cores that polling competes with the next small products of a
    // decode (perf put about a quarter of a bench run's samples in sched_yield). 2^16 cycles:
    // ViT-B box decode on the idle machine 28-30 ms against 33-34 ms, encode unchanged or
    // slightly faster (docs/performance.md).
    if (!lookup("OPENBLAS_THREAD_TIMEOUT") && !lookup("GOTO_THREAD_TIMEOUT"))
        out.push_back({"OPENBLAS_THREAD_TIMEOUT", "16"});
    return out;
}

void ensureCpuThreadingEnvironment(int argc, char** argv) {
    const std::vector<EnvSetting> changes =
        cpuThreadingEnvironment([](const char* name) { return std::getenv(name); });
    if (changes.empty() || argc < 1 || !argv || !argv[0])
        return;
    for (const EnvSetting& s : changes)
        ::setenv(s.name.c_str(), s.value.c_str(), 1);
    // The marker stops a second restart even if the variables above were to be dropped.
    ::setenv(kCpuEnvMarker, "1", 1);
    ::execv("/proc/self/exe", argv);
    // exec failed (no /proc, say): carry on in this process with the runtime's defaults.
}

} // namespace dermsam
