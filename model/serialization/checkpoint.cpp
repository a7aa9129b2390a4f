#include "model/serialization/checkpoint.h"

#include "model/model_error.h"
#include "model/serialization/pth_reader.h"
#include "model/serialization/safetensors.h"

#include "io/files.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace dermsam {

Checkpoint readCheckpoint(const std::string& path) {
    char magic[4] = {};
    rethrowAsModelError([&] {
        const int fd = io::openForReading(path);
        const ssize_t n = ::read(fd, magic, sizeof magic);
        const int error = errno;
        ::close(fd);
        if (n < 0)
            throw io::FileError::fromErrno(io::FileErrorKind::Unreadable, path, error);
    });
    Checkpoint c;
    if (std::memcmp(magic, "PK\x03\x04", 4) == 0) {
        c.format = "pth";
        c.tensors = readPthStateDict(path);
        return c;
    }
    // torch.save before 1.6 (or with _use_new_zipfile_serialization=False): a bare pickle
    // whose first object is a magic number, "\x80\x02\x8a\x0a" (PROTO 2, LONG1 of 10 bytes).
    if (std::memcmp(magic, "\x80\x02\x8a\x0a", 4) == 0)
        throw ModelError(ErrorCode::UnsupportedFormat, path,
                         "legacy torch.save format (before PyTorch 1.6); re-save it with a "
                         "current PyTorch to read it");
    c.format = "safetensors";
    SafetensorsFile f = readSafetensors(path);
    c.tensors = std::move(f.tensors);
    c.metadata = std::move(f.metadata);
    return c;
}

} // namespace dermsam
