#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dermsam {

// One node of an unpickled value tree. Nodes live in (and are owned by) their PickleDocument and
// refer to each other by pointer, so shared and even cyclic structures cost nothing to free.
class PickleValue {
public:
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        String,  // UTF-8 text
        Bytes,   // binary data
        Tuple,   // items
        List,    // items (sets and frozensets come out as lists too)
        Dict,    // entries, insertion order; keys are String or Int
        Tensor,  // tensor
        Global,  // an allowed callable or storage type, text = "module.name"
        Storage, // a loaded storage, text = its key, tensor = 1-D tensor of its elements
    };

    Kind kind = Kind::None;
    bool boolValue = false;
    int64_t intValue = 0;
    double floatValue = 0.0;
    std::string text;
    std::vector<PickleValue*> items;
    std::vector<std::pair<PickleValue*, PickleValue*>> entries;
    at::Tensor tensor;

    bool is(Kind k) const { return kind == k; }
    // Dict lookup; nullptr when absent or when this is not a dict.
    const PickleValue* get(const std::string& key) const;
    const PickleValue* get(int64_t key) const;
    // Inserts or replaces (Python's d[k] = v). Returns false for unsupported key kinds.
    bool setItem(PickleValue* key, PickleValue* value);

    static const char* kindName(Kind kind);

private:
    std::unordered_map<std::string, size_t> m_stringIndex;
    std::unordered_map<int64_t, size_t> m_intIndex;
};

// The result of unpickling: owns every node.
class PickleDocument {
public:
    const PickleValue& root() const { return *m_root; }
    size_t valueCount() const { return m_values.size(); }

private:
    friend class PickleParser;
    std::vector<std::unique_ptr<PickleValue>> m_values;
    PickleValue* m_root = nullptr;
};

// Bounds against malformed or hostile input. The parser never recurses (nesting lives on the
// explicit stack and MARK list, bounded here), so no pickle can overflow the call stack. A node
// costs about 250 bytes: 2^21 of them (about 500 MB) is some 40 times what a ViT-H training
// checkpoint with its optimizer state needs.
struct PickleLimits {
    size_t maxStack = size_t(1) << 20;  // values on the stack
    size_t maxMarks = size_t(1) << 12;  // nested MARKs
    size_t maxMemo = size_t(1) << 21;   // memo entries
    size_t maxValues = size_t(1) << 21; // nodes in the document
    size_t maxTensorDims = 64;
};

// Returns the storage with the given key as a 1-D CPU tensor of `numel` elements of `dtype`;
// called once per distinct key (tensors that name the same key share the storage).
using StorageLoader =
    std::function<at::Tensor(const std::string& key, at::ScalarType dtype, int64_t numel)>;

// Restricted unpickler for torch.save's data.pkl: pickle protocols 0-5 data opcodes, building
// only None, bools, ints, floats, strings, bytes, tuples, lists, dicts and tensors. The only
// globals allowed are collections.OrderedDict, torch._utils._rebuild_tensor_v2,
// torch._utils._rebuild_parameter, torch._utils._rebuild_parameter_with_state and the storage
// types torch.{Float,Half,BFloat16,Double,Long,Int,Byte,Bool}Storage; any other global (GLOBAL,
// STACK_GLOBAL, INST) and every extension code is refused with ModelError(ForbiddenGlobal) naming
// it, before anything is called. Tensors come out contiguous (views of the storage where its
// layout allows, else copies). Malformed input throws ModelError(BadPickle).
PickleDocument unpickle(const char* data, size_t size, const StorageLoader& loader,
                        const std::string& pathForErrors = {}, const PickleLimits& limits = {});

// The storage types' dtypes ("FloatStorage" -> Float ...); returns false for other names.
bool storageTypeDtype(const std::string& name, at::ScalarType* dtype);

} // namespace dermsam
