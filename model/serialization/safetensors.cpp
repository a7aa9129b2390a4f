#include "model/serialization/safetensors.h"

#include "io/atomic_file.h"
#include "io/json_writer.h"
#include "io/mapped_file.h"
#include "model/model_error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <vector>

namespace dermsam {
namespace {

constexpr uint64_t kMaxHeader = 100'000'000; // the format's own limit
constexpr int kMaxDepth = 16;
// A parsed value costs about 100 bytes: a 100 MB header of "[0,0,0,..." would otherwise build
// 5 GB of them. 2^21 values serve some 200,000 tensors; SAM ViT-H has about 600.
constexpr size_t kMaxJsonValues = size_t(1) << 21;
// NumPy 1.x's limit; SAM's tensors have at most 4.
constexpr size_t kMaxSafetensorsDims = 32;

struct SafetensorsDtype {
    const char* name;
    at::ScalarType type;
};

const SafetensorsDtype kSafetensorsDtypes[] = {
    {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"F64", at::kDouble},
    {"I64", at::kLong},  {"I32", at::kInt},  {"U8", at::kByte},       {"BOOL", at::kBool},
};

// A parsed JSON value (the header is small and bounded).
struct Json {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    bool integral = false; // a number without fraction or exponent that fits int64
    int64_t integer = 0;
    double number = 0.0;
    std::string string;
    std::vector<Json> array;
    std::vector<std::pair<std::string, Json>> object;
};

// Strict RFC 8259 parser with a depth bound; errors name the byte offset.
class JsonParser {
public:
    JsonParser(const char* p, size_t n, const std::string& path)
        : m_begin(p)
        , m_p(p)
        , m_end(p + n)
        , m_path(path) {}

