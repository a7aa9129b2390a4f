#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace dermsam::io {

class MappedFile;

// CRC-32 (ISO-HDLC, as zip uses); pass the previous result to continue a running checksum.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// One record of a zip archive's central directory, with offsets validated against the file.
struct ZipEntry {
    std::string name;
    uint16_t method = 0;     // 0 = stored; anything else is refused when read
    uint16_t flags = 0;      // general purpose bits (bit 0 = encrypted)
    uint64_t dataOffset = 0; // first byte of the entry's data in the file
    uint64_t size = 0;       // uncompressed size (== stored size for method 0)
    uint64_t storedSize = 0; // compressed size
    uint32_t crc32 = 0;
};

// Read-only zip archive over a memory-mapped file: the central directory (with zip64 end records
// and zip64 extra fields) is parsed and every offset and size is checked to lie inside the file,
// so entry data can be used in place without copying. Only stored (uncompressed) entries can be
// read, which is what torch.save writes.
// Errors: FileError Malformed (no zip structure), Truncated (an offset or size beyond the end of
// the file), Unsupported (compressed or encrypted entry), Corrupt (CRC mismatch), Unreadable
// (missing entry); model/ reports them as ModelError NotAZipArchive, TruncatedFile,
// UnsupportedFormat, CorruptFile and FileUnreadable.
class ZipArchive {
public:
    explicit ZipArchive(const std::string& path);
    explicit ZipArchive(std::shared_ptr<const MappedFile> file);

    const std::vector<ZipEntry>& entries() const { return m_entries; }
    const ZipEntry* find(const std::string& name) const; // nullptr when absent

    // Pointer to the entry's bytes inside the mapping (entry.size of them); throws for compressed
    // or encrypted entries.
    const char* data(const ZipEntry& entry) const;
    // Copy of the named entry's bytes, CRC-checked; throws FileUnreadable when absent.
    std::string read(const std::string& name) const;
    // Throws CorruptFile naming the entry when its CRC-32 does not match its data.
    void verifyCrc(const ZipEntry& entry) const;

    const std::string& path() const;
    const std::shared_ptr<const MappedFile>& file() const { return m_file; }

private:
    void parse();

    std::shared_ptr<const MappedFile> m_file;
    std::vector<ZipEntry> m_entries;
    std::map<std::string, size_t> m_index;
};

// Streams a zip archive of stored entries, laid out as PyTorch's writer does: each entry's data
// starts at a multiple of 64 bytes (padding in a local extra field), CRC-32 filled in, zip64
// records where sizes or offsets need them (or always, with forceZip64, for tests).
// Call finish() once after the last entry; it writes the central directory.
class ZipWriter {
public:
    explicit ZipWriter(std::ostream& out, std::string pathForErrors = {}, bool forceZip64 = false);

    void addEntry(const std::string& name, const void* data, uint64_t size);
    void addEntry(const std::string& name, const std::string& bytes) {
        addEntry(name, bytes.data(), bytes.size());
    }
    void finish();

    static constexpr uint64_t kAlignment = 64;

private:
    struct Written {
        std::string name;
        uint64_t headerOffset;
        uint64_t size;
        uint32_t crc;
    };
    void put(const std::string& bytes);
    void put(const void* data, uint64_t size);

    std::ostream& m_out;
    std::string m_path;
    bool m_forceZip64;
    bool m_finished = false;
    uint64_t m_offset = 0;
    std::vector<Written> m_written;
};

} // namespace dermsam::io
