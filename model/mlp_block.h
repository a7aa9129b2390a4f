#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <functional>

namespace dermsam {

// Transformer feed-forward block (lin1 -> activation -> lin2). The encoder uses exact GELU, the
// decoder's two-way transformer ReLU.
class MlpBlockImpl : public torch::nn::Module {
public:
    MlpBlockImpl(int64_t dim, int64_t hidden, bool gelu);
    at::Tensor forward(const at::Tensor& x);
    // betweenLayers runs after the first layer (a background encode checks there whether to
    // give way: each layer is about 0.1 s of a ViT-B encode on two cores).
    at::Tensor forward(const at::Tensor& x, const std::function<void()>& betweenLayers);

private:
    torch::nn::Linear m_lin1{nullptr};
    torch::nn::Linear m_lin2{nullptr};
    bool m_gelu;
};
TORCH_MODULE(MlpBlock);

// The decoder's small MLPs (hypernetworks, IoU head): ReLU between layers, none after the last.
class DecoderMlpImpl : public torch::nn::Module {
public:
    DecoderMlpImpl(int64_t in, int64_t hidden, int64_t out, int layers);
    at::Tensor forward(at::Tensor x);

private:
    std::vector<torch::nn::Linear> m_layers;
};
TORCH_MODULE(DecoderMlp);

} // namespace dermsam
