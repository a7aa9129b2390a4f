#include "core/dicom_structure.h"

#include "core/core_error.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dctag.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace dermsam {

namespace {

constexpr std::uint64_t kUndefined = ~std::uint64_t{0};
constexpr std::uint32_t kUndefinedLength = 0xffffffffu;
// Real images hold hundreds of elements (enhanced multi-frame ones tens of thousands); DCMTK
// spends about a hundred bytes of memory per element it parses.
constexpr std::uint64_t kMaxElements = 1'000'000;

enum class Encoding { ImplicitLittle, ExplicitLittle, ExplicitBig };

// Sequential reads through a fixed 64 KiB window; skipping a value only moves the position.
class FileCursor {
public:
    explicit FileCursor(const std::string& path)
        : m_in(path, std::ios::binary)
        , m_buffer(1 << 16) {
        if (!m_in)
            throw CoreError(CoreErrorCode::FileUnreadable, path, std::strerror(errno));
        std::error_code ec;
        m_size = std::filesystem::file_size(path, ec);
        if (ec)
            throw CoreError(CoreErrorCode::FileUnreadable, path, ec.message());
    }

    std::uint64_t size() const { return m_size; }
    std::uint64_t pos() const { return m_pos; }
    std::uint64_t left() const { return m_size - m_pos; }
    void seek(std::uint64_t pos) { m_pos = pos < m_size ? pos : m_size; }
    bool skip(std::uint64_t count) {
        if (count > left())
            return false;
        m_pos += count;
        return true;
    }
    // count is at most the window; false when the file ends first.
    bool read(unsigned char* out, size_t count) {
        if (!peek(out, count))
            return false;
        m_pos += count;
        return true;
    }
    bool peek(unsigned char* out, size_t count) {
        if (count > left() || count > m_buffer.size())
            return false;
        if (m_pos < m_start || m_pos + count > m_start + m_filled) {
            m_in.clear();
            m_in.seekg(static_cast<std::streamoff>(m_pos));
            const std::uint64_t want = left() < m_buffer.size() ? left() : m_buffer.size();
            m_in.read(reinterpret_cast<char*>(m_buffer.data()), static_cast<std::streamsize>(want));
            m_start = m_pos;
            m_filled = static_cast<std::uint64_t>(m_in.gcount());
            if (count > m_filled)
                return false;
        }
        std::memcpy(out, m_buffer.data() + (m_pos - m_start), count);
        return true;
    }

private:
    std::ifstream m_in;
    std::vector<unsigned char> m_buffer;
    std::uint64_t m_size = 0;
    std::uint64_t m_pos = 0;
    std::uint64_t m_start = 0;
    std::uint64_t m_filled = 0;
};

// Thrown inside the walk for a structural fault; a depth-only walk stops quietly on it.
struct StructureFault {
    std::string what;
};

struct Frame {
    enum class Kind { DataSet, Sequence, Item, Fragments };
    Kind kind;
    std::uint64_t end; // kUndefined: closed by a delimitation item
    Encoding encoding;
};

bool isVrLetter(unsigned char c) {
    return c >= 'A' && c <= 'Z';
}

bool knownVr(const char* vr) {
    static const char* const all[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS",
                                      "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH",
                                      "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN",
                                      "UR", "US", "UT", "UV", "ox", "xs", "lt", "na", "up"};
    for (const char* v : all)
        if (vr[0] == v[0] && vr[1] == v[1])
            return true;
    return false;
}

// VRs whose explicit encoding has two reserved bytes and a 32-bit length.
bool hasLongLength(const char* vr) {
    static const char* const all[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                      "SV", "UC", "UN", "UR", "UT", "UV"};
    for (const char* v : all)
        if (vr[0] == v[0] && vr[1] == v[1])
            return true;
    return false;
}

class StructureWalk {
public:
    StructureWalk(FileCursor& file, const ImageLimits& limits, const std::string& path)
        : m_file(file)
        , m_limits(limits)
        , m_path(path) {}

