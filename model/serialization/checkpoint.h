#pragma once

#include "io/sha256.h"
#include "model/tensor_map.h"

#include <string>

namespace dermsam {

struct Checkpoint {
    TensorMap tensors;
    MetadataMap metadata; // safetensors "__metadata__"; empty for .pth
    std::string format;   // "pth" | "safetensors"
};

// Reads a checkpoint, choosing the reader by the file's first bytes (a zip local header "PK\3\4"
// means a PyTorch .pth, anything else is read as .safetensors), never by its extension. A legacy
// (pre-1.6, non-zip) torch.save file is refused with UnsupportedFormat saying so.
// Errors are those of readPthStateDict and readSafetensors.
Checkpoint readCheckpoint(const std::string& path);

// io::fileSha256(path), the model file hash, is declared in io/sha256.h.

} // namespace dermsam
