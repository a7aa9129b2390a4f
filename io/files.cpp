#include "io/files.h"

#include "io/file_error.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace dermsam::io {

int openForReading(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw FileError::fromErrno(FileErrorKind::Unreadable, path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        const int error = errno;
        const bool dir = S_ISDIR(st.st_mode);
        ::close(fd);
        if (dir)
            throw FileError(FileErrorKind::Unreadable, path, "is a directory");
        throw FileError::fromErrno(FileErrorKind::Unreadable, path, error);
    }
    return fd;
}

void readChunks(const std::string& path, std::size_t chunkBytes,
                const std::function<void(const char* data, std::size_t size)>& chunk) {
    const int fd = openForReading(path);
    std::vector<char> buf(chunkBytes > 0 ? chunkBytes : 1);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw FileError::fromErrno(FileErrorKind::Unreadable, path, error);
        }
        if (n == 0)
            break;
        try {
            chunk(buf.data(), static_cast<std::size_t>(n));
        } catch (...) {
            ::close(fd);
            throw;
        }
    }
    ::close(fd);
}

std::string readFile(const std::string& path) {
    std::string bytes;
    readChunks(path, std::size_t(1) << 16,
               [&bytes](const char* data, std::size_t n) { bytes.append(data, n); });
    return bytes;
}

std::string readFile(const std::string& path, std::size_t maxBytes) {
    std::string bytes;
    readChunks(path, std::size_t(1) << 16, [&](const char* data, std::size_t n) {
        if (n > maxBytes - bytes.size())
            throw FileError(FileErrorKind::Unsupported, path,
                            "larger than " + std::to_string(maxBytes) + " bytes");
        bytes.append(data, n);
    });
    return bytes;
}

void makeDirectories(const std::string& dir) {
    if (dir.empty())
        return;
    for (size_t i = 1; i <= dir.size(); ++i) {
        if (i != dir.size() && dir[i] != '/')
            continue;
        const std::string part = dir.substr(0, i);
        struct stat st {};
        if (::mkdir(part.c_str(), 0755) != 0) {
            // EEXIST, or EACCES/EROFS for a folder that exists above a writable one (/home):
            // what counts is whether a folder is there.
            const int error = errno;
            if (::stat(part.c_str(), &st) != 0)
                throw FileError::fromErrno(FileErrorKind::WriteFailed, dir, error);
            if (!S_ISDIR(st.st_mode))
                throw FileError(FileErrorKind::WriteFailed, dir, "'" + part + "' is not a folder");
        }
    }
}

void makeParentDirectories(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0)
        return;
    makeDirectories(path.substr(0, slash));
}

std::string asciiLower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return s;
}

} // namespace dermsam::io
