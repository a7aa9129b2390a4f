#include "model/serialization/pickle_reader.h"

#include "model/model_error.h"

#include <ATen/ATen.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>

namespace dermsam {

const PickleValue* PickleValue::get(const std::string& key) const {
    if (kind != Kind::Dict)
        return nullptr;
    const auto it = m_stringIndex.find(key);
    return it == m_stringIndex.end() ? nullptr : entries[it->second].second;
}

const PickleValue* PickleValue::get(int64_t key) const {
    if (kind != Kind::Dict)
        return nullptr;
    const auto it = m_intIndex.find(key);
    return it == m_intIndex.end() ? nullptr : entries[it->second].second;
}

bool PickleValue::setItem(PickleValue* key, PickleValue* value) {
    size_t* slot = nullptr;
    bool inserted = false;
    if (key->kind == Kind::String) {
        const auto r = m_stringIndex.emplace(key->text, entries.size());
        slot = &r.first->second;
        inserted = r.second;
    } else if (key->kind == Kind::Int || key->kind == Kind::Bool) {
        // Python: True == 1 and hash(True) == hash(1), so they are the same key.
        const int64_t k = key->kind == Kind::Int ? key->intValue : (key->boolValue ? 1 : 0);
        const auto r = m_intIndex.emplace(k, entries.size());
        slot = &r.first->second;
        inserted = r.second;
    } else {
        return false;
    }
    if (inserted)
        entries.emplace_back(key, value);
    else
        entries[*slot].second = value; // Python keeps the first key object and order
    return true;
}

const char* PickleValue::kindName(Kind kind) {
    switch (kind) {
    case Kind::None:
        return "None";
    case Kind::Bool:
        return "bool";
    case Kind::Int:
        return "int";
    case Kind::Float:
        return "float";
    case Kind::String:
        return "str";
    case Kind::Bytes:
        return "bytes";
    case Kind::Tuple:
        return "tuple";
    case Kind::List:
        return "list";
    case Kind::Dict:
        return "dict";
    case Kind::Tensor:
        return "tensor";
    case Kind::Global:
        return "global";
    case Kind::Storage:
        return "storage";
    }
    return "?";
}

bool storageTypeDtype(const std::string& name, at::ScalarType* dtype) {
    static const std::map<std::string, at::ScalarType> types = {
        {"FloatStorage", at::kFloat},       {"HalfStorage", at::kHalf},
        {"BFloat16Storage", at::kBFloat16}, {"DoubleStorage", at::kDouble},
        {"LongStorage", at::kLong},         {"IntStorage", at::kInt},
        {"ByteStorage", at::kByte},         {"BoolStorage", at::kBool},
    };
    const auto it = types.find(name);
    if (it == types.end())
        return false;
    if (dtype)
        *dtype = it->second;
    return true;
}

namespace {

using Kind = PickleValue::Kind;

// The callables a pickle may name.
enum class Callable {
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    RebuildParameterWithState,
    StorageType,
};

bool allowedGlobal(const std::string& module, const std::string& name, Callable* what) {
    if (module == "collections" && name == "OrderedDict") {
        *what = Callable::OrderedDict;
        return true;
    }
    if (module == "torch._utils") {
        if (name == "_rebuild_tensor_v2") {
            *what = Callable::RebuildTensorV2;
            return true;
        }
        if (name == "_rebuild_parameter") {
            *what = Callable::RebuildParameter;
            return true;
        }
        if (name == "_rebuild_parameter_with_state") {
            *what = Callable::RebuildParameterWithState;
            return true;
        }
    }
    if (module == "torch" && storageTypeDtype(name, nullptr)) {
        *what = Callable::StorageType;
        return true;
    }
    return false;
}

// Opcodes (pickletools names).
enum Op : unsigned char {
    MARK = '(',
    STOP = '.',
    POP = '0',
    POP_MARK = '1',
    DUP = '2',
    FLOAT = 'F',
    INT = 'I',
    BININT = 'J',
    BININT1 = 'K',
    LONG = 'L',
    BININT2 = 'M',
    NONE = 'N',
    PERSID = 'P',
    BINPERSID = 'Q',
    REDUCE = 'R',
    STRING = 'S',
    BINSTRING = 'T',
    SHORT_BINSTRING = 'U',
    UNICODE = 'V',
    BINUNICODE = 'X',
    APPEND = 'a',
    BUILD = 'b',
    GLOBAL = 'c',
    DICT = 'd',
    EMPTY_DICT = '}',
    APPENDS = 'e',
    GET = 'g',
    BINGET = 'h',
    INST = 'i',
    LONG_BINGET = 'j',
    LIST = 'l',
    EMPTY_LIST = ']',
    OBJ = 'o',
    PUT = 'p',
    BINPUT = 'q',
    LONG_BINPUT = 'r',
    SETITEM = 's',
    TUPLE = 't',
    EMPTY_TUPLE = ')',
    SETITEMS = 'u',
    BINFLOAT = 'G',
    PROTO = 0x80,
    NEWOBJ = 0x81,
    EXT1 = 0x82,
    EXT2 = 0x83,
    EXT4 = 0x84,
    TUPLE1 = 0x85,
    TUPLE2 = 0x86,
    TUPLE3 = 0x87,
    NEWTRUE = 0x88,
    NEWFALSE = 0x89,
    LONG1 = 0x8a,
    LONG4 = 0x8b,
    BINBYTES = 'B',
    SHORT_BINBYTES = 'C',
    SHORT_BINUNICODE = 0x8c,
    BINUNICODE8 = 0x8d,
    BINBYTES8 = 0x8e,
    EMPTY_SET = 0x8f,
    ADDITEMS = 0x90,
    FROZENSET = 0x91,
    NEWOBJ_EX = 0x92,
    STACK_GLOBAL = 0x93,
    MEMOIZE = 0x94,
    FRAME = 0x95,
    BYTEARRAY8 = 0x96,
    NEXT_BUFFER = 0x97,
    READONLY_BUFFER = 0x98,
};

} // namespace

class PickleParser {
public:
    PickleParser(const char* data, size_t size, const StorageLoader& loader,
                 const std::string& path, const PickleLimits& limits)
        : m_data(reinterpret_cast<const unsigned char*>(data))
        , m_size(size)
        , m_loader(loader)
        , m_path(path)
        , m_limits(limits) {}

