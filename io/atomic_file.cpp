#include "io/atomic_file.h"

#include "io/file_error.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dermsam::io {
namespace {

bool syncPath(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    errno = error;
    return ok;
}

} // namespace

bool syncToDisk(const std::string& path) {
    return syncPath(path, O_RDONLY);
}

bool syncParentDirectory(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? std::string(".")
                            : slash == 0               ? "/"
                                                       : path.substr(0, slash);
    return syncPath(dir, O_RDONLY | O_DIRECTORY);
}

std::string temporaryPathFor(const std::string& target) {
    static std::atomic<unsigned> counter{0};
    return target + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void replaceFile(const std::string& written, const std::string& target, Durability durability) {
    // On the disk before the rename: otherwise a power cut soon after can leave the new name on
    // an empty file, and the old contents are gone as well (checkpoints, masks).
    if (durability == Durability::Synced && !syncToDisk(written)) {
        const int error = errno;
        std::remove(written.c_str());
        throw FileError::fromErrno(FileErrorKind::WriteFailed, target, error);
    }
    if (std::rename(written.c_str(), target.c_str()) != 0) {
        const int error = errno;
        std::remove(written.c_str());
        throw FileError::fromErrno(FileErrorKind::WriteFailed, target, error);
    }
    // The rename is an entry in the folder: without this, a power cut can bring back the old
    // name (or none) although commit() returned.
    if (durability == Durability::Synced && !syncParentDirectory(target))
        throw FileError::fromErrno(FileErrorKind::WriteFailed, target, errno);
}

AtomicFileWriter::AtomicFileWriter(std::string path, Durability durability)
    : m_path(std::move(path))
    , m_tmpPath(temporaryPathFor(m_path))
    , m_durability(durability) {
    // A folder in the way fails now, before anything is written (a pair of files written
    // together, as masks and their sidecars are, must fail before the first one is replaced).
    struct stat st {};
    if (::stat(m_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw FileError(FileErrorKind::WriteFailed, m_path, "is a directory");
    m_out.open(m_tmpPath, std::ios::binary | std::ios::trunc);
    if (!m_out)
        throw FileError::fromErrno(FileErrorKind::WriteFailed, m_path, errno);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (!m_committed) {
        m_out.close();
        std::remove(m_tmpPath.c_str());
    }
}

void AtomicFileWriter::write(const void* data, size_t size) {
    m_out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!m_out)
        throw FileError(FileErrorKind::WriteFailed, m_path, "write failed");
}

void AtomicFileWriter::commit() {
    if (m_committed)
        return;
    m_out.flush();
    const bool ok = static_cast<bool>(m_out);
    m_out.close();
    if (!ok || m_out.fail())
        throw FileError(FileErrorKind::WriteFailed, m_path, "write failed");
    m_committed = true; // replaceFile removes the temporary itself when it fails
    replaceFile(m_tmpPath, m_path, m_durability);
}

void writeFileAtomically(const std::string& path, const std::string& bytes, Durability durability) {
    AtomicFileWriter file(path, durability);
    file.write(bytes);
    file.commit();
}

} // namespace dermsam::io
