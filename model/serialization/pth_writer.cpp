#include "model/serialization/pth_writer.h"

#include "io/atomic_file.h"
#include "io/zip_archive.h"
#include "model/model_error.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <vector>

namespace dermsam {
namespace {

const char* storageTypeName(at::ScalarType type) {
    switch (type) {
    case at::kFloat:
        return "FloatStorage";
    case at::kHalf:
        return "HalfStorage";
    case at::kBFloat16:
        return "BFloat16Storage";
    case at::kDouble:
        return "DoubleStorage";
    case at::kLong:
        return "LongStorage";
    case at::kInt:
        return "IntStorage";
    case at::kByte:
        return "ByteStorage";
    case at::kBool:
        return "BoolStorage";
    default:
        return nullptr;
    }
}

// Emits pickle protocol 2 the way Python's pickler does for these few types, memoising the
// globals and repeated strings with BINPUT/BINGET.
class PickleWriter {
public:
    std::string& bytes() { return m_out; }

    void op(unsigned char c) { m_out += static_cast<char>(c); }
    void u32(uint32_t v) {
        for (int i = 0; i < 4; ++i)
            m_out += static_cast<char>((v >> (8 * i)) & 0xff);
    }
    void integer(int64_t v) {
        if (v >= 0 && v < 0x100) {
            op('K');
            op(static_cast<unsigned char>(v));
        } else if (v >= 0 && v < 0x10000) {
            op('M');
            op(static_cast<unsigned char>(v & 0xff));
            op(static_cast<unsigned char>(v >> 8));
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            u32(static_cast<uint32_t>(static_cast<int32_t>(v)));
        } else {
            // LONG1: minimal little-endian two's complement.
            std::string b;
            uint64_t u = static_cast<uint64_t>(v);
            for (int i = 0; i < 8; ++i)
                b += static_cast<char>((u >> (8 * i)) & 0xff);
            while (b.size() > 1) {
                const auto last = static_cast<unsigned char>(b[b.size() - 1]);
                const auto prev = static_cast<unsigned char>(b[b.size() - 2]);
                if ((last == 0 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80)))
                    b.pop_back();
                else
                    break;
            }
            op(0x8a);
            op(static_cast<unsigned char>(b.size()));
            m_out += b;
        }
    }
    // A string, memoised: the second occurrence is a BINGET.
    void string(const std::string& s, bool memoise) {
        if (memoise && fromMemo(s))
            return;
        op('X');
        u32(static_cast<uint32_t>(s.size()));
        m_out += s;
        if (memoise)
            put(s);
    }
    void global(const std::string& module, const std::string& name) {
        const std::string key = "\x01global " + module + "." + name;
        if (fromMemo(key))
            return;
        op('c');
        m_out += module + "\n" + name + "\n";
        put(key);
    }
    void tuple(const std::vector<int64_t>& values) {
        if (values.empty()) {
            op(')');
            return;
        }
        if (values.size() <= 3) {
            for (int64_t v : values)
                integer(v);
            op(static_cast<unsigned char>(0x85 + values.size() - 1));
            return;
        }
        op('(');
        for (int64_t v : values)
            integer(v);
        op('t');
    }

private:
    bool fromMemo(const std::string& key) {
        const auto it = m_memo.find(key);
        if (it == m_memo.end())
            return false;
        if (it->second < 0x100) {
            op('h');
            op(static_cast<unsigned char>(it->second));
        } else {
            op('j');
            u32(it->second);
        }
        return true;
    }
    void put(const std::string& key) {
        const uint32_t index = static_cast<uint32_t>(m_memo.size());
        m_memo.emplace(key, index);
        if (index < 0x100) {
            op('q');
            op(static_cast<unsigned char>(index));
        } else {
            op('r');
            u32(index);
        }
    }

    std::string m_out;
    std::map<std::string, uint32_t> m_memo;
};

std::vector<at::Tensor> contiguousCpu(const TensorMap& tensors) {
    std::vector<at::Tensor> out;
    out.reserve(tensors.size());
    for (const auto& kv : tensors) {
        if (!kv.second.defined())
            throw ModelError(ErrorCode::BadArgument, {}, "tensor '" + kv.first + "' is undefined");
        if (!storageTypeName(kv.second.scalar_type()))
            throw ModelError(ErrorCode::UnsupportedDtype, {},
                             std::string("cannot save dtype ") +
                                 c10::toString(kv.second.scalar_type()) + " of '" + kv.first + "'");
        out.push_back(kv.second.detach().to(at::kCPU).contiguous());
    }
    return out;
}

std::string pickleFor(const TensorMap& tensors, const std::vector<at::Tensor>& cpu) {
    PickleWriter w;
    w.op(0x80); // PROTO 2
    w.op(2);
    w.global("collections", "OrderedDict");
    w.op(')');
    w.op('R');
    size_t i = 0;
    for (const auto& kv : tensors) {
        const at::Tensor& t = cpu[i];
        if (i % 1000 == 0)
            w.op('('); // SETITEMS in batches of 1000, as Python does
        w.string(kv.first, false);
        w.global("torch._utils", "_rebuild_tensor_v2");
        w.op('(');
        // Persistent id ('storage', torch.<Type>Storage, key, location, numel).
        w.op('(');
        w.string("storage", true);
        w.global("torch", storageTypeName(t.scalar_type()));
        w.string(std::to_string(i), false);
        w.string("cpu", true);
        w.integer(t.numel());
        w.op('t');
        w.op('Q'); // BINPERSID
        w.integer(0);
        w.tuple(t.sizes().vec());
        w.tuple(t.strides().vec());
        w.op(0x89);                             // requires_grad False
        w.global("collections", "OrderedDict"); // backward_hooks = OrderedDict()
        w.op(')');
        w.op('R');
        w.op('t');
        w.op('R');
        ++i;
        if (i % 1000 == 0 || i == tensors.size())
            w.op('u');
    }
    w.op('.');
    return std::move(w.bytes());
}

} // namespace

std::string pthStateDictPickle(const TensorMap& tensors) {
    return pickleFor(tensors, contiguousCpu(tensors));
}

void writePth(const std::string& path, const TensorMap& tensors) {
    std::vector<at::Tensor> cpu;
    try {
        cpu = contiguousCpu(tensors);
    } catch (const ModelError& e) {
        throw ModelError(e.code(), path, e.detail());
    }
    const std::string pickle = pickleFor(tensors, cpu);

    rethrowAsModelError([&] {
        io::AtomicFileWriter file(path);
        io::ZipWriter zip(file.stream(), path);
        zip.addEntry("archive/data.pkl", pickle);
        zip.addEntry("archive/byteorder", std::string("little"));
        for (size_t i = 0; i < cpu.size(); ++i)
            zip.addEntry("archive/data/" + std::to_string(i), cpu[i].data_ptr(),
                         static_cast<uint64_t>(cpu[i].nbytes()));
        zip.addEntry("archive/version", std::string("3\n"));
        zip.finish();
        file.commit();
    });
}

} // namespace dermsam
