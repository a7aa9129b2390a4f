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
    "OMP_WAIT_POLICY",        "GOMP_SPINCOUNT",          "MALLOC_MMAP_MAX_",
    "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_THREAD_TIMEOUT", "GOTO_THREAD_TIMEOUT"};

// The variables to set before the CPU runtimes load, given the current environment
// (lookup returns nullptr for an unset name). Empty when nothing needs to change: the marker is
// present, or the user chose every setting already (their own values always win).
std::vector<EnvSetting>
cpuThreadingEnvironment(const std::function<const char*(const char*)>& lookup);

// Call first thing in main(): when cpuThreadingEnvironment() asks for changes, sets them and the
// marker and re-executes the same program with the same arguments (once). The launchers that
// start dermsam and dermsam-cli (app/launcher_main.cpp) set them before the real program loads,
// so this only restarts a real program started directly. Returns normally when
// no restart is needed or the restart failed (the program then simply runs with the defaults).
void ensureCpuThreadingEnvironment(int argc, char** argv);

} // namespace dermsam
