#include "model/cuda_graph.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <exception>
#include <utility>

#ifdef DERMSAM_HAVE_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
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

struct CapturedGraph {
#ifdef DERMSAM_HAVE_CUDA
    at::cuda::CUDAGraph graph;
#endif
    std::vector<TensorSignature> signature;
    std::vector<at::Tensor> inputs;  // static buffers the graph reads
    std::vector<at::Tensor> outputs; // static buffers the graph writes

#ifdef DERMSAM_HAVE_CUDA
    // An empty graph whose static inputs are copies of these.
    static std::unique_ptr<CapturedGraph> withInputsLike(const std::vector<at::Tensor>& in) {
        auto g = std::make_unique<CapturedGraph>();
        g->signature = signatureOf(in);
        for (const at::Tensor& t : in)
            g->inputs.push_back(t.clone());
        return g;
    }
#endif

    // Feeds new values through the static inputs and replays; outputs are copies, since the
    // next replay overwrites the static ones.
    std::vector<at::Tensor> replay(const std::vector<at::Tensor>& in) {
        std::vector<at::Tensor> out;
#ifdef DERMSAM_HAVE_CUDA
        for (size_t i = 0; i < in.size(); ++i)
            inputs[i].copy_(in[i]);
        graph.replay();
        out.reserve(outputs.size());
        for (const at::Tensor& t : outputs)
            out.push_back(t.clone());
#else
        (void)in;
#endif
        return out;
    }

    // Records fn on a side stream (capture needs one other than the legacy default stream),
    // thread-locally: another thread's CUDA work (a fine-tuning run beside the viewer) must
    // neither break this capture nor be refused while it lasts.
    template <typename F> void record(F&& fn) {
#ifdef DERMSAM_HAVE_CUDA
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
        graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
#else
        graph.capture_begin();
#endif
        try {
            outputs = fn(inputs);
        } catch (...) {
            try {
                graph.capture_end();
            } catch (...) {
                // The capture is already invalid; the first error is the one to report.
            }
            throw;
        }
        graph.capture_end();
#else
        (void)fn;
#endif
    }
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
    return m_graph->replay(inputs);
#else
    return eager(inputs);
#endif
}

void GraphedFunction::capture(const std::vector<at::Tensor>& inputs) {
#ifdef DERMSAM_HAVE_CUDA
    auto g = CapturedGraph::withInputsLike(inputs);
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
        g->record(m_fn);
        side.synchronize();
    }
    m_graph = std::move(g);
#else
    (void)inputs;
#endif
}

GraphedStep::GraphedStep(Fn fn, bool enabled, int eagerSteps)
    : m_fn(std::move(fn))
    , m_enabled(enabled && GraphedFunction::supported())
    , m_eagerSteps(std::max(1, eagerSteps)) {}

GraphedStep::~GraphedStep() = default;

bool GraphedStep::captured() const {
    return m_graph != nullptr;
}

std::vector<at::Tensor> GraphedStep::operator()(const std::vector<at::Tensor>& inputs) {
    if (!m_enabled || !allOnOneCudaDevice(inputs))
        return m_fn(inputs);
#ifdef DERMSAM_HAVE_CUDA
    if (m_graph)
        return m_graph->signature == signatureOf(inputs) ? m_graph->replay(inputs) : m_fn(inputs);
    if (m_eagerDone < m_eagerSteps) {
        ++m_eagerDone;
        return warmUp(inputs);
    }
    try {
        capture(inputs);
    } catch (const std::exception& e) {
        // Recording executes nothing: this step still has to run, eagerly from now on.
        m_graph.reset();
        m_enabled = false;
        m_fallbackReason = e.what();
        return m_fn(inputs);
    }
    return m_graph->replay(inputs);
#else
    return m_fn(inputs);
#endif
}

c10::Stream GraphedStep::sideStream(const at::Tensor& onDevice) {
#ifdef DERMSAM_HAVE_CUDA
    if (m_side.device() != onDevice.device())
        m_side = c10::cuda::getStreamFromPool(false, onDevice.device().index()).unwrap();
#else
    (void)onDevice;
#endif
    return m_side;
}

std::vector<at::Tensor> GraphedStep::warmUp(const std::vector<at::Tensor>& inputs) {
#ifdef DERMSAM_HAVE_CUDA
    const c10::DeviceIndex index = inputs.front().device().index();
    const c10::cuda::CUDAGuard deviceGuard(index);
    const c10::cuda::CUDAStream current = c10::cuda::getCurrentCUDAStream(index);
    const c10::cuda::CUDAStream side(sideStream(inputs.front()));
    // Ordered after the work already queued (this step's inputs), and the work queued after
    // it (reading its outputs, freeing its inputs) after it: the side stream is waited for.
    side.synchronize();
    current.synchronize();
    std::vector<at::Tensor> out;
    {
        const c10::cuda::CUDAStreamGuard streamGuard(side);
        out = m_fn(inputs);
        side.synchronize();
    }
    return out;
#else
    return m_fn(inputs);
#endif
}

void GraphedStep::capture(const std::vector<at::Tensor>& inputs) {
#ifdef DERMSAM_HAVE_CUDA
    auto g = CapturedGraph::withInputsLike(inputs);
    const c10::DeviceIndex index = inputs.front().device().index();
    const c10::cuda::CUDAGuard deviceGuard(index);
    c10::cuda::getCurrentCUDAStream(index).synchronize();
    // The warm-up steps' activations are cached, unused, in the ordinary pool while the graph
    // takes its own: hand them back first, as PyTorch's own capture does, so that a step that
    // fits a smaller card eagerly also fits it captured.
    c10::cuda::CUDACachingAllocator::emptyCache();
    const c10::cuda::CUDAStream side(sideStream(inputs.front()));
    {
        const c10::cuda::CUDAStreamGuard streamGuard(side);
        g->record(m_fn);
        side.synchronize();
    }
    m_graph = std::move(g);
#else
    (void)inputs;
#endif
}

} // namespace dermsam
