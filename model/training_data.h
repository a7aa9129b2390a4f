#pragma once

#include "model/preprocess.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace dermsam {

// Images and masks held in memory for training, in one of two forms:
//  - embeddings (PEFT): (N, 256, g, g) float16 from the frozen encoder + targets (N, 1, 4g, 4g);
//  - images (full training): (N, 3, S, S) uint8 squashed to a square + masks (N, 1, S, S) uint8.
struct TrainingSet {
    std::vector<std::string> ids;
    at::Tensor embeddings;
    at::Tensor images;
    at::Tensor masks; // uint8 0/1
    int64_t size() const { return static_cast<int64_t>(ids.size()); }
    bool hasEmbeddings() const { return embeddings.defined(); }
};

// A mask (H, W) at the original image size -> the (1, 4g, 4g) low-resolution target in the
// decoder's output frame for the given profile (sam: resized and zero-padded like the image).
at::Tensor lowResTarget(const at::Tensor& mask, const ImageGeometry& geometry,
                        PreprocessProfile profile, int lowResSize = 256);

// The tight bounding box (x0, y0, x1, y1) of each mask in a (B, 1, H, W) batch, in pixels of that
// frame, max inclusive as MedSAM's box prompts; empty masks give the whole frame and are flagged in
// `valid`.
at::Tensor maskBoxes(const at::Tensor& masks, at::Tensor* valid = nullptr);

// `count` random float16 embeddings (channels x g x g) on the CPU, each with a centred square
// target mask: the decoder-training workload of benchmarks, where values do not matter.
TrainingSet syntheticEmbeddingSet(int64_t count, int64_t channels, int64_t g);

} // namespace dermsam
