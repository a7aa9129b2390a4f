#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace dermsam {

// SAM's LayerNorm2d: normalises over channels of an NCHW tensor (eps 1e-6 everywhere upstream).
class LayerNorm2dImpl : public torch::nn::Module {
public:
    explicit LayerNorm2dImpl(int64_t channels, double eps = 1e-6);
    at::Tensor forward(const at::Tensor& x);
    // For channels-last callers that normalise rows with at::layer_norm (same formula).
    const at::Tensor& weight() const { return m_weight; }
    const at::Tensor& bias() const { return m_bias; }
    double eps() const { return m_eps; }

private:
    at::Tensor m_weight;
    at::Tensor m_bias;
    double m_eps;
};
TORCH_MODULE(LayerNorm2d);

} // namespace dermsam
