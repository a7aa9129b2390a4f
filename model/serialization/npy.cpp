#include "model/serialization/npy.h"

#include "io/files.h"
#include "model/model_error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace dermsam {
namespace {

struct DtypeInfo {
    const char* descr;
    at::ScalarType type;
    size_t size;
};

const DtypeInfo kDtypes[] = {
    {"f4", at::kFloat, 4}, {"f2", at::kHalf, 2}, {"f8", at::kDouble, 8},
    {"u1", at::kByte, 1},  {"b1", at::kBool, 1}, {"i4", at::kInt, 4},
    {"i8", at::kLong, 8},  {"i1", at::kChar, 1}, {"i2", at::kShort, 2},
};

// NumPy itself refuses headers over 10,000 bytes unless told otherwise (max_header_size); a
// header is a short dict literal, so 64 KiB leaves room for any real one while bounding the
// work a hostile file can ask for.
constexpr size_t kMaxHeaderBytes = 64 * 1024;
// NumPy 1.x's NPY_MAXDIMS; DermSAM's arrays have at most 4.
constexpr size_t kMaxDims = 32;
// 2^40 elements (4 TiB of float32) is beyond any file DermSAM reads; the bound only keeps the
// overflow-checked product far from int64's limit, the file's size is the real check.
constexpr uint64_t kMaxElements = uint64_t(1) << 40;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw ModelError(ErrorCode::BadNpy, path, why);
}

struct NpyHeader {
    char order = '<';
    std::string code; // "f4", "u1", ...
    bool fortranOrder = false;
    std::vector<int64_t> shape;
};

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Parsed by a single forward scan (no regex, no recursion), so its cost is linear in its bounded
// length whatever it holds. Only the three keys NumPy writes are accepted, each once.
class NpyHeaderParser {
public:
    NpyHeaderParser(const char* p, size_t n, const std::string& path)
        : m_p(p)
        , m_end(p + n)
        , m_path(path) {}

    NpyHeader parse() {
        NpyHeader h;
        bool haveDescr = false, haveOrder = false, haveShape = false;
        skipSpace();
        expect('{');
        for (;;) {
            skipSpace();
            if (peek('}')) {
                ++m_p;
                break;
            }
            const std::string key = quoted(64);
            skipSpace();
            expect(':');
            skipSpace();
            if (key == "descr") {
                once(haveDescr, key);
                descr(h);
            } else if (key == "fortran_order") {
                once(haveOrder, key);
                h.fortranOrder = boolean();
            } else if (key == "shape") {
                once(haveShape, key);
                h.shape = shape();
            } else {
                fail(m_path, "unexpected header key '" + key + "'");
            }
            skipSpace();
            if (peek(',')) {
                ++m_p;
                continue;
            }
            skipSpace();
            expect('}');
            break;
        }
        skipSpace();
        if (m_p != m_end)
            fail(m_path, "unexpected data after the header dict");
        if (!haveDescr)
            fail(m_path, "header has no descr");
        if (!haveOrder)
            fail(m_path, "header has no fortran_order");
        if (!haveShape)
            fail(m_path, "header has no shape");
        return h;
    }

private:
    static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    void skipSpace() {
        while (m_p != m_end && isSpace(*m_p))
            ++m_p;
    }
    bool peek(char c) const { return m_p != m_end && *m_p == c; }
    void expect(char c) {
        if (!peek(c))
            fail(m_path, std::string("malformed header: expected '") + c + "'");
        ++m_p;
    }
    void once(bool& seen, const std::string& key) {
        if (seen)
            fail(m_path, "header key '" + key + "' appears twice");
        seen = true;
    }

    // A quoted string of at most `maxLen` characters (keys and dtype codes are short).
    std::string quoted(size_t maxLen) {
        if (!peek('\'') && !peek('"'))
            fail(m_path, "malformed header: expected a quoted string");
        const char quote = *m_p++;
        const char* start = m_p;
        while (m_p != m_end && *m_p != quote) {
            if (static_cast<size_t>(m_p - start) >= maxLen)
                fail(m_path, "malformed header: string longer than " + std::to_string(maxLen) +
                                 " characters");
            ++m_p;
        }
        if (m_p == m_end)
            fail(m_path, "malformed header: unterminated string");
        std::string s(start, m_p);
        ++m_p;
        return s;
    }

    void descr(NpyHeader& h) {
        if (peek('['))
            throw ModelError(ErrorCode::UnsupportedDtype, m_path, "structured dtype");
        const std::string d = quoted(16);
        if (d.size() < 2 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
            throw ModelError(ErrorCode::UnsupportedDtype, m_path, "dtype '" + d + "'");
        h.order = d[0];
        h.code = d.substr(1);
    }

    bool boolean() {
        static const char kTrue[] = "True";
        static const char kFalse[] = "False";
        const size_t left = static_cast<size_t>(m_end - m_p);
        if (left >= 4 && std::memcmp(m_p, kTrue, 4) == 0) {
            m_p += 4;
            return true;
        }
        if (left >= 5 && std::memcmp(m_p, kFalse, 5) == 0) {
            m_p += 5;
            return false;
        }
        fail(m_path, "malformed header: fortran_order is not True or False");
    }

    // "()", "(5,)", "(2, 3)"; Python 2 wrote "(2L, 3L)".
    std::vector<int64_t> shape() {
        std::vector<int64_t> dims;
        expect('(');
        for (;;) {
            skipSpace();
            if (peek(')')) {
                ++m_p;
                return dims;
            }
            if (!isDigit(m_p == m_end ? '\0' : *m_p))
                fail(m_path, "malformed header: shape holds something other than integers");
            if (dims.size() == kMaxDims)
                fail(m_path, "shape has more than " + std::to_string(kMaxDims) + " dimensions");
            int64_t v = 0;
            while (m_p != m_end && isDigit(*m_p)) {
                const int digit = *m_p++ - '0';
                if (v > (std::numeric_limits<int64_t>::max() - digit) / 10)
                    fail(m_path, "shape dimension too large");
                v = v * 10 + digit;
            }
            if (peek('L'))
                ++m_p;
            dims.push_back(v);
            skipSpace();
            if (peek(',')) {
                ++m_p;
                continue;
            }
            skipSpace();
            expect(')');
            return dims;
        }
    }

    const char* m_p;
    const char* m_end;
    const std::string& m_path;
};

} // namespace