    Json parseDocument() {
        Json v = value(0);
        skipSpace();
        if (m_p != m_end)
            fail("unexpected data after the JSON header");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw ModelError(ErrorCode::BadSafetensors, m_path,
                         "header: " + why + " (at byte " + std::to_string(m_p - m_begin) + ")");
    }
    void skipSpace() {
        while (m_p != m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
            ++m_p;
    }
    bool literal(const char* word) {
        const size_t n = std::strlen(word);
        if (static_cast<size_t>(m_end - m_p) < n || std::memcmp(m_p, word, n) != 0)
            return false;
        m_p += n;
        return true;
    }

    Json value(int depth) {
        if (depth > kMaxDepth)
            fail("nested too deeply");
        if (++m_values > kMaxJsonValues)
            fail("more than " + std::to_string(kMaxJsonValues) + " values");
        skipSpace();
        if (m_p == m_end)
            fail("unexpected end");
        Json v;
        const char c = *m_p;
        if (c == '{') {
            v.type = Json::Type::Object;
            ++m_p;
            skipSpace();
            if (m_p != m_end && *m_p == '}') {
                ++m_p;
                return v;
            }
            std::set<std::string> keys;
            for (;;) {
                skipSpace();
                if (m_p == m_end || *m_p != '"')
                    fail("expected a string key");
                std::string key = string();
                if (!keys.insert(key).second)
                    fail("duplicate key '" + key + "'");
                skipSpace();
                if (m_p == m_end || *m_p != ':')
                    fail("expected ':'");
                ++m_p;
                v.object.emplace_back(std::move(key), value(depth + 1));
                skipSpace();
                if (m_p != m_end && *m_p == ',') {
                    ++m_p;
                    continue;
                }
                if (m_p != m_end && *m_p == '}') {
                    ++m_p;
                    return v;
                }
                fail("expected ',' or '}'");
            }
        }
        if (c == '[') {
            v.type = Json::Type::Array;
            ++m_p;
            skipSpace();
            if (m_p != m_end && *m_p == ']') {
                ++m_p;
                return v;
            }
            for (;;) {
                v.array.push_back(value(depth + 1));
                skipSpace();
                if (m_p != m_end && *m_p == ',') {
                    ++m_p;
                    continue;
                }
                if (m_p != m_end && *m_p == ']') {
                    ++m_p;
                    return v;
                }
                fail("expected ',' or ']'");
            }
        }
        if (c == '"') {
            v.type = Json::Type::String;
            v.string = string();
            return v;
        }
        if (literal("true")) {
            v.type = Json::Type::Bool;
            v.boolean = true;
            return v;
        }
        if (literal("false")) {
            v.type = Json::Type::Bool;
            return v;
        }
        if (literal("null"))
            return v;
        if (c == '-' || (c >= '0' && c <= '9'))
            return number();
        fail(std::string("unexpected character '") + c + "'");
    }

    Json number() {
        const char* start = m_p;
        auto digits = [&] {
            const char* s = m_p;
            while (m_p != m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
            return m_p - s;
        };
        if (*m_p == '-')
            ++m_p;
        if (m_p != m_end && *m_p == '0')
            ++m_p;
        else if (digits() == 0)
            fail("bad number");
        bool integral = true;
        if (m_p != m_end && *m_p == '.') {
            ++m_p;
            integral = false;
            if (digits() == 0)
                fail("bad number");
        }
        if (m_p != m_end && (*m_p == 'e' || *m_p == 'E')) {
            ++m_p;
            integral = false;
            if (m_p != m_end && (*m_p == '+' || *m_p == '-'))
                ++m_p;
            if (digits() == 0)
                fail("bad number");
        }
        const std::string text(start, m_p);
        Json v;
        v.type = Json::Type::Number;
        v.number = std::strtod(text.c_str(), nullptr);
        if (integral) {
            errno = 0;
            const long long i = std::strtoll(text.c_str(), nullptr, 10);
            if (errno != ERANGE) {
                v.integral = true;
                v.integer = static_cast<int64_t>(i);
            }
        }
        return v;
    }

    unsigned hex4() {
        if (m_end - m_p < 4)
            fail("bad \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = *m_p++;
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<unsigned>(c - 'A' + 10);
            else
                fail("bad \\u escape");
        }
        return v;
    }

    static void appendUtf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::string string() {
        ++m_p; // opening quote
        std::string out;
        for (;;) {
            if (m_p == m_end)
                fail("unterminated string");
            const char c = *m_p++;
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_p == m_end)
                fail("unterminated string");
            const char e = *m_p++;
            switch (e) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xd800 && cp < 0xdc00) {
                    if (m_end - m_p < 2 || m_p[0] != '\\' || m_p[1] != 'u')
                        fail("unpaired surrogate");
                    m_p += 2;
                    const unsigned lo = hex4();
                    if (lo < 0xdc00 || lo >= 0xe000)
                        fail("unpaired surrogate");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp < 0xe000) {
                    fail("unpaired surrogate");
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                fail(std::string("bad escape '\\") + e + "'");
            }
        }
    }

