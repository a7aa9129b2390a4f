#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <vector>

namespace dermsam {

// Mixed precision for training: autocast over float32 weights, as upstream AMP does.
//
// Autocast's policy runs layer norm and softmax in float32, so each of them turns a bfloat16
// activation into a float32 one and the next matrix product casts it back: in a decoder
// training step those casts and the float32 traffic around them were the largest kernels after
// the products themselves. The decoder therefore keeps its activations in the reduced type:
// its inputs are cast once (autocastDtype) and its norms and softmaxes run in the input's type
// (their kernels accumulate in float32 internally), which is what fused attention kernels do.

// The reduced type autocast runs x's matrix products in on x's device, or Float when autocast
// is off there (or x is not floating point).
c10::ScalarType autocastDtype(const at::Tensor& x);

// Layer norm and softmax in x's own type even under autocast, with the weights cast to it.
at::Tensor layerNormInType(const at::Tensor& x, const std::vector<int64_t>& shape,
                           const at::Tensor& weight, const at::Tensor& bias, double eps);
at::Tensor softmaxInType(const at::Tensor& x, int64_t dim);

// Autocast to `dtype` on `device` (CUDA or CPU) for the scope's lifetime; nothing for kFloat.
// Restores the previous state and clears the weight-cast cache on exit, since the optimizer
// changes the weights between steps.
class AutocastScope {
public:
    AutocastScope(const c10::Device& device, c10::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_on = false;
    c10::DeviceType m_type;
    bool m_previousEnabled = false;
    c10::ScalarType m_previousDtype = c10::ScalarType::BFloat16;
};

} // namespace dermsam