    // Walks the data set from start to the end of the file.
    void run(std::uint64_t start, Encoding encoding) {
        m_file.seek(start);
        std::vector<Frame> stack;
        // Bounded by the depth limit (a sequence and an item per level), not by the file.
        stack.reserve(2 * static_cast<size_t>(m_limits.maxDicomSequenceDepth) + 4);
        stack.push_back({Frame::Kind::DataSet, m_file.size(), encoding});
        int depth = 0;
        while (!stack.empty()) {
            const Frame top = stack.back();
            if (top.end != kUndefined && m_file.pos() >= top.end) {
                if (m_file.pos() > top.end)
                    fault("an element runs past the end of its item");
                if (top.kind == Frame::Kind::Sequence)
                    --depth;
                stack.pop_back();
                continue;
            }
            if (top.kind == Frame::Kind::DataSet && m_file.left() < 8)
                return; // trailing bytes after the last element: DCMTK's business
            if (++m_elements > kMaxElements)
                throw CoreError(CoreErrorCode::UnsupportedDicom, m_path,
                                "more than " + std::to_string(kMaxElements) + " elements");
            const bool big = top.encoding == Encoding::ExplicitBig;
            const unsigned group = u16(big);
            const unsigned element = u16(big);
            if (group == 0xfffe) {
                const std::uint32_t length = u32(big);
                delimiterOrItem(stack, depth, element, length);
                continue;
            }
            char vr[2] = {0, 0};
            std::uint32_t length = 0;
            if (top.encoding == Encoding::ImplicitLittle) {
                length = u32(false);
            } else {
                unsigned char v[2];
                if (!m_file.read(v, 2))
                    fault("cut off in an element header");
                vr[0] = static_cast<char>(v[0]);
                vr[1] = static_cast<char>(v[1]);
                if (!isVrLetter(v[0]) || !isVrLetter(v[1]) || !knownVr(vr))
                    fault("unknown VR in element (" + hex(group) + "," + hex(element) + ")");
                if (hasLongLength(vr)) {
                    u16(big); // reserved
                    length = u32(big);
                } else {
                    length = u16(big);
                }
            }
            valueOf(stack, depth, group, element, vr, length);
        }
    }

private:
    [[noreturn]] void fault(const std::string& what) const {
        throw StructureFault{what + " at byte " + std::to_string(m_file.pos())};
    }

    static std::string hex(unsigned v) {
        static const char digits[] = "0123456789ABCDEF";
        std::string s(4, '0');
        for (int i = 3; i >= 0; --i, v >>= 4)
            s[static_cast<size_t>(i)] = digits[v & 15];
        return s;
    }

    unsigned u16(bool big) {
        unsigned char b[2];
        if (!m_file.read(b, 2))
            fault("cut off in an element header");
        return big ? (b[0] << 8 | b[1]) : (b[0] | b[1] << 8);
    }

    std::uint32_t u32(bool big) {
        const std::uint32_t first = u16(big);
        const std::uint32_t second = u16(big);
        return big ? (first << 16 | second) : (first | second << 16);
    }

    // The end of a value of defined length, checked against its parent and the file.
    std::uint64_t endOf(const std::vector<Frame>& stack, std::uint32_t length) {
        const std::uint64_t end = m_file.pos() + length;
        const Frame& top = stack.back();
        if (end > m_file.size())
            fault("a length of " + std::to_string(length) + " runs past the end of the file");
        if (top.end != kUndefined && end > top.end)
            fault("a length of " + std::to_string(length) + " runs past the end of its item");
        return end;
    }

    void openSequence(std::vector<Frame>& stack, int& depth, std::uint64_t end, Encoding encoding) {
        if (++depth > m_limits.maxDicomSequenceDepth)
            throw CoreError(CoreErrorCode::UnsupportedDicom, m_path,
                            "sequences nested deeper than " +
                                std::to_string(m_limits.maxDicomSequenceDepth) + " levels");
        stack.push_back({Frame::Kind::Sequence, end, encoding});
    }

