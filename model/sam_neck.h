#pragma once

#include "model/layer_norm_2d.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

namespace dermsam {

// SAM's encoder neck, shared by every image encoder that ends in SAM's embedding: a 1x1
// convolution to the output channels, LayerNorm2d, a 3x3 convolution, LayerNorm2d, all without
// bias, registered as `neck.0` .. `neck.3` as the checkpoints name them.
struct SamNeck {
    torch::nn::Conv2d conv0{nullptr};
    LayerNorm2d norm1{nullptr};
    torch::nn::Conv2d conv2{nullptr};
    LayerNorm2d norm3{nullptr};

    // Builds the four layers and registers them under `neck` of owner.
    static SamNeck create(torch::nn::Module& owner, int64_t inChans, int64_t outChans);
    // (B, inChans, H, W) -> (B, outChans, H, W).
    at::Tensor forward(const at::Tensor& x);
};

} // namespace dermsam
