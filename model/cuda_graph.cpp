#include "model/cuda_graph.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <exception>
#include <utility>

#ifdef DERMSAM_HAVE_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/version.h>
#endif

namespace dermsam {

namespace {

// What a captured graph was recorded for: replaying it on anything else would read or write
// buffers of the wrong size.
struct TensorSignature {
    std::vector<int64_t> sizes;
    c10::ScalarType dtype;
    c10::Device device;
    bool operator==(const TensorSignature& o) const {
        return sizes == o.sizes && dtype == o.dtype && device == o.device;
    }
};

#ifdef DERMSAM_HAVE_CUDA
std::vector<TensorSignature> signatureOf(const std::vector<at::Tensor>& inputs) {
    std::vector<TensorSignature> s;
    s.reserve(inputs.size());
    for (const at::Tensor& t : inputs)
        s.push_back({t.sizes().vec(), t.scalar_type(), t.device()});
    return s;
}
#endif

bool allOnOneCudaDevice(const std::vector<at::Tensor>& inputs) {
    if (inputs.empty())
        return false;
    for (const at::Tensor& t : inputs)
        if (!t.defined() || !t.is_cuda() || t.device() != inputs.front().device())
            return false;
    return true;
}

} // namespace

struct GraphedFunction::Graph {
#ifdef DERMSAM_HAVE_CUDA
    at::cuda::CUDAGraph graph;
#endif
    std::vector<TensorSignature> signature;
    std::vector<at::Tensor> inputs;  // static buffers the graph reads
    std::vector<at::Tensor> outputs; // static buffers the graph writes
};

GraphedFunction::GraphedFunction(Fn fn, bool enabled, int warmups)
    : m_fn(std::move(fn))
    , m_enabled(enabled && supported())
    , m_warmups(std::max(1, warmups)) {}

GraphedFunction::~GraphedFunction() = default;

bool GraphedFunction::supported() {
#ifdef DERMSAM_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

bool GraphedFunction::captured() const {
    return m_graph != nullptr;
}

std::vector<at::Tensor> GraphedFunction::eager(const std::vector<at::Tensor>& inputs) const {
    return m_fn(inputs);
}

std::vector<at::Tensor> GraphedFunction::operator()(const std::vector<at::Tensor>& inputs) {
    if (!m_enabled || !allOnOneCudaDevice(inputs))
        return eager(inputs);
#ifdef DERMSAM_HAVE_CUDA
    // Graphs replay fixed kernels: there is no autograd record to keep.
    c10::InferenceMode inference;
    if (!m_graph || !(m_graph->signature == signatureOf(inputs))) {
        m_graph.reset();
        try {
            capture(inputs);
        } catch (const std::exception& e) {
            // Some operations cannot be captured; the eager call is always correct.
            m_graph.reset();
            m_enabled = false;
            m_fallbackReason = e.what();
            return eager(inputs);
        }
    }
    for (size_t i = 0; i < inputs.size(); ++i)
        m_graph->inputs[i].copy_(inputs[i]);
    m_graph->graph.replay();
    std::vector<at::Tensor> out;
    out.reserve(m_graph->outputs.size());
    // The next replay overwrites the static outputs: hand out copies.
    for (const at::Tensor& t : m_graph->outputs)
        out.push_back(t.clone());
    return out;
#else
    return eager(inputs);
#endif
}

void GraphedFunction::capture(const std::vector<at::Tensor>& inputs) {
#ifdef DERMSAM_HAVE_CUDA
    auto g = std::make_unique<Graph>();
    g->signature = signatureOf(inputs);
    for (const at::Tensor& t : inputs)
        g->inputs.push_back(t.clone());
    const c10::DeviceIndex index = inputs.front().device().index();
    const c10::cuda::CUDAGuard deviceGuard(index);
    // Capture needs a stream other than the legacy default one. Synchronising here happens once
    // per capture, never in the replay path.
    c10::cuda::getCurrentCUDAStream(index).synchronize();
    const c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool(false, index);
    {
        const c10::cuda::CUDAStreamGuard streamGuard(side);
        for (int i = 0; i < m_warmups; ++i)
            m_fn(g->inputs);
        side.synchronize();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
        // Thread-local: another thread's CUDA work (a fine-tuning run beside the viewer) must
        // neither break this capture nor be refused while it lasts.
        g->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
#else
        g->graph.capture_begin();
#endif
        try {
            g->outputs = m_fn(g->inputs);
        } catch (...) {
            try {
                g->graph.capture_end();
            } catch (...) {
                // The capture is already invalid; the first error is the one to report.
            }
            throw;
        }
        g->graph.capture_end();
        side.synchronize();
    }
    m_graph = std::move(g);
#else
    (void)inputs;
#endif
}

} // namespace dermsam
