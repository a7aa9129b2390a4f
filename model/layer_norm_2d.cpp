#include "model/layer_norm_2d.h"

#include <ATen/ATen.h>

namespace dermsam {

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels, double eps)
    : m_eps(eps) {
    m_weight = register_parameter("weight", at::ones({channels}));
    m_bias = register_parameter("bias", at::zeros({channels}));
}

at::Tensor LayerNorm2dImpl::forward(const at::Tensor& x) {
    // Same operation order as upstream (mean, biased variance, divide by sqrt) for parity.
    const at::Tensor u = x.mean(1, true);
    const at::Tensor d = x - u;
    const at::Tensor s = d.pow(2).mean(1, true);
    const at::Tensor n = d / at::sqrt(s + m_eps);
    return m_weight.view({1, -1, 1, 1}) * n + m_bias.view({1, -1, 1, 1});
}

} // namespace dermsam
