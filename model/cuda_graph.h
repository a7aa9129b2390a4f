#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dermsam {

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
    struct Graph;
    std::vector<at::Tensor> eager(const std::vector<at::Tensor>& inputs) const;
    void capture(const std::vector<at::Tensor>& inputs);

    Fn m_fn;
    bool m_enabled;
    int m_warmups;
    std::string m_fallbackReason;
    std::unique_ptr<Graph> m_graph;
};

} // namespace dermsam
