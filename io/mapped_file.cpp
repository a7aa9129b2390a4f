#include "io/mapped_file.h"

#include "io/file_error.h"
#include "io/files.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dermsam::io {
namespace {

// Closes a descriptor on every path out of open().
struct FdGuard {
    int fd;
    ~FdGuard() {
        if (fd >= 0)
            ::close(fd);
    }
};

} // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
    FdGuard guard{openForReading(path)};
    struct stat st {};
    if (::fstat(guard.fd, &st) != 0)
        throw FileError::fromErrno(FileErrorKind::Unreadable, path, errno);

    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    const size_t size = static_cast<size_t>(st.st_size);
    if (size == 0)
        return file;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, guard.fd, 0);
    if (p != MAP_FAILED) {
        file->m_data = static_cast<char*>(p);
        file->m_size = size;
        file->m_mapped = true;
        return file;
    }
    // Not mappable (special file system, strict overcommit): read it instead.
    file->m_buffer.resize(size);
    size_t done = 0;
    while (done < size) {
        const ssize_t n =
            ::pread(guard.fd, file->m_buffer.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw FileError(FileErrorKind::Unreadable, path,
                            n < 0 ? std::strerror(errno) : "short read");
        done += static_cast<size_t>(n);
    }
    file->m_data = file->m_buffer.data();
    file->m_size = size;
    return file;
}

std::shared_ptr<const MappedFile> MappedFile::fromBytes(std::string bytes,
                                                        std::string pathForErrors) {
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = std::move(pathForErrors);
    file->m_buffer = std::move(bytes);
    file->m_data = file->m_buffer.empty() ? nullptr : file->m_buffer.data();
    file->m_size = file->m_buffer.size();
    return file;
}

MappedFile::~MappedFile() {
    if (m_mapped)
        ::munmap(m_data, m_size);
}

} // namespace dermsam::io