    PickleDocument run();

private:
    struct StorageRecord {
        PickleValue* value;
        at::ScalarType dtype;
        int64_t numel;
    };

    [[noreturn]] void fail(const std::string& why) const {
        throw ModelError(ErrorCode::BadPickle, m_path,
                         why + " (at byte " + std::to_string(m_opStart) + ")");
    }
    [[noreturn]] void forbid(const std::string& name) const {
        throw ModelError(ErrorCode::ForbiddenGlobal, m_path,
                         "forbidden global '" + name +
                             "': only tensors, storages and plain containers may be loaded");
    }

    // Input.
    const unsigned char* take(size_t n) {
        if (m_size - m_pos < n)
            fail("truncated pickle");
        const unsigned char* p = m_data + m_pos;
        m_pos += n;
        return p;
    }
    uint64_t readUInt(size_t n) {
        const unsigned char* p = take(n);
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i)
            v |= static_cast<uint64_t>(p[i]) << (8 * i);
        return v;
    }
    std::string readBytes(uint64_t n) {
        if (n > m_size - m_pos)
            fail("truncated pickle: length " + std::to_string(n) + " runs past the end");
        const char* p = reinterpret_cast<const char*>(take(static_cast<size_t>(n)));
        return std::string(p, static_cast<size_t>(n));
    }
    std::string readLine() {
        const void* nl = std::memchr(m_data + m_pos, '\n', m_size - m_pos);
        if (!nl)
            fail("truncated pickle: unterminated line");
        const size_t len = static_cast<const unsigned char*>(nl) - (m_data + m_pos);
        std::string s(reinterpret_cast<const char*>(m_data + m_pos), len);
        m_pos += len + 1;
        return s;
    }

    // Values.
    PickleValue* make(Kind kind) {
        if (m_doc.m_values.size() >= m_limits.maxValues)
            fail("too many values");
        m_doc.m_values.push_back(std::make_unique<PickleValue>());
        PickleValue* v = m_doc.m_values.back().get();
        v->kind = kind;
        return v;
    }
    PickleValue* makeInt(int64_t i) {
        PickleValue* v = make(Kind::Int);
        v->intValue = i;
        return v;
    }
    PickleValue* makeText(Kind kind, std::string s) {
        PickleValue* v = make(kind);
        v->text = std::move(s);
        return v;
    }
    PickleValue* makeSequence(Kind kind, std::vector<PickleValue*> items) {
        PickleValue* v = make(kind);
        v->items = std::move(items);
        return v;
    }