    const char* m_begin;
    const char* m_p;
    const char* m_end;
    const std::string& m_path;
    size_t m_values = 0;
};

const char* dtypeName(at::ScalarType type) {
    for (const SafetensorsDtype& d : kSafetensorsDtypes)
        if (d.type == type)
            return d.name;
    return nullptr;
}

struct Slot {
    std::string name;
    at::ScalarType dtype;
    std::vector<int64_t> shape;
    uint64_t begin;
    uint64_t end;
};

} // namespace

SafetensorsFile readSafetensors(const std::string& path) {
    return readSafetensors(rethrowAsModelError([&] { return io::MappedFile::open(path); }));
}

SafetensorsFile readSafetensors(std::shared_ptr<const io::MappedFile> file) {
    const std::string& path = file->path();
    auto fail = [&](const std::string& why) {
        throw ModelError(ErrorCode::BadSafetensors, path, why);
    };
    const char* d = file->data();
    const uint64_t n = file->size();
    if (n < 8)
        fail("file is shorter than the 8-byte header length");
    uint64_t headerLen = 0;
    for (int i = 0; i < 8; ++i)
        headerLen |= static_cast<uint64_t>(static_cast<unsigned char>(d[i])) << (8 * i);
    if (headerLen > kMaxHeader)
        fail("bad header length " + std::to_string(headerLen) + " (over the 100 MB limit)");
    if (headerLen > n - 8)
        fail("bad header length " + std::to_string(headerLen) + ": the file has only " +
             std::to_string(n - 8) + " bytes after it");
    if (headerLen < 2 || d[8] != '{')
        fail("the header is not a JSON object");
    const Json header = JsonParser(d + 8, static_cast<size_t>(headerLen), path).parseDocument();
    if (header.type != Json::Type::Object)
        fail("the header is not a JSON object");

    const uint64_t bufferStart = 8 + headerLen;
    const uint64_t bufferSize = n - bufferStart;
    SafetensorsFile out;
    std::vector<Slot> slots;
    for (const auto& kv : header.object) {
        const std::string& name = kv.first;
        const Json& info = kv.second;
        if (name == "__metadata__") {
            if (info.type != Json::Type::Object)
                fail("__metadata__ is not an object");
            for (const auto& m : info.object) {
                if (m.second.type != Json::Type::String)
                    fail("__metadata__ value '" + m.first + "' is not a string");
                out.metadata[m.first] = m.second.string;
            }
            continue;
        }
        if (info.type != Json::Type::Object)
            fail("entry '" + name + "' is not an object");
        const Json* dtype = nullptr;
        const Json* shape = nullptr;
        const Json* offsets = nullptr;
        for (const auto& f : info.object) {
            if (f.first == "dtype")
                dtype = &f.second;
            else if (f.first == "shape")
                shape = &f.second;
            else if (f.first == "data_offsets")
                offsets = &f.second;
        }
        if (!dtype || dtype->type != Json::Type::String)
            fail("tensor '" + name + "' has no dtype");
        if (!shape || shape->type != Json::Type::Array)
            fail("tensor '" + name + "' has no shape");
        if (!offsets || offsets->type != Json::Type::Array || offsets->array.size() != 2)
            fail("tensor '" + name + "' has no data_offsets pair");
        Slot s;
        s.name = name;
        const SafetensorsDtype* dt = nullptr;
        for (const SafetensorsDtype& cand : kSafetensorsDtypes)
            if (dtype->string == cand.name)
                dt = &cand;
        if (!dt)
            fail("tensor '" + name + "' has unknown dtype '" + dtype->string + "'");
        s.dtype = dt->type;
        if (shape->array.size() > kMaxSafetensorsDims)
            fail("tensor '" + name + "' has more than " + std::to_string(kMaxSafetensorsDims) +
                 " dimensions");
        // The product of the non-zero dimensions is bounded even for an empty tensor: LibTorch
        // multiplies them when it makes it.
        uint64_t numel = 1;
        bool empty = false;
        for (const Json& dim : shape->array) {
            if (dim.type != Json::Type::Number || !dim.integral || dim.integer < 0)
                fail("tensor '" + name + "' has a bad shape");
            const auto u = static_cast<uint64_t>(dim.integer);
            s.shape.push_back(dim.integer);
            if (u == 0) {
                empty = true;
                continue;
            }
            if (numel > std::numeric_limits<uint64_t>::max() / 8 / u)
                fail("tensor '" + name + "' has a shape too large");
            numel *= u;
        }
        if (empty)
            numel = 0;
        for (const Json& o : offsets->array)
            if (o.type != Json::Type::Number || !o.integral || o.integer < 0)
                fail("tensor '" + name + "' has bad data_offsets");
        s.begin = static_cast<uint64_t>(offsets->array[0].integer);
        s.end = static_cast<uint64_t>(offsets->array[1].integer);
        if (s.begin > s.end || s.end > bufferSize)
            fail("tensor '" + name + "' has data_offsets [" + std::to_string(s.begin) + ", " +
                 std::to_string(s.end) + "] out of range (buffer of " + std::to_string(bufferSize) +
                 " bytes)");
        const uint64_t nbytes = numel * c10::elementSize(s.dtype);
        if (nbytes != s.end - s.begin)
            fail("tensor '" + name + "' shape/size mismatch: its shape needs " +
                 std::to_string(nbytes) + " bytes, data_offsets give " +
                 std::to_string(s.end - s.begin));
        slots.push_back(std::move(s));
    }

    std::vector<const Slot*> order;
    for (const Slot& s : slots)
        order.push_back(&s);
    std::sort(order.begin(), order.end(), [](const Slot* a, const Slot* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < order.size(); ++i)
        if (order[i]->begin < order[i - 1]->end)
            fail("tensors '" + order[i - 1]->name + "' and '" + order[i]->name +
                 "' have overlapping data_offsets");

    for (const Slot& s : slots) {
        const at::TensorOptions options = at::TensorOptions().dtype(s.dtype);
        const uint64_t nbytes = s.end - s.begin;
        const uint64_t offset = bufferStart + s.begin;
        const char* src = d + offset;
        at::Tensor t;
        if (nbytes == 0) {
            t = at::empty(s.shape, options);
        } else if (s.dtype == at::kBool) {
            at::Tensor bytes = at::empty(s.shape, at::TensorOptions().dtype(at::kByte));
            std::memcpy(bytes.data_ptr(), src, static_cast<size_t>(nbytes));
            t = bytes.ne(0);
        } else if (reinterpret_cast<uintptr_t>(src) % c10::elementSize(s.dtype) == 0) {
            std::shared_ptr<const io::MappedFile> keep = file;
            t = at::from_blob(
                keep->writableAt(static_cast<size_t>(offset)), s.shape,
                [keep](void*) mutable { keep.reset(); }, options);
        } else {
            t = at::empty(s.shape, options);
            std::memcpy(t.data_ptr(), src, static_cast<size_t>(nbytes));
        }
        out.tensors[s.name] = t;
    }
    return out;
}

void writeSafetensors(const std::string& path, const TensorMap& tensors,
                      const MetadataMap& metadata) {
    struct Item {
        const std::string* name;
        at::Tensor tensor;
    };
    std::vector<Item> items;
    for (const auto& kv : tensors) {
        if (!kv.second.defined())
            throw ModelError(ErrorCode::BadArgument, path,
                             "tensor '" + kv.first + "' is undefined");
        if (!dtypeName(kv.second.scalar_type()))
            throw ModelError(ErrorCode::UnsupportedDtype, path,
                             std::string("cannot save dtype ") +
                                 c10::toString(kv.second.scalar_type()) + " of '" + kv.first + "'");
        if (kv.first == "__metadata__")
            throw ModelError(ErrorCode::BadArgument, path, "'__metadata__' is a reserved name");
        items.push_back({&kv.first, kv.second.detach().to(at::kCPU).contiguous()});
    }
    // Largest elements first keeps every tensor aligned to its element size.
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return a.tensor.element_size() > b.tensor.element_size();
    });

