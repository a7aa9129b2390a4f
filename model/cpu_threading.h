#pragma once

#include <functional>
#include <string>
#include <vector>

namespace dermsam {

// Debian's LibTorch runs element-wise work on libgomp threads and matrix products on OpenBLAS's
// own pthreads. By default libgomp's idle threads spin for a long while after each parallel
// region, taking the cores OpenBLAS needs next: on the 2-core machine that made a box decode
// 2-3x slower and erratic. libgomp reads its settings once, when the library loads (before
// main), so the only fix from inside the program is to start it again with them set. glibc's
// allocator settings are read as early, and travel with the same restart.

struct EnvSetting {
    std::string name;
    std::string value;
    bool operator==(const EnvSetting& o) const { return name == o.name && value == o.value; }
};

// Variable that marks a process as already configured (set on re-exec). Setting it to anything
// beforehand opts out of the whole mechanism.
inline constexpr const char* kCpuEnvMarker = "DERMSAM_CPU_ENV";

// Every variable cpuThreadingEnvironment() may set or leaves to the user, for reports.
inline constexpr const char* kCpuEnvVariables[] = {
    "OMP_WAIT_POLICY",         "GOMP_SPINCOUNT",      "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_",
    "OPENBLAS_THREAD_TIMEOUT", "GOTO_THREAD_TIMEOUT", "OPENBLAS_CORETYPE"};

// What OpenBLAS made of this CPU, and what the CPU can do. OpenBLAS picks its kernels from the
// CPU's model number; a model newer than the library falls back to "Prescott", SSE3 kernels:
// Debian 12's OpenBLAS 0.3.21 does that on Intel's Emerald Rapids (family 6, model 207), where
// a LiteMedSAM encode then took 1.0 s against 0.8 s with its AVX-512 kernels (docs/performance.md).
struct BlasCpu {
    std::string openBlasCore; // openblas_get_corename(); empty when the BLAS is not OpenBLAS
    bool avx2Fma = false;     // AVX2 and FMA: OpenBLAS's Haswell kernels run
    bool avx512 = false;      // AVX-512 F, CD, BW, DQ, VL: its SkylakeX kernels run
};
// Asks the OpenBLAS that LibTorch will use (already loaded, or libblas.so.3) and the CPU.
BlasCpu probeBlasCpu();
// The OPENBLAS_CORETYPE that gives this CPU the kernels it can run, when OpenBLAS chose older
// ones than that; empty when its own choice is right or cannot be improved.
std::string openBlasCoreOverride(const BlasCpu& cpu);

// The variables to set before the CPU runtimes load, given the current environment
// (lookup returns nullptr for an unset name) and the CPU. Empty when nothing needs to change:
// the marker is present, or the user chose every setting already (their own values always win).
std::vector<EnvSetting>
cpuThreadingEnvironment(const std::function<const char*(const char*)>& lookup, const BlasCpu& cpu);
std::vector<EnvSetting>
cpuThreadingEnvironment(const std::function<const char*(const char*)>& lookup);

// Denormal floats (below 1.2e-38) as zero, in inputs and results (the CPU's DAZ and FTZ modes),
// for the calling thread and the threads it starts afterwards: call early in main(). A
// LiteMedSAM box decode with the fixture's random weights made enough of them in its softmax and
// products to take 91 ms instead of 37 ms; no output changes beyond 1e-38.
void flushDenormalsToZero();
// Whether the calling thread flushes denormals (for reports: bench --json).
bool flushesDenormals();

// Call first thing in main(): when cpuThreadingEnvironment() asks for changes, sets them and the
// marker and re-executes the same program with the same arguments (once). The launchers that
// start dermsam and dermsam-cli (app/launcher_main.cpp) set them before the real program loads,
// so this only restarts a real program started directly. Returns normally when
// no restart is needed or the restart failed (the program then simply runs with the defaults).
void ensureCpuThreadingEnvironment(int argc, char** argv);

} // namespace dermsam