    void delimiterOrItem(std::vector<Frame>& stack, int& depth, unsigned element,
                         std::uint32_t length) {
        const Frame top = stack.back();
        const bool undefinedEnd = top.end == kUndefined;
        if (element == 0xe000) {
            if (top.kind == Frame::Kind::Sequence) {
                const std::uint64_t end =
                    length == kUndefinedLength ? kUndefined : endOf(stack, length);
                stack.push_back({Frame::Kind::Item, end, top.encoding});
            } else if (top.kind == Frame::Kind::Fragments && length != kUndefinedLength) {
                m_file.seek(endOf(stack, length));
            } else {
                fault("an item outside a sequence");
            }
        } else if (element == 0xe00d && top.kind == Frame::Kind::Item && undefinedEnd) {
            stack.pop_back();
        } else if (element == 0xe0dd && undefinedEnd &&
                   (top.kind == Frame::Kind::Sequence || top.kind == Frame::Kind::Fragments)) {
            if (top.kind == Frame::Kind::Sequence)
                --depth;
            stack.pop_back();
        } else {
            fault("delimitation item (FFFE," + hex(element) + ") out of place");
        }
    }

    bool dictionarySaysSequence(unsigned group, unsigned element) const {
        const DcmTag tag(static_cast<Uint16>(group), static_cast<Uint16>(element));
        return tag.getEVR() == EVR_SQ;
    }

    bool startsWithItem() {
        unsigned char b[4];
        return m_file.peek(b, 4) && b[0] == 0xfe && b[1] == 0xff && b[2] == 0x00 && b[3] == 0xe0;
    }

    void valueOf(std::vector<Frame>& stack, int& depth, unsigned group, unsigned element,
                 const char* vr, std::uint32_t length) {
        const Encoding encoding = stack.back().encoding;
        const bool implicit = encoding == Encoding::ImplicitLittle;
        const bool pixelData = group == 0x7fe0 && element == 0x0010;
        const bool sq = vr[0] == 'S' && vr[1] == 'Q';
        const bool un = vr[0] == 'U' && vr[1] == 'N';
        const bool obow = vr[0] == 'O' && (vr[1] == 'B' || vr[1] == 'W');
        if (length == kUndefinedLength) {
            if (pixelData || obow)
                stack.push_back({Frame::Kind::Fragments, kUndefined, encoding});
            else if (sq)
                openSequence(stack, depth, kUndefined, encoding);
            else if (un || implicit) // CP-246: UN of undefined length is implicit VR inside
                openSequence(stack, depth, kUndefined, Encoding::ImplicitLittle);
            else
                fault("undefined length on a " + std::string(vr, 2) + " element");
            return;
        }
        const std::uint64_t end = endOf(stack, length);
        // Implicit VR: the dictionary tells a sequence; an unknown tag whose value starts with
        // an item is walked too, in case DCMTK reads it as one.
        if (sq || (implicit && length >= 8 &&
                   (dictionarySaysSequence(group, element) || startsWithItem())))
            openSequence(stack, depth, end, encoding);
        else
            m_file.seek(end);
    }

