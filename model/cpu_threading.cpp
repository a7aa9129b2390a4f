#include "model/cpu_threading.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <dlfcn.h>
#include <unistd.h>
#include <xmmintrin.h>

namespace dermsam {

BlasCpu probeBlasCpu() {
    BlasCpu cpu;
    __builtin_cpu_init();
    cpu.avx2Fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    cpu.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                 __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512vl");
    using CoreName = char* (*)();
    // The programs have LibTorch's BLAS loaded already; the launchers load it only to ask (the
    // exec that follows drops it).
    void* symbol = ::dlsym(RTLD_DEFAULT, "openblas_get_corename");
    if (!symbol) {
        if (void* lib = ::dlopen("libblas.so.3", RTLD_LAZY | RTLD_LOCAL))
            symbol = ::dlsym(lib, "openblas_get_corename");
    }
    if (symbol) {
        const char* name = reinterpret_cast<CoreName>(symbol)();
        cpu.openBlasCore = name ? name : "";
    }
    return cpu;
}

std::string openBlasCoreOverride(const BlasCpu& cpu) {
    // OpenBLAS's cores without AVX2 kernels, the fallbacks of an unknown model among them.
    static const char* const kOld[] = {"Prescott",  "Core2",     "Penryn",      "Dunnington",
                                       "Nehalem",   "Atom",      "Sandybridge", "Barcelona",
                                       "Opteron",   "Bulldozer", "Piledriver",  "Steamroller",
                                       "Excavator", "Unknown"};
    bool old = false;
    for (const char* name : kOld) {
        // openblas_get_corename() spells some in lower case ("sandybridge", "prescott").
        const std::string& core = cpu.openBlasCore;
        if (core.size() == std::char_traits<char>::length(name) &&
            std::equal(core.begin(), core.end(), name,
                       [](char a, char b) { return (a | 0x20) == (b | 0x20); }))
            old = true;
    }
    if (!old)
        return {};
    if (cpu.avx512)
        return "SkylakeX";
    if (cpu.avx2Fma)
        return "Haswell";
    return {};
}

std::vector<EnvSetting>
cpuThreadingEnvironment(const std::function<const char*(const char*)>& lookup) {
    if (lookup(kCpuEnvMarker))
        return {};
    return cpuThreadingEnvironment(lookup, probeBlasCpu());
}

std::vector<EnvSetting>
cpuThreadingEnvironment(const std::function<const char*(const char*)>& lookup, const BlasCpu& cpu) {
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
    // OpenBLAS reads OPENBLAS_CORETYPE when it loads; a user's own choice is left alone.
    if (!lookup("OPENBLAS_CORETYPE")) {
        const std::string core = openBlasCoreOverride(cpu);
        if (!core.empty())
            out.push_back({"OPENBLAS_CORETYPE", core});
    }
    return out;
}

// The SSE control register is per thread and copied into the threads a thread creates, so
// libgomp's pool and the Qt workers, started later, inherit it.
void flushDenormalsToZero() {
    _mm_setcsr(_mm_getcsr() | 0x8040); // FTZ (bit 15) and DAZ (bit 6)
}

bool flushesDenormals() {
    return (_mm_getcsr() & 0x8040) == 0x8040;
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
