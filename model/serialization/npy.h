#pragma once

#include "io/atomic_file.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace dermsam {

// NumPy .npy (format 1.0-3.0) for float32, float16, float64, uint8, bool, int32 and int64 in C
// order (Fortran order is transposed on read). Throws ModelError(BadNpy / UnsupportedDtype).
at::Tensor readNpy(const std::string& path);
at::Tensor parseNpy(const std::string& bytes, const std::string& pathForErrors = {});

// Writes a contiguous little-endian copy of the tensor; the file is written atomically.
void writeNpy(const std::string& path, const at::Tensor& tensor,
              io::Durability durability = io::Durability::Synced);
std::string serializeNpy(const at::Tensor& tensor);

} // namespace dermsam