    FileCursor& m_file;
    const ImageLimits& m_limits;
    const std::string& m_path;
    std::uint64_t m_elements = 0;
};

struct MetaInfo {
    std::uint64_t dataSetStart = 0;
    std::uint64_t groupLengthEnd = 0; // where (0002,0000) says the data set starts; 0 = absent
    std::string transferSyntax;
    bool present = false;
};

// The file meta information: explicit VR little endian, group 0002 only, no sequences.
MetaInfo readMeta(FileCursor& file, const std::string& path) {
    MetaInfo meta;
    unsigned char b[8];
    std::uint64_t start = 0;
    if (file.size() >= 132) {
        file.seek(128);
        if (file.read(b, 4) && std::memcmp(b, "DICM", 4) == 0)
            start = 132;
    }
    file.seek(start);
    const auto corrupt = [&](const std::string& what) {
        throw CoreError(CoreErrorCode::CorruptFile, path,
                        "file meta information: " + what + " at byte " +
                            std::to_string(file.pos()));
    };
    while (file.peek(b, 8) && b[0] == 0x02 && b[1] == 0x00) {
        meta.present = true;
        const unsigned element = b[2] | b[3] << 8;
        const char vr[2] = {static_cast<char>(b[4]), static_cast<char>(b[5])};
        std::uint32_t length = b[6] | b[7] << 8;
        file.skip(8);
        if (!isVrLetter(b[4]) || !isVrLetter(b[5]) || !knownVr(vr))
            corrupt("not explicit VR");
        if (hasLongLength(vr)) {
            if ((vr[0] == 'S' && vr[1] == 'Q') || !file.read(b, 4))
                corrupt("a sequence or a cut-off header");
            length = b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
        }
        if (length > file.left())
            corrupt("a length of " + std::to_string(length) + " past the end of the file");
        if (element == 0x0000 && length == 4 && file.read(b, 4)) {
            const std::uint32_t groupLength =
                b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
            meta.groupLengthEnd = file.pos() + groupLength;
        } else if (element == 0x0010 && length <= 64) {
            unsigned char uid[64];
            file.read(uid, length);
            meta.transferSyntax.assign(reinterpret_cast<char*>(uid), length);
            while (!meta.transferSyntax.empty() &&
                   (meta.transferSyntax.back() == '\0' || meta.transferSyntax.back() == ' '))
                meta.transferSyntax.pop_back();
        } else {
            file.skip(length);
        }
    }
    meta.dataSetStart = file.pos();
    return meta;
}

// DCMTK guesses the encoding of a data set without meta information from its first element.
Encoding guessEncoding(FileCursor& file, std::uint64_t start) {
    unsigned char b[6];
    file.seek(start);
    if (!file.peek(b, 6))
        return Encoding::ImplicitLittle;
    const char vr[2] = {static_cast<char>(b[4]), static_cast<char>(b[5])};
    const bool explicitVr = isVrLetter(b[4]) && isVrLetter(b[5]) && knownVr(vr);
    if (!explicitVr)
        return Encoding::ImplicitLittle;
    return (b[0] == 0 && b[1] != 0) ? Encoding::ExplicitBig : Encoding::ExplicitLittle;
}

} // namespace

void checkDicomStructure(const std::string& path, const ImageLimits& limits) {
    FileCursor file(path);
    const MetaInfo meta = readMeta(file, path);
    const std::string& ts = meta.transferSyntax;
    if (ts == "1.2.840.10008.1.2.1.99" || ts == "1.2.840.10008.1.2.4.95")
        throw CoreError(CoreErrorCode::UnsupportedDicom, path, "deflated transfer syntax " + ts);

    Encoding primary = Encoding::ExplicitLittle;
    if (ts == "1.2.840.10008.1.2")
        primary = Encoding::ImplicitLittle;
    else if (ts == "1.2.840.10008.1.2.2")
        primary = Encoding::ExplicitBig;
    else if (ts.empty())
        primary = guessEncoding(file, meta.dataSetStart);

    // The reading DCMTK most likely takes must be sound; the others are walked for depth only
    // (a StructureFault there just means that reading is not the file's).
    try {
        StructureWalk(file, limits, path).run(meta.dataSetStart, primary);
    } catch (const StructureFault& f) {
        throw CoreError(CoreErrorCode::CorruptFile, path, "DICOM structure: " + f.what);
    }
    const auto depthOnly = [&](std::uint64_t start, Encoding e) {
        try {
            StructureWalk(file, limits, path).run(start, e);
        } catch (const StructureFault&) {
        }
    };
    if (ts.empty())
        for (const Encoding e :
             {Encoding::ImplicitLittle, Encoding::ExplicitLittle, Encoding::ExplicitBig})
            if (e != primary)
                depthOnly(meta.dataSetStart, e);
    if (meta.groupLengthEnd != 0 && meta.groupLengthEnd != meta.dataSetStart &&
        meta.groupLengthEnd < file.size())
        depthOnly(meta.groupLengthEnd, primary);
}

} // namespace dermsam