    // Stack.
    size_t floor() const { return m_marks.empty() ? 0 : m_marks.back(); }
    void push(PickleValue* v) {
        if (m_stack.size() >= m_limits.maxStack)
            fail("pickle stack too deep");
        m_stack.push_back(v);
    }
    PickleValue* pop() {
        if (m_stack.size() <= floor())
            fail("pickle stack underflow");
        PickleValue* v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    PickleValue* top() {
        if (m_stack.size() <= floor())
            fail("pickle stack underflow");
        return m_stack.back();
    }
    std::vector<PickleValue*> popMark() {
        if (m_marks.empty())
            fail("missing MARK");
        const size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<PickleValue*> items(m_stack.begin() + static_cast<std::ptrdiff_t>(mark),
                                        m_stack.end());
        m_stack.resize(mark);
        return items;
    }

    // Memo.
    void memoPut(uint64_t index, PickleValue* v) {
        auto it = m_memo.find(index);
        if (it != m_memo.end()) {
            it->second = v;
            return;
        }
        if (m_memo.size() >= m_limits.maxMemo)
            fail("pickle memo too large");
        m_memo.emplace(index, v);
    }
    PickleValue* memoGet(uint64_t index) {
        const auto it = m_memo.find(index);
        if (it == m_memo.end())
            fail("memo key " + std::to_string(index) + " is not defined");
        return it->second;
    }

    PickleValue* global(const std::string& module, const std::string& name) {
        Callable what;
        if (!allowedGlobal(module, name, &what))
            forbid(module + "." + name);
        PickleValue* v = makeText(Kind::Global, module + "." + name);
        v->intValue = static_cast<int64_t>(what);
        return v;
    }

    void setItem(PickleValue* dict, PickleValue* key, PickleValue* value) {
        if (dict->kind != Kind::Dict)
            fail(std::string("SETITEM on a ") + PickleValue::kindName(dict->kind));
        if (!dict->setItem(key, value))
            fail(std::string("unsupported dict key type ") + PickleValue::kindName(key->kind));
    }

    int64_t parseDecimal(const std::string& text) {
        std::string s = text;
        if (!s.empty() && s.back() == 'L')
            s.pop_back();
        if (s.empty())
            fail("bad integer literal");
        size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
        if (i == s.size())
            fail("bad integer literal");
        for (; i < s.size(); ++i)
            if (s[i] < '0' || s[i] > '9')
                fail("bad integer literal");
        errno = 0;
        const long long v = std::strtoll(s.c_str(), nullptr, 10);
        if (errno == ERANGE)
            fail("integer literal out of range");
        return static_cast<int64_t>(v);
    }

    PickleValue* readLong(uint64_t n) {
        if (n > m_size - m_pos)
            fail("truncated pickle: length " + std::to_string(n) + " runs past the end");
        if (n > 8)
            fail("integer of " + std::to_string(n) + " bytes is too large");
        const unsigned char* p = take(static_cast<size_t>(n));
        uint64_t u = 0;
        for (uint64_t i = 0; i < n; ++i)
            u |= static_cast<uint64_t>(p[i]) << (8 * i);
        if (n > 0 && n < 8 && (p[n - 1] & 0x80))
            u |= ~uint64_t(0) << (8 * n); // sign-extend
        return makeInt(static_cast<int64_t>(u));
    }

    PickleValue* call(PickleValue* callable, const std::vector<PickleValue*>& args);
    PickleValue* rebuildTensor(const std::vector<PickleValue*>& args);
    PickleValue* persistentLoad(PickleValue* pid);
    PickleValue* instantiate(PickleValue* cls, const std::vector<PickleValue*>& args);
    int64_t intArg(const PickleValue* v, const char* what) {
        if (v->kind != Kind::Int)
            fail(std::string(what) + " must be an int, not " + PickleValue::kindName(v->kind));
        return v->intValue;
    }
    std::vector<int64_t> intTuple(const PickleValue* v, const char* what) {
        if (v->kind != Kind::Tuple && v->kind != Kind::List)
            fail(std::string(what) + " must be a tuple of ints");
        if (v->items.size() > m_limits.maxTensorDims)
            fail(std::string(what) + " has too many dimensions");
        std::vector<int64_t> out;
        for (const PickleValue* item : v->items)
            out.push_back(intArg(item, what));
        return out;
    }

    const unsigned char* m_data;
    size_t m_size;
    size_t m_pos = 0;
    size_t m_opStart = 0;
    const StorageLoader& m_loader;
    const std::string& m_path;
    const PickleLimits& m_limits;
    PickleDocument m_doc;
    std::vector<PickleValue*> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, PickleValue*> m_memo;
    std::map<std::string, StorageRecord> m_storages;
};

PickleValue* PickleParser::persistentLoad(PickleValue* pid) {
    if (pid->kind != Kind::Tuple || pid->items.size() != 5 || pid->items[0]->kind != Kind::String ||
        pid->items[0]->text != "storage")
        fail("persistent id is not ('storage', type, key, location, numel)");
    const PickleValue* type = pid->items[1];
    const PickleValue* key = pid->items[2];
    const PickleValue* location = pid->items[3];
    at::ScalarType dtype;
    if (type->kind != Kind::Global || type->text.rfind("torch.", 0) != 0 ||
        !storageTypeDtype(type->text.substr(6), &dtype))
        fail("persistent id does not name a storage type");
    if (key->kind != Kind::String && key->kind != Kind::Int)
        fail("storage key must be a string");
    if (location->kind != Kind::String)
        fail("storage location must be a string");
    const int64_t numel = intArg(pid->items[4], "storage size");
    if (numel < 0)
        fail("negative storage size");
    const std::string k = key->kind == Kind::String ? key->text : std::to_string(key->intValue);

    const auto it = m_storages.find(k);
    if (it != m_storages.end()) {
        if (it->second.dtype != dtype || it->second.numel != numel)
            fail("storage '" + k + "' is named with two different types or sizes");
        return it->second.value;
    }
    at::Tensor storage = m_loader(k, dtype, numel);
    if (!storage.defined() || storage.dim() != 1 || storage.numel() != numel ||
        storage.scalar_type() != dtype)
        fail("storage '" + k + "' could not be loaded");
    PickleValue* v = makeText(Kind::Storage, k);
    v->tensor = storage;
    m_storages.emplace(k, StorageRecord{v, dtype, numel});
    return v;
}

PickleValue* PickleParser::rebuildTensor(const std::vector<PickleValue*>& args) {
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
    //                    metadata=None)
    if (args.size() != 6 && args.size() != 7)
        fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(args.size()));
    if (args[0]->kind != Kind::Storage)
        fail("_rebuild_tensor_v2 needs a storage");
    const at::Tensor& storage = args[0]->tensor;
    const int64_t offset = intArg(args[1], "storage offset");
    const std::vector<int64_t> size = intTuple(args[2], "tensor size");
    const std::vector<int64_t> stride = intTuple(args[3], "tensor stride");
    if (size.size() != stride.size())
        fail("tensor size and stride differ in length");
    if (offset < 0)
        fail("negative storage offset");
    // Highest element index the view touches, overflow-checked.
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 2;
    bool empty = false;
    int64_t last = offset;
    for (size_t i = 0; i < size.size(); ++i) {
        if (size[i] < 0 || stride[i] < 0)
            fail("negative tensor size or stride");
        if (size[i] == 0)
            empty = true;
        if (size[i] > 1 && stride[i] > 0) {
            if (size[i] - 1 > kMax / stride[i])
                fail("tensor extent overflows");
            last += (size[i] - 1) * stride[i];
            if (last > kMax)
                fail("tensor extent overflows");
        }
    }
    if (empty ? offset > storage.numel() : last >= storage.numel())
        fail("tensor lies outside its storage '" + args[0]->text + "'");
    // A tensor never holds more elements than its storage: torch.save writes parameters over
    // their own storages, and an overlapping (stride-0) view would make contiguous() allocate
    // memory the file never held. The non-zero dimensions of an empty tensor are bounded too,
    // as LibTorch multiplies them when it makes it.
    int64_t elements = 1;
    for (const int64_t d : size) {
        if (d == 0)
            continue;
        if (elements > kMax / d)
            fail("tensor size overflows");
        elements *= d;
    }
    if (!empty && elements > storage.numel())
        fail("tensor of " + std::to_string(elements) + " elements is larger than its storage '" +
             args[0]->text + "' of " + std::to_string(storage.numel()));
    at::Tensor t;
    if (empty)
        t = at::empty(size, storage.options());
    else {
        t = storage.as_strided(size, stride, offset);
        if (!t.is_contiguous())
            t = t.contiguous();
    }
    PickleValue* v = make(Kind::Tensor);
    v->tensor = t;
    return v;
}