at::Tensor parseNpy(const std::string& bytes, const std::string& path) {
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
        fail(path, "missing .npy magic");
    const int major = static_cast<unsigned char>(bytes[6]);
    size_t headerLen = 0;
    size_t offset = 0;
    if (major == 1) {
        headerLen = static_cast<unsigned char>(bytes[8]) |
                    (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            fail(path, "truncated header");
        for (int i = 0; i < 4; ++i)
            headerLen |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        offset = 12;
    } else {
        fail(path, "unsupported .npy version " + std::to_string(major));
    }
    if (headerLen > kMaxHeaderBytes)
        fail(path, "header of " + std::to_string(headerLen) + " bytes (the limit is " +
                       std::to_string(kMaxHeaderBytes) + ")");
    if (bytes.size() - offset < headerLen)
        fail(path, "truncated header");
    const NpyHeader header = NpyHeaderParser(bytes.data() + offset, headerLen, path).parse();
    offset += headerLen;

    const DtypeInfo* info = nullptr;
    for (const auto& d : kDtypes)
        if (header.code == d.descr)
            info = &d;
    if (!info)
        throw ModelError(ErrorCode::UnsupportedDtype, path, "dtype '" + header.code + "'");
    if (header.order == '>' && info->size > 1)
        throw ModelError(ErrorCode::UnsupportedDtype, path, "big-endian dtype " + header.code);

    // Element and byte counts, overflow-checked, against the bytes the file really holds:
    // nothing is allocated for a shape the data cannot fill.
    // The non-zero dimensions are bounded even when another is zero: LibTorch computes their
    // product when it makes the (empty) tensor.
    uint64_t count = 1;
    bool empty = false;
    for (const int64_t d : header.shape) {
        if (d == 0) {
            empty = true;
            continue;
        }
        if (count > kMaxElements / static_cast<uint64_t>(d))
            fail(path, "shape too large");
        count *= static_cast<uint64_t>(d);
    }
    if (empty)
        count = 0;
    const uint64_t nbytes = count * info->size;
    if (bytes.size() - offset < nbytes)
        fail(path, "truncated data: the shape needs " + std::to_string(nbytes) +
                       " bytes, the file holds " + std::to_string(bytes.size() - offset));

    std::vector<int64_t> storedShape = header.shape;
    if (header.fortranOrder)
        std::reverse(storedShape.begin(), storedShape.end());
    at::Tensor t = at::empty(storedShape, at::TensorOptions().dtype(info->type));
    if (nbytes)
        std::memcpy(t.data_ptr(), bytes.data() + offset, static_cast<size_t>(nbytes));
    if (header.fortranOrder && header.shape.size() > 1) {
        std::vector<int64_t> perm(header.shape.size());
        for (size_t i = 0; i < perm.size(); ++i)
            perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
        t = t.permute(perm).contiguous();
    }
    return t;
}

at::Tensor readNpy(const std::string& path) {
    return parseNpy(rethrowAsModelError([&] { return io::readFile(path); }), path);
}

std::string serializeNpy(const at::Tensor& tensor) {
    at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
    const DtypeInfo* info = nullptr;
    for (const auto& d : kDtypes)
        if (t.scalar_type() == d.type)
            info = &d;
    if (!info)
        throw ModelError(ErrorCode::UnsupportedDtype, {},
                         std::string("cannot write dtype ") + c10::toString(t.scalar_type()));
    std::string shape = "(";
    for (int64_t i = 0; i < t.dim(); ++i) {
        shape += std::to_string(t.size(i));
        if (t.dim() == 1 || i + 1 < t.dim())
            shape += ",";
        if (i + 1 < t.dim())
            shape += " ";
    }
    shape += ")";
    std::string header = std::string("{'descr': '") + (info->size == 1 ? "|" : "<") + info->descr +
                         "', 'fortran_order': False, 'shape': " + shape + ", }";
    // Pad so that magic + version + length + header + '\n' is a multiple of 64 (NumPy's rule).
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>((header.size() >> 8) & 0xff);
    out += header;
    out.append(static_cast<const char*>(t.data_ptr()), t.numel() * info->size);
    return out;
}

void writeNpy(const std::string& path, const at::Tensor& tensor, io::Durability durability) {
    const std::string bytes = serializeNpy(tensor);
    rethrowAsModelError([&] { io::writeFileAtomically(path, bytes, durability); });
}

} // namespace dermsam
