#pragma once

#include "model/tensor_map.h"

#include <string>
#include <vector>

namespace dermsam {

// Everything needed to build a SAM-shaped network. Read off a checkpoint's tensor shapes, so
// ViT-B/L/H and reduced encoders load with no configuration.
// One stage of a TinyViT encoder (LiteMedSAM). Stage 0 holds MBConv blocks (heads and window 0),
// the others windowed attention blocks; each stage but the last ends in a patch merging to the
// next stage's width.
struct TinyVitStage {
    int dim = 0;    // channels
    int depth = 0;  // blocks
    int hidden = 0; // MBConv expansion width, or the attention blocks' MLP width
    int heads = 0;
    int window = 0;
    int resolution = 0; // token grid side at this stage (not in the shapes: from the input size)

    bool operator==(const TinyVitStage& o) const {
        return dim == o.dim && depth == o.depth && hidden == o.hidden && heads == o.heads &&
               window == o.window && resolution == o.resolution;
    }
};

struct SamArchitecture {
    // "vit" (SAM's ViT), "compact" (the built-in default model) or "tinyvit" (LiteMedSAM)
    std::string encoder = "vit";
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
    // tinyvit only: the stages, the patch embedding's hidden width and the kernel of the local
    // depthwise convolution in each attention block.
    std::vector<TinyVitStage> stages;
    int stemDim = 0;
    int localConvSize = 0;

    static SamArchitecture vitB();
    static SamArchitecture vitL();
    static SamArchitecture vitH();
    static SamArchitecture compact(); // the built-in default model's CNN encoder
    static SamArchitecture
    byName(const std::string& name); // "vit_b", "vit_l", "vit_h", "compact", "litemedsam"
    // Throws ModelError(UnknownArchitecture) when the shapes are not SAM-shaped or imply numbers
    // outside validate()'s bounds, MissingKeys / ShapeMismatch when the encoder's large weights
    // are absent or disagree with them; checked before anything is allocated.
    static SamArchitecture fromStateDict(const TensorMap& tensors);

    static SamArchitecture compactFromStateDict(const TensorMap& tensors);
    static SamArchitecture tinyVitFromStateDict(const TensorMap& tensors);
    static SamArchitecture liteMedSam(); // LiteMedSAM's TinyViT-5M, as CVPR24_LiteMedSAM_infer.py

    // The stride of the patch merging after stage i: halving while the grid is above the
    // embedding grid, then 1 (LiteMedSAM: 256 -> 128 -> 64 -> 64). Upstream picks 1 by the
    // next stage's width (320, 448 or 576), which gives the same strides wherever its
    // (B, 64, 64, C) reshape before the neck works at all.
    static int tinyVitMergeStride(int resolution, int grid) { return resolution > grid ? 2 : 1; }

    // Throws ModelError(UnknownArchitecture) naming the first number that is zero, out of its
    // bounds (embed dim <= 4096, depth <= 128, input <= 4096, ...) or inconsistent (heads not
    // dividing the embed dim, ...): a network is never built from such numbers.
    void validate() const;
    void validateTinyVit() const; // validate()'s part for encoder "tinyvit"

    std::string name() const; // "vit_b", "litemedsam", ... or a description of a custom encoder
    int embeddingSize() const { return imgSize / patchSize; } // 64
    std::string toJson() const;
};

} // namespace dermsam
