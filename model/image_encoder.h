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
    // Goes on from the output `activation` of block `done` (what an observer saw): the blocks
    // after it, then the neck. Lets an encode that was stopped between blocks resume later.
    // Undefined tensor from encoders that cannot (they are fast enough to start again).
    virtual at::Tensor forwardFrom(int done, const at::Tensor& activation,
                                   const Observer& observer) {
        (void)done;
        (void)activation;
        (void)observer;
        return {};
    }
    virtual int blockCount() const = 0;
    // Whether block activations are channels-last (B, H, W, C) like SAM's ViT.
    virtual bool channelsLast() const = 0;
};

} // namespace dermsam
