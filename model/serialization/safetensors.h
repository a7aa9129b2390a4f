#pragma once

#include "model/tensor_map.h"

#include <memory>
#include <string>

namespace dermsam {

namespace io {
class MappedFile;
}

struct SafetensorsFile {
    TensorMap tensors;
    MetadataMap metadata; // "__metadata__": string -> string
};

// Reads a .safetensors file (8-byte little-endian header length, JSON header, byte buffer) with
// dtypes F32, F16, BF16, F64, I64, I32, U8 and BOOL. Tensors are contiguous CPU tensors that may
// view the memory-mapped file (copy-on-write). The header is checked strictly: a malformed
// header, an unknown dtype, offsets outside the buffer or overlapping, or a shape that does not
// match the byte count throws ModelError(BadSafetensors) naming the problem.
SafetensorsFile readSafetensors(const std::string& path);
// The same from a file already in memory (io::MappedFile::fromBytes), for fuzzing and tests.
SafetensorsFile readSafetensors(std::shared_ptr<const io::MappedFile> file);

// Writes tensors (contiguous CPU copies) and metadata; the header is padded to 8 bytes and
// tensors are laid out largest element size first, so every tensor is aligned. Atomic.
// Throws ModelError(UnsupportedDtype / FileWriteFailed).
void writeSafetensors(const std::string& path, const TensorMap& tensors,
                      const MetadataMap& metadata = {});

} // namespace dermsam
