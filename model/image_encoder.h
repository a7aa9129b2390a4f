#pragma once

#include <torch/nn/module.h>

#include <functional>

namespace dermsam {

// Common face of the image encoders (SAM's ViT, the built-in compact CNN): an image in, a
// (B, 256, 64, 64) embedding out, with a hook on each block for Grad-CAM on encoder layers.
class ImageEncoderBase : public torch::nn::Module {
public:
    using Observer = std::function<at::Tensor(int block, const at::Tensor& activation)>;

    virtual at::Tensor forward(const at::Tensor& x) = 0;
    // The observer sees each block's output and may return a replacement tensor.
    virtual at::Tensor forwardObserved(const at::Tensor& x, const Observer& observer) = 0;
    // Asked inside blocks (between their steps) by forwardFrom; true ends the forward pass
    // with ModelError(Cancelled).
    using Interrupt = std::function<bool()>;
    // forwardObserved that can stop inside a block and go on later: from the input, or (with
    // a defined activation) from the output of block `done`, as an observer saw it. Encoders
    // that cannot (fast enough to start again) return an undefined tensor.
    virtual at::Tensor forwardFrom(const at::Tensor& /*input*/, int /*done*/,
                                   const at::Tensor& /*activation*/, const Observer& /*observer*/,
                                   const Interrupt& /*interrupt*/) {
        return {};
    }
    virtual int blockCount() const = 0;
    // Whether block activations are channels-last (B, H, W, C) like SAM's ViT.
    virtual bool channelsLast() const = 0;
};

} // namespace dermsam
