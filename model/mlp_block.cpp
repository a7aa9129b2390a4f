#include "model/mlp_block.h"

#include "model/fast_gelu.h"
#include "model/flat_linear.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

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
    // bfloat16 on CUDA: the GELU in the first product's epilogue, one pass over the 4096 x 3072
    // hidden layer fewer (0.22 ms of a 5.3 ms encode on an H100). cuBLAS evaluates the tanh form
    // of GELU, which differs from upstream's exact one by at most 4.7e-4 (at -2.7); bfloat16
    // itself rounds activations near 1 in steps of 0.0078. float16 and float32 keep the exact
    // GELU.
    const bool epilogue = m_gelu && x.is_cuda() && x.scalar_type() == at::kBFloat16;
    at::Tensor h = flatLinear(m_lin1, x, epilogue);
    if (!epilogue) {
        if (!m_gelu)
            h = at::relu(h);
        else if (at::GradMode::is_enabled() && h.requires_grad())
            h = at::gelu(h);
        else
            geluInPlace(h); // a fresh product: model/fast_gelu.h on the CPU
    }
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
