#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Stream.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dermsam {

struct CapturedGraph; // a captured graph with its static input and output buffers

// A function of fixed-shape tensors, replayed from a captured CUDA graph when its inputs live on
// a CUDA device: one launch instead of hundreds of small kernels, which is what bounds a
// millisecond decode on a fast card. Anywhere else (CPU, a build without CUDA, a function that
// cannot be captured) it simply calls the function, so callers need no second code path.
//
// The function must be pure in its tensor arguments: no host synchronisation (.item(),
// nonzero), no host-to-device copies of pageable memory, and no caches keyed to the identity of
// its inputs, because replays feed new values through the same input buffers.
class GraphedFunction {
public:
    using Fn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

    // warmups: eager runs on the capture stream before capture, so lazy initialisation (cuBLAS
    // handles and workspaces, cached buffers) happens outside the graph.
    explicit GraphedFunction(Fn fn, bool enabled = true, int warmups = 2);
    ~GraphedFunction();
    GraphedFunction(const GraphedFunction&) = delete;
    GraphedFunction& operator=(const GraphedFunction&) = delete;

    // Outputs are fresh tensors owned by the caller (copies of the graph's static outputs).
    std::vector<at::Tensor> operator()(const std::vector<at::Tensor>& inputs);

    // True once a graph has been captured for the current input shapes.
    bool captured() const;
    // Why the last capture attempt fell back to eager calls ("" when it did not).
    const std::string& fallbackReason() const { return m_fallbackReason; }
    // Whether this build can capture at all (LibTorch with CUDA).
    static bool supported();

private:
    std::vector<at::Tensor> eager(const std::vector<at::Tensor>& inputs) const;
    void capture(const std::vector<at::Tensor>& inputs);

    Fn m_fn;
    bool m_enabled;
    int m_warmups;
    std::string m_fallbackReason;
    std::unique_ptr<CapturedGraph> m_graph;
};

// One step of a loop with side effects (a training step: forward, backward and optimizer
// update), replayed from a CUDA graph once warm. Unlike GraphedFunction, every call is exactly
// one step: the first `eagerSteps` calls run eagerly on the stream the graph will be captured on
// (their warm-up: cuBLAS workspaces, the autograd engine's device thread and the allocator are
// set up there), the next call is captured and then replayed, and later calls replay. Calls
// whose inputs differ in shape from the captured ones (a last, smaller batch) run eagerly, as
// does everything off CUDA and everything after a failed capture.
//
// The function may change persistent tensors in place (parameters, optimizer moments: their
// addresses must not change between steps) but must not read host values that change from step
// to step (pass them as tensors) nor synchronise with the host.
class GraphedStep {
public:
    using Fn = GraphedFunction::Fn;
    explicit GraphedStep(Fn fn, bool enabled = true, int eagerSteps = 3);
    ~GraphedStep();
    GraphedStep(const GraphedStep&) = delete;
    GraphedStep& operator=(const GraphedStep&) = delete;

    // Outputs are fresh tensors owned by the caller.
    std::vector<at::Tensor> operator()(const std::vector<at::Tensor>& inputs);

    bool captured() const;
    const std::string& fallbackReason() const { return m_fallbackReason; }

private:
    std::vector<at::Tensor> warmUp(const std::vector<at::Tensor>& inputs);
    void capture(const std::vector<at::Tensor>& inputs);
    c10::Stream sideStream(const at::Tensor& onDevice);

    Fn m_fn;
    bool m_enabled;
    int m_eagerSteps;
    int m_eagerDone = 0;
    // The one stream the warm-up steps and the capture run on (cuBLAS keeps a workspace per
    // stream; the capture must find the warm-up's).
    c10::Stream m_side{c10::Stream::DEFAULT, c10::Device(c10::kCPU)};
    std::string m_fallbackReason;
    std::unique_ptr<CapturedGraph> m_graph;
};

} // namespace dermsam
