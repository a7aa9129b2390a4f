#pragma once

#include "model/tensor_map.h"

#include <string>

namespace dermsam {

// Writes the tensors as torch.save(OrderedDict) in PyTorch's zip format (pickle protocol 2,
// records "archive/data.pkl", "archive/byteorder", "archive/data/<n>", "archive/version"; data
// 64-byte aligned), loadable by torch.load(path, weights_only=True) and by readPthStateDict.
// Each tensor is saved as a contiguous CPU copy with its own storage. The file is written
// atomically. Throws ModelError(UnsupportedDtype / FileWriteFailed).
void writePth(const std::string& path, const TensorMap& tensors);

// The data.pkl bytes writePth stores (storage keys "0", "1", ... in map order).
std::string pthStateDictPickle(const TensorMap& tensors);

} // namespace dermsam