PickleValue* PickleParser::call(PickleValue* callable, const std::vector<PickleValue*>& args) {
    if (callable->kind != Kind::Global)
        fail(std::string("cannot call a ") + PickleValue::kindName(callable->kind));
    switch (static_cast<Callable>(callable->intValue)) {
    case Callable::OrderedDict: {
        PickleValue* d = make(Kind::Dict);
        if (args.empty())
            return d;
        if (args.size() != 1 || (args[0]->kind != Kind::List && args[0]->kind != Kind::Tuple))
            fail("OrderedDict() takes a list of pairs");
        for (PickleValue* pair : args[0]->items) {
            if ((pair->kind != Kind::Tuple && pair->kind != Kind::List) || pair->items.size() != 2)
                fail("OrderedDict() takes a list of pairs");
            setItem(d, pair->items[0], pair->items[1]);
        }
        return d;
    }
    case Callable::RebuildTensorV2:
        return rebuildTensor(args);
    case Callable::RebuildParameter:
    case Callable::RebuildParameterWithState: {
        const size_t want =
            static_cast<Callable>(callable->intValue) == Callable::RebuildParameter ? 3 : 4;
        if (args.size() != want || args[0]->kind != Kind::Tensor)
            fail(callable->text + " takes a tensor and " + std::to_string(want - 1) +
                 " more arguments");
        return args[0];
    }
    case Callable::StorageType:
        break;
    }
    fail("cannot call " + callable->text);
}