    io::JsonWriter json;
    json.beginObject();
    if (!metadata.empty()) {
        json.key("__metadata__").beginObject();
        for (const auto& kv : metadata)
            json.field(kv.first, kv.second);
        json.endObject();
    }
    uint64_t offset = 0;
    for (const Item& item : items) {
        json.key(*item.name).beginObject();
        json.field("dtype", dtypeName(item.tensor.scalar_type()));
        json.key("shape").beginArray();
        for (int64_t i = 0; i < item.tensor.dim(); ++i)
            json.value(item.tensor.size(i));
        json.endArray();
        const uint64_t nbytes = item.tensor.nbytes();
        json.key("data_offsets").beginArray().value(offset).value(offset + nbytes).endArray();
        json.endObject();
        offset += nbytes;
    }
    json.endObject();
    std::string header = json.str();
    header.append((8 - header.size() % 8) % 8, ' ');

    rethrowAsModelError([&] {
        io::AtomicFileWriter file(path);
        char len[8];
        for (int i = 0; i < 8; ++i)
            len[i] = static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
        file.write(len, 8);
        file.write(header.data(), header.size());
        for (const Item& item : items)
            file.write(item.tensor.data_ptr(), item.tensor.nbytes());
        file.commit();
    });
}

} // namespace dermsam
