#include "model/npy.h"

#include "model/file_util.h"
#include "model/model_error.h"

#include <ATen/ATen.h>

#include <cstring>
#include <regex>

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

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw ModelError(ErrorCode::BadNpy, path, why);
}

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
    if (bytes.size() < offset + headerLen)
        fail(path, "truncated header");
    const std::string header = bytes.substr(offset, headerLen);
    offset += headerLen;

    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([<>|=])([a-z]\\d+)'")))
        fail(path, "header has no descr");
    const std::string order = m[1];
    const std::string code = m[2];
    if (order == ">")
        throw ModelError(ErrorCode::UnsupportedDtype, path, "big-endian dtype " + code);
    const DtypeInfo* info = nullptr;
    for (const auto& d : kDtypes)
        if (code == d.descr)
            info = &d;
    if (!info)
        throw ModelError(ErrorCode::UnsupportedDtype, path, "dtype " + code);

    const bool fortran = std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True"));
    if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
        fail(path, "header has no shape");
    std::vector<int64_t> shape;
    const std::string dims = m[1];
    const std::regex digits("\\d+");
    std::sregex_iterator it(dims.begin(), dims.end(), digits);
    for (; it != std::sregex_iterator(); ++it)
        shape.push_back(std::stoll(it->str()));

    int64_t count = 1;
    for (auto d : shape)
        count *= d;
    const size_t nbytes = static_cast<size_t>(count) * info->size;
    if (bytes.size() < offset + nbytes)
        fail(path, "truncated data: expected " + std::to_string(nbytes) + " bytes");

    std::vector<int64_t> storedShape = shape;
    if (fortran)
        std::reverse(storedShape.begin(), storedShape.end());
    at::Tensor t = at::empty(storedShape, at::TensorOptions().dtype(info->type));
    if (nbytes)
        std::memcpy(t.data_ptr(), bytes.data() + offset, nbytes);
    if (fortran && shape.size() > 1) {
        std::vector<int64_t> perm(shape.size());
        for (size_t i = 0; i < perm.size(); ++i)
            perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
        t = t.permute(perm).contiguous();
    }
    return t;
}

at::Tensor readNpy(const std::string& path) {
    return parseNpy(readWholeFile(path), path);
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

void writeNpy(const std::string& path, const at::Tensor& tensor, Durability durability) {
    writeFileAtomically(path, serializeNpy(tensor), durability);
}

} // namespace dermsam
