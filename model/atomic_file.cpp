#include "model/atomic_file.h"

#include "model/model_error.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace dermsam {

AtomicFileWriter::AtomicFileWriter(std::string path)
    : m_path(std::move(path)) {
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
    if (std::rename(m_tmpPath.c_str(), m_path.c_str()) != 0)
        throw ModelError(ErrorCode::FileWriteFailed, m_path, std::strerror(errno));
    m_committed = true;
}

} // namespace dermsam
