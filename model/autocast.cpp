#include "model/autocast.h"

#include "model/short_softmax.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/version.h>

namespace dermsam {
namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool enabledOn(c10::DeviceType t) {
    return at::autocast::is_autocast_enabled(t);
}
c10::ScalarType dtypeOn(c10::DeviceType t) {
    return at::autocast::get_autocast_dtype(t);
}
void setOn(c10::DeviceType t, bool enabled, c10::ScalarType dtype) {
    at::autocast::set_autocast_dtype(t, dtype);
    at::autocast::set_autocast_enabled(t, enabled);
}
#else
bool enabledOn(c10::DeviceType t) {
    return t == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
c10::ScalarType dtypeOn(c10::DeviceType t) {
    return t == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                      : at::autocast::get_autocast_cpu_dtype();
}
void setOn(c10::DeviceType t, bool enabled, c10::ScalarType dtype) {
    if (t == c10::DeviceType::CUDA) {
        at::autocast::set_autocast_gpu_dtype(dtype);
        at::autocast::set_enabled(enabled);
    } else {
        at::autocast::set_autocast_cpu_dtype(dtype);
        at::autocast::set_cpu_enabled(enabled);
    }
}
#endif

bool supported(c10::DeviceType t) {
    return t == c10::DeviceType::CUDA || t == c10::DeviceType::CPU;
}

} // namespace

c10::ScalarType autocastDtype(const at::Tensor& x) {
    const c10::DeviceType t = x.device().type();
    if (!x.is_floating_point() || !supported(t) || !enabledOn(t))
        return c10::ScalarType::Float;
    return dtypeOn(t);
}

at::Tensor layerNormInType(const at::Tensor& x, const std::vector<int64_t>& shape,
                           const at::Tensor& weight, const at::Tensor& bias, double eps) {
    const at::Tensor w = weight.defined() ? weight.to(x.scalar_type()) : weight;
    const at::Tensor b = bias.defined() ? bias.to(x.scalar_type()) : bias;
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
    return at::layer_norm(x, shape, w, b, eps);
}

at::Tensor softmaxInType(const at::Tensor& x, int64_t dim) {
    if (dim == -1 || dim == x.dim() - 1) {
        at::Tensor fast = softmaxShortRows(x);
        if (fast.defined())
            return fast;
    }
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
    return at::softmax(x, dim);
}

AutocastScope::AutocastScope(const c10::Device& device, c10::ScalarType dtype)
    : m_on(dtype != c10::ScalarType::Float && supported(device.type()))
    , m_type(device.type()) {
    if (!m_on)
        return;
    m_previousEnabled = enabledOn(m_type);
    m_previousDtype = dtypeOn(m_type);
    setOn(m_type, true, dtype);
}

AutocastScope::~AutocastScope() {
    if (!m_on)
        return;
    setOn(m_type, m_previousEnabled, m_previousDtype);
    at::autocast::clear_cache();
}

} // namespace dermsam
