#pragma once

#include "model/tensor_map.h"

#include <string>
#include <vector>

namespace dermsam {

// Everything needed to build a SAM-shaped network. Read off a checkpoint's tensor shapes, so
// ViT-B/L/H and reduced encoders load with no configuration.
struct SamArchitecture {
    std::string encoder = "vit"; // "vit" (SAM's ViT) or "compact" (the built-in default model)
    int imgSize = 1024;
    int patchSize = 16;
    int embedDim = 768;
    int depth = 12;
    int numHeads = 12;
    int windowSize = 14;
    int mlpDim = 3072;
    int outChans = 256;
    std::vector<int> globalAttnIndexes{2, 5, 8, 11};
    bool useRelPos = true;

    static SamArchitecture vitB();
    static SamArchitecture vitL();
    static SamArchitecture vitH();
    static SamArchitecture compact(); // the built-in default model's CNN encoder
    static SamArchitecture byName(const std::string& name); // "vit_b", "vit_l", "vit_h", "compact"
    // Throws ModelError(UnknownArchitecture) when the shapes are not SAM-shaped or imply numbers
    // outside validate()'s bounds, MissingKeys / ShapeMismatch when the encoder's large weights
    // are absent or disagree with them; checked before anything is allocated.
    static SamArchitecture fromStateDict(const TensorMap& tensors);

    static SamArchitecture compactFromStateDict(const TensorMap& tensors);

    // Throws ModelError(UnknownArchitecture) naming the first number that is zero, out of its
    // bounds (embed dim <= 4096, depth <= 128, input <= 4096, ...) or inconsistent (heads not
    // dividing the embed dim, ...): a network is never built from such numbers.
    void validate() const;

    std::string name() const; // "vit_b", ... or a description of a custom encoder
    int embeddingSize() const { return imgSize / patchSize; } // 64
    std::string toJson() const;
};

} // namespace dermsam
