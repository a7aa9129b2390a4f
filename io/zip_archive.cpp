#include "io/zip_archive.h"

#include "io/file_error.h"
#include "io/mapped_file.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace dermsam::io {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kPaddingExtraId = 0x4246; // "FB", PyTorch's alignment padding
constexpr uint32_t kMax32 = 0xffffffffu;
constexpr uint16_t kMax16 = 0xffffu;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kEndSize = 22;
constexpr uint64_t kZip64EndSize = 56;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint16_t kDosDate19800101 = (1 << 5) | 1;

// Slice-by-8 tables for the reflected polynomial 0xEDB88320.
struct CrcTables {
    uint32_t t[8][256];
    CrcTables() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; ++i)
            for (int s = 1; s < 8; ++s)
                t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
};

const CrcTables& crcTables() {
    static const CrcTables tables;
    return tables;
}

uint16_t rd16(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return static_cast<uint16_t>(u[0] | (u[1] << 8));
}

uint32_t rd32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
           (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

uint64_t rd64(const char* p) {
    return static_cast<uint64_t>(rd32(p)) | (static_cast<uint64_t>(rd32(p + 4)) << 32);
}

void put16(std::string& s, uint16_t v) {
    s += static_cast<char>(v & 0xff);
    s += static_cast<char>(v >> 8);
}

void put32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        s += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put64(std::string& s, uint64_t v) {
    for (int i = 0; i < 8; ++i)
        s += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t clamp32(uint64_t v, bool zip64) {
    return zip64 ? kMax32 : static_cast<uint32_t>(v);
}

} // namespace

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
    const CrcTables& tb = crcTables();
    const auto* p = static_cast<const unsigned char*>(data);
    crc = ~crc;
    while (size >= 8) {
        const uint32_t lo =
            crc ^ (static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                   (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24));
        crc = tb.t[7][lo & 0xff] ^ tb.t[6][(lo >> 8) & 0xff] ^ tb.t[5][(lo >> 16) & 0xff] ^
              tb.t[4][lo >> 24] ^ tb.t[3][p[4]] ^ tb.t[2][p[5]] ^ tb.t[1][p[6]] ^ tb.t[0][p[7]];
        p += 8;
        size -= 8;
    }
    while (size--)
        crc = tb.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

// ---------------------------------------------------------------------------------------------
// Reader

ZipArchive::ZipArchive(const std::string& path)
    : m_file(MappedFile::open(path)) {
    parse();
}

ZipArchive::ZipArchive(std::shared_ptr<const MappedFile> file)
    : m_file(std::move(file)) {
    parse();
}

const std::string& ZipArchive::path() const {
    return m_file->path();
}

void ZipArchive::parse() {
    const std::string& path = m_file->path();
    const char* d = m_file->data();
    const uint64_t n = m_file->size();
    const bool looksLikeZip = n >= 4 && rd32(d) == kLocalSig;
    auto notZip = [&](const std::string& why) {
        throw FileError(FileErrorKind::Malformed, path, why);
    };
    auto truncated = [&](const std::string& why) {
        throw FileError(FileErrorKind::Truncated, path, why);
    };

    // End of central directory: the last signature whose comment fits in the file.
    uint64_t endPos = n;
    if (n >= kEndSize) {
        const uint64_t lowest = n - kEndSize > 0xffff ? n - kEndSize - 0xffff : 0;
        for (uint64_t pos = n - kEndSize + 1; pos-- > lowest;) {
            if (rd32(d + pos) == kEndSig && pos + kEndSize + rd16(d + pos + 20) <= n) {
                endPos = pos;
                break;
            }
        }
    }
    if (endPos == n) {
        if (looksLikeZip)
            truncated("starts like a zip archive but has no end-of-central-directory record");
        notZip("no end-of-central-directory record");
    }
    const char* end = d + endPos;
    if ((rd16(end + 4) != 0 && rd16(end + 4) != kMax16) ||
        (rd16(end + 6) != 0 && rd16(end + 6) != kMax16))
        notZip("multi-disk archives are not supported");
    uint64_t count = rd16(end + 10);
    uint64_t cdSize = rd32(end + 12);
    uint64_t cdOffset = rd32(end + 16);
    uint64_t cdLimit = endPos; // the central directory must end before this offset

    if (endPos >= kZip64LocatorSize && rd32(end - kZip64LocatorSize) == kZip64LocatorSig) {
        const uint64_t locatorPos = endPos - kZip64LocatorSize;
        const uint64_t z64 = rd64(d + locatorPos + 8);
        if (z64 > locatorPos || locatorPos - z64 < kZip64EndSize)
            truncated("zip64 end-of-central-directory record lies outside the file");
        if (rd32(d + z64) != kZip64EndSig)
            notZip("bad zip64 end-of-central-directory signature");
        count = rd64(d + z64 + 32);
        cdSize = rd64(d + z64 + 40);
        cdOffset = rd64(d + z64 + 48);
        cdLimit = z64;
    }
    if (cdOffset > cdLimit || cdSize > cdLimit - cdOffset)
        truncated("central directory lies outside the file");
    if (count > cdSize / kCentralHeaderSize)
        notZip("central directory too small for " + std::to_string(count) + " entries");

    m_entries.reserve(static_cast<size_t>(count));
    uint64_t p = cdOffset;
    const uint64_t cdEnd = cdOffset + cdSize;
    for (uint64_t i = 0; i < count; ++i) {
        const std::string where = "central directory entry " + std::to_string(i);
        if (cdEnd - p < kCentralHeaderSize)
            notZip(where + " is cut short");
        const char* h = d + p;
        if (rd32(h) != kCentralSig)
            notZip("bad signature at " + where);
        ZipEntry e;
        e.flags = rd16(h + 8);
        e.method = rd16(h + 10);
        e.crc32 = rd32(h + 16);
        e.storedSize = rd32(h + 20);
        e.size = rd32(h + 24);
        const uint64_t nameLen = rd16(h + 28);
        const uint64_t extraLen = rd16(h + 30);
        const uint64_t commentLen = rd16(h + 32);
        const uint16_t disk = rd16(h + 34);
        uint64_t localOffset = rd32(h + 42);
        const uint64_t recordLen = kCentralHeaderSize + nameLen + extraLen + commentLen;
        if (cdEnd - p < recordLen)
            notZip(where + " is cut short");
        e.name.assign(h + kCentralHeaderSize, nameLen);

        // Zip64 extended information: 64-bit values for the fields saturated at 0xffffffff.
        const char* x = h + kCentralHeaderSize + nameLen;
        const char* xEnd = x + extraLen;
        while (xEnd - x >= 4) {
            const uint16_t id = rd16(x);
            const uint64_t len = rd16(x + 2);
            if (static_cast<uint64_t>(xEnd - x - 4) < len)
                notZip("bad extra field in entry '" + e.name + "'");
            if (id == kZip64ExtraId) {
                const char* z = x + 4;
                uint64_t left = len;
                auto take = [&](uint64_t& field) {
                    if (left < 8)
                        notZip("short zip64 extra field in entry '" + e.name + "'");
                    field = rd64(z);
                    z += 8;
                    left -= 8;
                };
                if (e.size == kMax32)
                    take(e.size);
                if (e.storedSize == kMax32)
                    take(e.storedSize);
                if (localOffset == kMax32)
                    take(localOffset);
            }
            x += 4 + len;
        }
        if (disk != 0 && disk != kMax16)
            notZip("multi-disk archives are not supported");

        if (localOffset > n || n - localOffset < kLocalHeaderSize)
            truncated("local header of '" + e.name + "' lies outside the file");
        const char* lh = d + localOffset;
        if (rd32(lh) != kLocalSig)
            notZip("bad local header signature for '" + e.name + "'");
        const uint64_t localNameLen = rd16(lh + 26);
        const uint64_t localExtraLen = rd16(lh + 28);
        e.dataOffset = localOffset + kLocalHeaderSize + localNameLen + localExtraLen;
        if (e.dataOffset > n || e.storedSize > n - e.dataOffset)
            truncated("data of '" + e.name + "' lies outside the file");
        if (localNameLen != nameLen ||
            std::memcmp(lh + kLocalHeaderSize, e.name.data(), nameLen) != 0)
            notZip("local and central names differ for '" + e.name + "'");
        if (e.method == 0 && e.storedSize != e.size)
            notZip("stored entry '" + e.name + "' has different stored and real sizes");
        if (!m_index.emplace(e.name, m_entries.size()).second)
            notZip("duplicate entry '" + e.name + "'");
        m_entries.push_back(std::move(e));
        p += recordLen;
    }
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
    const auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_entries[it->second];
}

const char* ZipArchive::data(const ZipEntry& entry) const {
    if (entry.flags & 1)
        throw FileError(FileErrorKind::Unsupported, path(),
                        "entry '" + entry.name + "' is encrypted");
    if (entry.method != 0)
        throw FileError(FileErrorKind::Unsupported, path(),
                        "entry '" + entry.name + "' is compressed (method " +
                            std::to_string(entry.method) +
                            "); only stored entries are supported, as torch.save writes them");
    static const char empty = 0;
    return m_file->data() ? m_file->data() + entry.dataOffset : &empty;
}

void ZipArchive::verifyCrc(const ZipEntry& entry) const {
    const char* p = data(entry);
    if (crc32(p, static_cast<size_t>(entry.size)) != entry.crc32)
        throw FileError(FileErrorKind::Corrupt, path(),
                        "CRC-32 mismatch in entry '" + entry.name + "' (the file is corrupt)");
}

std::string ZipArchive::read(const std::string& name) const {
    const ZipEntry* e = find(name);
    if (!e)
        throw FileError(FileErrorKind::Unreadable, path(), "no entry '" + name + "'");
    verifyCrc(*e);
    return std::string(data(*e), static_cast<size_t>(e->size));
}

// ---------------------------------------------------------------------------------------------
// Writer

ZipWriter::ZipWriter(std::ostream& out, std::string pathForErrors, bool forceZip64)
    : m_out(out)
    , m_path(std::move(pathForErrors))
    , m_forceZip64(forceZip64) {}

void ZipWriter::put(const void* data, uint64_t size) {
    const char* p = static_cast<const char*>(data);
    constexpr uint64_t kChunk = uint64_t(1) << 26;
    for (uint64_t done = 0; done < size;) {
        const uint64_t n = std::min(kChunk, size - done);
        m_out.write(p + done, static_cast<std::streamsize>(n));
        done += n;
    }
    if (!m_out)
        throw FileError(FileErrorKind::WriteFailed, m_path, "write failed");
    m_offset += size;
}

void ZipWriter::put(const std::string& bytes) {
    put(bytes.data(), bytes.size());
}

void ZipWriter::addEntry(const std::string& name, const void* data, uint64_t size) {
    if (m_finished)
        throw FileError(FileErrorKind::BadArgument, m_path, "zip entry added after finish()");
    if (name.empty() || name.size() > kMax16)
        throw FileError(FileErrorKind::BadArgument, m_path, "bad zip entry name '" + name + "'");
    const uint32_t crc = crc32(data, static_cast<size_t>(size));
    const bool zip64 = m_forceZip64 || size >= kMax32;

    std::string extra;
    if (zip64) {
        put16(extra, kZip64ExtraId);
        put16(extra, 16);
        put64(extra, size);
        put64(extra, size);
    }
    const uint64_t start = m_offset + kLocalHeaderSize + name.size() + extra.size() + 4;
    const uint64_t pad = (kAlignment - start % kAlignment) % kAlignment;
    put16(extra, kPaddingExtraId);
    put16(extra, static_cast<uint16_t>(pad));
    extra.append(static_cast<size_t>(pad), 'Z');

    std::string h;
    put32(h, kLocalSig);
    put16(h, zip64 ? 45 : 20);
    put16(h, 0); // flags
    put16(h, 0); // stored
    put16(h, 0); // time
    put16(h, kDosDate19800101);
    put32(h, crc);
    put32(h, clamp32(size, zip64));
    put32(h, clamp32(size, zip64));
    put16(h, static_cast<uint16_t>(name.size()));
    put16(h, static_cast<uint16_t>(extra.size()));
    h += name;
    h += extra;

    m_written.push_back({name, m_offset, size, crc});
    put(h);
    put(data, size);
}

void ZipWriter::finish() {
    if (m_finished)
        return;
    m_finished = true;
    const uint64_t cdOffset = m_offset;
    for (const Written& w : m_written) {
        const bool bigSize = m_forceZip64 || w.size >= kMax32;
        const bool bigOffset = m_forceZip64 || w.headerOffset >= kMax32;
        std::string extra;
        if (bigSize || bigOffset) {
            put16(extra, kZip64ExtraId);
            put16(extra, static_cast<uint16_t>((bigSize ? 16 : 0) + (bigOffset ? 8 : 0)));
            if (bigSize) {
                put64(extra, w.size);
                put64(extra, w.size);
            }
            if (bigOffset)
                put64(extra, w.headerOffset);
        }
        const uint16_t version = (bigSize || bigOffset) ? 45 : 20;
        std::string h;
        put32(h, kCentralSig);
        put16(h, version); // made by (MS-DOS attributes)
        put16(h, version); // needed
        put16(h, 0);
        put16(h, 0);
        put16(h, 0);
        put16(h, kDosDate19800101);
        put32(h, w.crc);
        put32(h, clamp32(w.size, bigSize));
        put32(h, clamp32(w.size, bigSize));
        put16(h, static_cast<uint16_t>(w.name.size()));
        put16(h, static_cast<uint16_t>(extra.size()));
        put16(h, 0); // comment
        put16(h, 0); // disk
        put16(h, 0); // internal attributes
        put32(h, 0); // external attributes
        put32(h, clamp32(w.headerOffset, bigOffset));
        h += w.name;
        h += extra;
        put(h);
    }
    const uint64_t cdSize = m_offset - cdOffset;
    const uint64_t count = m_written.size();
    const bool zip64 = m_forceZip64 || count >= kMax16 || cdSize >= kMax32 || cdOffset >= kMax32;
    std::string t;
    if (zip64) {
        const uint64_t z64 = m_offset;
        put32(t, kZip64EndSig);
        put64(t, kZip64EndSize - 12);
        put16(t, 45);
        put16(t, 45);
        put32(t, 0);
        put32(t, 0);
        put64(t, count);
        put64(t, count);
        put64(t, cdSize);
        put64(t, cdOffset);
        put32(t, kZip64LocatorSig);
        put32(t, 0);
        put64(t, z64);
        put32(t, 1);
    }
    const uint16_t count16 =
        (zip64 && (m_forceZip64 || count >= kMax16)) ? kMax16 : static_cast<uint16_t>(count);
    put32(t, kEndSig);
    put16(t, 0);
    put16(t, 0);
    put16(t, count16);
    put16(t, count16);
    put32(t, clamp32(cdSize, m_forceZip64 || cdSize >= kMax32));
    put32(t, clamp32(cdOffset, m_forceZip64 || cdOffset >= kMax32));
    put16(t, 0);
    put(t);
    m_out.flush();
    if (!m_out)
        throw FileError(FileErrorKind::WriteFailed, m_path, "write failed");
}

} // namespace dermsam::io
