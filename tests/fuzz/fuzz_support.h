// Shared by the libFuzzer harnesses: temp files for path-only readers, typed-error filtering.
#pragma once

#include "core/core_error.h"
#include "io/file_error.h"
#include "model/model_error.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace dermsam::fuzz {

// One file per process and name, rewritten for every input: readers that only take paths see
// exactly the fuzzer's bytes. /dev/shm keeps the write off the disk where it exists.
inline std::string writeTempFile(const std::string& name, const uint8_t* data, size_t size) {
    static const std::string dir = [] {
        const char* env = std::getenv("DERMSAM_FUZZ_TMPDIR");
        if (env && *env)
            return std::string(env);
        return std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    }();
    const std::string path = dir + "/dermsam-fuzz-" + std::to_string(getpid()) + "-" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        std::abort(); // the harness cannot work without its file; not a finding in a reader
    if (size && std::fwrite(data, 1, size, f) != size)
        std::abort();
    std::fclose(f);
    return path;
}

// The readers' contract: a broken file throws ModelError or CoreError (io::FileError from io/
// itself, e.g. the zip reader), nothing else. Any other exception leaves the harness, reaches
// std::terminate and is reported as a crash.
template <typename F> void expectTypedErrors(F&& f) {
    try {
        f();
    } catch (const ModelError&) {
    } catch (const CoreError&) {
    } catch (const io::FileError&) {
    }
}

// Reads every byte of a buffer from instrumented code, so AddressSanitizer sees a tensor or
// view that points outside the memory it was built from (LibTorch itself is not instrumented).
inline unsigned touch(const void* data, size_t size) {
    const auto* p = static_cast<const volatile unsigned char*>(data);
    unsigned acc = 0;
    for (size_t i = 0; i < size; ++i)
        acc += p[i];
    return acc;
}

} // namespace dermsam::fuzz
