#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace dermsam {

// Augmentation settings for training from images. Everything runs as batched tensor operations
// on the training device, so a GPU is never starved by a CPU-side loader.
struct AugmentOptions {
    bool enabled = true;
    double minScale = 0.75, maxScale = 1.3; // zoom
    double maxAspect = 1.3;                 // anisotropic stretch
    double maxShift = 0.1;                  // fraction of the frame
    bool rotate = true;                     // any angle: dermoscopy has no canonical orientation
    double brightness = 0.25, contrast = 0.25, saturation = 0.3, channelGain = 0.1, gamma = 0.25;
    double blurProbability = 0.25, lowResProbability = 0.25, noise = 0.02;
};

struct AugmentedBatch {
    at::Tensor images; // (B, 3, S, S) float in 0..255
    at::Tensor masks;  // (B, 1, S, S) float 0/1
};

// images (B, 3, S0, S0) uint8 and masks (B, 1, S0, S0) uint8 -> an augmented batch at S x S.
// With augmentation disabled it only resizes.
AugmentedBatch augmentBatch(const at::Tensor& images, const at::Tensor& masks, int outputSize,
                            const AugmentOptions& options, at::Generator& gen);

} // namespace dermsam
