// dermsam and dermsam-cli as the user starts them: set the CPU runtimes' environment, which
// libgomp, OpenBLAS and glibc's allocator read only when they load, then become the real
// program beside this one (DERMSAM_LAUNCH_TARGET, linked against LibTorch). Before, the real
// program restarted itself to get the same environment and so loaded LibTorch twice: about
// 0.35 s of every command on the 2-core development machine (docs/performance.md). This file
// links nothing but the C++ runtime.
#include "model/cpu_threading.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

#ifndef DERMSAM_LAUNCH_TARGET
#error "DERMSAM_LAUNCH_TARGET: the file name of the program to start"
#endif
#ifndef DERMSAM_LIBEXEC_FROM_BIN
#define DERMSAM_LIBEXEC_FROM_BIN "../libexec/dermsam"
#endif

int main(int argc, char** argv) {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    std::string dir = ".";
    if (n > 0) {
        const std::string self(buf, static_cast<size_t>(n));
        dir = self.substr(0, self.find_last_of('/'));
    }
    // The build tree keeps both programs side by side; an installed tree keeps the real one out
    // of the user's PATH, in <prefix>/libexec/dermsam (DERMSAM_LIBEXEC_FROM_BIN, relative).
    std::string target = dir + "/" + DERMSAM_LAUNCH_TARGET;
    if (::access(target.c_str(), X_OK) != 0)
        target = dir + "/" DERMSAM_LIBEXEC_FROM_BIN "/" DERMSAM_LAUNCH_TARGET;
    const auto changes =
        dermsam::cpuThreadingEnvironment([](const char* name) { return std::getenv(name); });
    for (const dermsam::EnvSetting& s : changes)
        ::setenv(s.name.c_str(), s.value.c_str(), 1);
    if (!changes.empty())
        ::setenv(dermsam::kCpuEnvMarker, "1", 1); // the real program must not restart again
    ::execv(target.c_str(), argv);
    std::fprintf(stderr, "%s: cannot start %s: %s\n", argc > 0 ? argv[0] : "dermsam",
                 target.c_str(), std::strerror(errno));
    return 127;
}
