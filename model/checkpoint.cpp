#include "model/checkpoint.h"

#include "model/model_error.h"
#include "model/pth_reader.h"
#include "model/safetensors.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace dermsam {

Checkpoint readCheckpoint(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw ModelError(errno == ENOENT ? ErrorCode::FileNotFound : ErrorCode::FileUnreadable,
                         path, std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw ModelError(ErrorCode::FileUnreadable, path, "is a directory");
    char magic[4] = {};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw ModelError(ErrorCode::FileUnreadable, path, std::strerror(errno));
        in.read(magic, sizeof magic);
    }
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