PickleValue* PickleParser::instantiate(PickleValue* cls, const std::vector<PickleValue*>& args) {
    // Only OrderedDict may be instantiated as a class (cls.__new__(cls) / INST / OBJ).
    if (cls->kind != Kind::Global || static_cast<Callable>(cls->intValue) != Callable::OrderedDict)
        fail(std::string("cannot instantiate ") +
             (cls->kind == Kind::Global ? cls->text : PickleValue::kindName(cls->kind)));
    return call(cls, args);
}

PickleDocument PickleParser::run() {
    for (;;) {
        m_opStart = m_pos;
        if (m_pos >= m_size)
            fail("truncated pickle: no STOP opcode");
        const unsigned char op = m_data[m_pos++];
        switch (op) {
        case PROTO: {
            const uint64_t proto = readUInt(1);
            if (proto > 5)
                fail("unsupported pickle protocol " + std::to_string(proto));
            break;
        }
        case FRAME: {
            const uint64_t len = readUInt(8);
            if (len > m_size - m_pos)
                fail("truncated pickle: frame runs past the end");
            break;
        }
        case STOP: {
            PickleValue* root = pop();
            m_doc.m_root = root;
            return std::move(m_doc);
        }
        case MARK:
            if (m_marks.size() >= m_limits.maxMarks)
                fail("MARKs nested too deeply");
            m_marks.push_back(m_stack.size());
            break;
        case POP:
            if (m_stack.size() > floor())
                m_stack.pop_back();
            else
                popMark(); // Python 3: POP on an empty frame discards the mark
            break;
        case POP_MARK:
            popMark();
            break;
        case DUP:
            push(top());
            break;

        // Constants and numbers.
        case NONE:
            push(make(Kind::None));
            break;
        case NEWTRUE:
        case NEWFALSE: {
            PickleValue* v = make(Kind::Bool);
            v->boolValue = op == NEWTRUE;
            push(v);
            break;
        }
        case BININT1:
            push(makeInt(static_cast<int64_t>(readUInt(1))));
            break;
        case BININT2:
            push(makeInt(static_cast<int64_t>(readUInt(2))));
            break;
        case BININT:
            push(makeInt(static_cast<int32_t>(static_cast<uint32_t>(readUInt(4)))));
            break;
        case LONG1:
            push(readLong(readUInt(1)));
            break;
        case LONG4: {
            const uint64_t n = readUInt(4);
            if (n & 0x80000000u)
                fail("negative LONG4 length");
            push(readLong(n));
            break;
        }
        case INT: {
            const std::string line = readLine();
            if (line == "00" || line == "01") {
                PickleValue* v = make(Kind::Bool);
                v->boolValue = line == "01";
                push(v);
            } else {
                push(makeInt(parseDecimal(line)));
            }
            break;
        }
        case LONG:
            push(makeInt(parseDecimal(readLine())));
            break;
        case FLOAT: {
            const std::string line = readLine();
            char* end = nullptr;
            const double d = std::strtod(line.c_str(), &end);
            if (line.empty() || end != line.c_str() + line.size())
                fail("bad float literal");
            PickleValue* v = make(Kind::Float);
            v->floatValue = d;
            push(v);
            break;
        }
        case BINFLOAT: {
            const unsigned char* p = take(8);
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i)
                bits = (bits << 8) | p[i]; // big-endian
            double d;
            std::memcpy(&d, &bits, 8);
            PickleValue* v = make(Kind::Float);
            v->floatValue = d;
            push(v);
            break;
        }

        // Strings and bytes.
        case SHORT_BINUNICODE:
            push(makeText(Kind::String, readBytes(readUInt(1))));
            break;
        case BINUNICODE:
            push(makeText(Kind::String, readBytes(readUInt(4))));
            break;
        case BINUNICODE8:
            push(makeText(Kind::String, readBytes(readUInt(8))));
            break;
        case SHORT_BINSTRING:
            push(makeText(Kind::String, readBytes(readUInt(1))));
            break;
        case BINSTRING: {
            const uint64_t n = readUInt(4);
            if (n & 0x80000000u)
                fail("negative BINSTRING length");
            push(makeText(Kind::String, readBytes(n)));
            break;
        }
        case SHORT_BINBYTES:
            push(makeText(Kind::Bytes, readBytes(readUInt(1))));
            break;
        case BINBYTES:
            push(makeText(Kind::Bytes, readBytes(readUInt(4))));
            break;
        case BINBYTES8:
        case BYTEARRAY8:
            push(makeText(Kind::Bytes, readBytes(readUInt(8))));
            break;
        case STRING:
        case UNICODE:
            fail("protocol-0 text strings are not supported");
        case NEXT_BUFFER:
            fail("out-of-band buffers are not supported");
        case READONLY_BUFFER:
            top();
            break;

        // Containers.
        case EMPTY_TUPLE:
            push(make(Kind::Tuple));
            break;
        case TUPLE1:
        case TUPLE2:
        case TUPLE3: {
            const size_t n = static_cast<size_t>(op - TUPLE1 + 1);
            std::vector<PickleValue*> items(n);
            for (size_t i = n; i-- > 0;)
                items[i] = pop();
            push(makeSequence(Kind::Tuple, std::move(items)));
            break;
        }
        case TUPLE:
            push(makeSequence(Kind::Tuple, popMark()));
            break;
        case EMPTY_LIST:
            push(make(Kind::List));
            break;
        case LIST:
            push(makeSequence(Kind::List, popMark()));
            break;
        case EMPTY_SET:
            push(make(Kind::List));
            break;
        case FROZENSET:
            push(makeSequence(Kind::List, popMark()));
            break;
        case APPEND: {
            PickleValue* v = pop();
            PickleValue* list = top();
            if (list->kind != Kind::List)
                fail(std::string("APPEND to a ") + PickleValue::kindName(list->kind));
            list->items.push_back(v);
            break;
        }
        case APPENDS:
        case ADDITEMS: {
            std::vector<PickleValue*> items = popMark();
            PickleValue* list = top();
            if (list->kind != Kind::List)
                fail(std::string("APPENDS to a ") + PickleValue::kindName(list->kind));
            list->items.insert(list->items.end(), items.begin(), items.end());
            break;
        }
        case EMPTY_DICT:
            push(make(Kind::Dict));
            break;
        case DICT: {
            std::vector<PickleValue*> items = popMark();
            if (items.size() % 2)
                fail("DICT with an odd number of items");
            PickleValue* d = make(Kind::Dict);
            for (size_t i = 0; i < items.size(); i += 2)
                setItem(d, items[i], items[i + 1]);
            push(d);
            break;
        }
        case SETITEM: {
            PickleValue* value = pop();
            PickleValue* key = pop();
            setItem(top(), key, value);
            break;
        }
        case SETITEMS: {
            std::vector<PickleValue*> items = popMark();
            if (items.size() % 2)
                fail("SETITEMS with an odd number of items");
            PickleValue* d = top();
            for (size_t i = 0; i < items.size(); i += 2)
                setItem(d, items[i], items[i + 1]);
            break;
        }

        // Memo.
        case BINPUT:
            memoPut(readUInt(1), top());
            break;
        case LONG_BINPUT:
            memoPut(readUInt(4), top());
            break;
        case PUT:
            memoPut(static_cast<uint64_t>(parseDecimal(readLine())), top());
            break;
        case MEMOIZE:
            memoPut(m_memo.size(), top());
            break;
        case BINGET:
            push(memoGet(readUInt(1)));
            break;
        case LONG_BINGET:
            push(memoGet(readUInt(4)));
            break;
        case GET:
            push(memoGet(static_cast<uint64_t>(parseDecimal(readLine()))));
            break;

        // Globals, calls and objects: only the allow-listed names get this far.
        case GLOBAL: {
            const std::string module = readLine();
            const std::string name = readLine();
            push(global(module, name));
            break;
        }
        case STACK_GLOBAL: {
            PickleValue* name = pop();
            PickleValue* module = pop();
            if (module->kind != Kind::String || name->kind != Kind::String)
                fail("STACK_GLOBAL needs two strings");
            push(global(module->text, name->text));
            break;
        }
        case INST: {
            const std::string module = readLine();
            const std::string name = readLine();
            PickleValue* cls = global(module, name);
            push(instantiate(cls, popMark()));
            break;
        }
        case OBJ: {
            std::vector<PickleValue*> items = popMark();
            if (items.empty())
                fail("OBJ without a class");
            PickleValue* cls = items.front();
            items.erase(items.begin());
            push(instantiate(cls, items));
            break;
        }
        case EXT1:
        case EXT2:
        case EXT4: {
            const uint64_t code = readUInt(op == EXT1 ? 1 : op == EXT2 ? 2 : 4);
            throw ModelError(ErrorCode::ForbiddenGlobal, m_path,
                             "forbidden global: extension code " + std::to_string(code) +
                                 " (copyreg extension registry)");
        }
        case REDUCE: {
            PickleValue* args = pop();
            PickleValue* callable = pop();
            if (args->kind != Kind::Tuple)
                fail("REDUCE arguments are not a tuple");
            push(call(callable, args->items));
            break;
        }
        case NEWOBJ: {
            PickleValue* args = pop();
            PickleValue* cls = pop();
            if (args->kind != Kind::Tuple)
                fail("NEWOBJ arguments are not a tuple");
            push(instantiate(cls, args->items));
            break;
        }
        case NEWOBJ_EX: {
            PickleValue* kwargs = pop();
            PickleValue* args = pop();
            PickleValue* cls = pop();
            if (args->kind != Kind::Tuple || kwargs->kind != Kind::Dict || !kwargs->entries.empty())
                fail("NEWOBJ_EX with keyword arguments is not supported");
            push(instantiate(cls, args->items));
            break;
        }
        case BUILD: {
            PickleValue* state = pop();
            PickleValue* target = top();
            // An OrderedDict subclass's __dict__ (a state dict's _metadata): carried by the
            // pickle, irrelevant to the tensors, so validated and dropped.
            if (target->kind != Kind::Dict)
                fail(std::string("BUILD on a ") + PickleValue::kindName(target->kind));
            if (state->kind != Kind::Dict && state->kind != Kind::None &&
                !(state->kind == Kind::Tuple && state->items.size() == 2))
                fail("BUILD state of an OrderedDict must be a dict");
            break;
        }
        case PERSID:
            fail("text persistent ids are not supported");
        case BINPERSID:
            push(persistentLoad(pop()));
            break;
        default: {
            static const char hex[] = "0123456789abcdef";
            fail(std::string("unknown opcode 0x") + hex[op >> 4] + hex[op & 15]);
        }
        }
    }
}

PickleDocument unpickle(const char* data, size_t size, const StorageLoader& loader,
                        const std::string& pathForErrors, const PickleLimits& limits) {
    PickleParser parser(data, size, loader, pathForErrors, limits);
    return parser.run();
}

} // namespace dermsam
