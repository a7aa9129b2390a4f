#include "model/atomic_file.h"

#include "model/model_error.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dermsam {

bool syncToDisk(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    errno = error;
    return ok;
}

AtomicFileWriter::AtomicFileWriter(std::string path, Durability durability)
    : m_path(std::move(path))
    , m_durability(durability) {
    static std::atomic<unsigned> counter{0};
    m_tmpPath = m_path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    m_out.open(m_tmpPath, std::ios::binary | std::ios::trunc);
    if (!m_out)
        throw ModelError(ErrorCode::FileWriteFailed, m_path, std::strerror(errno));
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
        throw ModelError(ErrorCode::FileWriteFailed, m_path, "write failed");
}

void AtomicFileWriter::commit() {
    if (m_committed)
        return;
    m_out.flush();
    const bool ok = static_cast<bool>(m_out);
    m_out.close();
    if (!ok || m_out.fail())
        throw ModelError(ErrorCode::FileWriteFailed, m_path, "write failed");
    if (m_durability == Durability::Synced) {
        // On the disk before the rename: otherwise a power cut soon after can leave the new
        // name on an empty file, and the old contents are gone as well (checkpoints).
        if (!syncToDisk(m_tmpPath)) {
            const std::string why = std::strerror(errno);
            std::remove(m_tmpPath.c_str());
            throw ModelError(ErrorCode::FileWriteFailed, m_path, why);
        }
    }
    if (std::rename(m_tmpPath.c_str(), m_path.c_str()) != 0)
        throw ModelError(ErrorCode::FileWriteFailed, m_path, std::strerror(errno));
    m_committed = true;
}

} // namespace dermsam
