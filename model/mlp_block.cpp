#include "model/mlp_block.h"

#include "model/flat_linear.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>

namespace dermsam {

MlpBlockImpl::MlpBlockImpl(int64_t dim, int64_t hidden, bool gelu)
    : m_gelu(gelu) {
    m_lin1 = register_module("lin1", torch::nn::Linear(dim, hidden));
    m_lin2 = register_module("lin2", torch::nn::Linear(hidden, dim));
}

at::Tensor MlpBlockImpl::forward(const at::Tensor& x) {
    return forward(x, {});
}

at::Tensor MlpBlockImpl::forward(const at::Tensor& x, const std::function<void()>& betweenLayers) {
    at::Tensor h = flatLinear(m_lin1, x);
    h = m_gelu ? at::gelu(h) : at::relu(h);
    if (betweenLayers)
        betweenLayers();
    return flatLinear(m_lin2, h);
}

DecoderMlpImpl::DecoderMlpImpl(int64_t in, int64_t hidden, int64_t out, int layers) {
    // Upstream keeps the Linear layers in an nn.ModuleList called "layers".
    torch::nn::ModuleList list;
    for (int i = 0; i < layers; ++i) {
        const int64_t a = i == 0 ? in : hidden;
        const int64_t b = i == layers - 1 ? out : hidden;
        m_layers.emplace_back(a, b);
        list->push_back(m_layers.back());
    }
    register_module("layers", list);
}

at::Tensor DecoderMlpImpl::forward(at::Tensor x) {
    for (size_t i = 0; i < m_layers.size(); ++i) {
        x = m_layers[i]->forward(x);
        if (i + 1 < m_layers.size())
            x = at::relu(x);
    }
    return x;
}

} // namespace dermsam
