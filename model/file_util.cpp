#include "model/file_util.h"

#include "model/model_error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace dermsam {

std::string readWholeFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw ModelError(ErrorCode::FileNotFound, path, std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw ModelError(ErrorCode::FileUnreadable, path, "is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ModelError(ErrorCode::FileUnreadable, path, std::strerror(errno));
    std::string bytes;
    bytes.resize(static_cast<size_t>(st.st_size));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
        throw ModelError(ErrorCode::FileUnreadable, path, "short read");
    return bytes;
}

void writeFileAtomically(const std::string& path, const std::string& bytes, Durability durability) {
    AtomicFileWriter file(path, durability);
    file.write(bytes.data(), bytes.size());
    file.commit();
}

void ensureParentDirectory(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0)
        return;
    const std::string dir = path.substr(0, slash);
    for (size_t i = 1; i <= dir.size(); ++i) {
        if (i == dir.size() || dir[i] == '/') {
            const std::string part = dir.substr(0, i);
            if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
                throw ModelError(ErrorCode::FileWriteFailed, path, std::strerror(errno));
        }
    }
}

} // namespace dermsam
