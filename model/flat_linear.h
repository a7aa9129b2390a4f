#pragma once

#include <ATen/ATen.h>
#include <torch/nn/functional/linear.h>
#include <torch/nn/modules/linear.h>

namespace dermsam {

// x W^T + b over the last dimension as one matrix product with the bias inside it. Except on a
// matrix, torch::nn::Linear multiplies first and then adds the bias in a separate broadcasting
// pass: for the ViT's (B, H, W, C) token grids 48 such passes were 0.9 ms of a 6.2 ms bfloat16
// ViT-B encode on an H100 (LibTorch 2.11). On a matrix it is one addmm, whose bias cuBLAS adds
// in the product's epilogue. Inputs of up to three dimensions (the decoder's token lists) keep
// the module's own arithmetic: the decoder's training tests hold its rounding under autocast
// to upstream's.
// withGelu (a layer with a bias): GELU(x W^T + b) from the product itself. On CUDA cuBLASLt
// applies it in the epilogue, in GELU's tanh form; LibTorch's CPU kernel applies the exact form
// after the product (checked by tst_inference_paths).
inline at::Tensor flatLinear(const torch::nn::Linear& layer, const at::Tensor& x,
                             bool withGelu = false) {
    const at::Tensor& w = layer->weight;
    const at::Tensor& b = layer->bias;
    if (x.dim() <= 3 && !withGelu)
        return torch::nn::functional::linear(x, w, b); // what LinearImpl::forward does
    std::vector<int64_t> sizes = x.sizes().vec();
    sizes.back() = w.size(0);
    const at::Tensor flat = x.reshape({-1, x.size(-1)});
    if (withGelu)
        return at::_addmm_activation(b, flat, w.t(), 1, 1, true).view(sizes);
    return (b.defined() ? at::addmm(b, flat, w.t()) : at::mm(flat, w.t())).view(sizes);
}

} // namespace dermsam
