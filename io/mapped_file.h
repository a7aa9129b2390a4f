#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace dermsam::io {

// A whole file mapped into memory, read-only on disk. The mapping is private (copy-on-write), so
// tensors that view it may be written to without touching the file. Shared ownership keeps the
// mapping alive as long as any tensor view of it exists. Falls back to reading the file into
// memory where mmap is not possible.
class MappedFile {
public:
    // Throws FileError(NotFound / Unreadable) naming the path.
    static std::shared_ptr<const MappedFile> open(const std::string& path);
    // An in-memory "file" (tests, small buffers); pathForErrors names it in errors.
    static std::shared_ptr<const MappedFile> fromBytes(std::string bytes,
                                                       std::string pathForErrors = {});

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const char* data() const { return m_data; }
    size_t size() const { return m_size; }
    const std::string& path() const { return m_path; }

    // Writable address of byte `offset` for building tensor views; writes stay private to this
    // process (MAP_PRIVATE or an owned buffer), never reach the file.
    void* writableAt(size_t offset) const { return m_data + offset; }

private:
    MappedFile() = default;

    std::string m_path;
    char* m_data = nullptr;
    size_t m_size = 0;
    bool m_mapped = false;
    std::string m_buffer; // owns the bytes when not mapped
};

} // namespace dermsam::io
