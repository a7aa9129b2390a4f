#pragma once

#include <ATen/ATen.h>

namespace dermsam {

// Softmax over a short last dimension, for inference on the CPU.
//
// LibTorch 1.13 vectorises its CPU softmax along the reduced dimension, so rows of a few values
// run almost scalar with vector overheads: the decoder's image-to-token attention, 32,768 rows
// of 7 (8 heads x 7 prompt tokens per pixel), took 3.0 ms per call against 0.18 ms for the same
// number of values in rows of 4096, two calls per box decode. Here each row is a plain loop
// (max, exp, sum, scale), the rows split over LibTorch's threads.
//
// Returns an undefined tensor when x does not qualify (not float32 on the CPU, a last
// dimension over kShortSoftmaxMaxRow, or a gradient wanted); the caller then uses at::softmax.
constexpr int64_t kShortSoftmaxMaxRow = 32;
at::Tensor softmaxShortRows(const at::Tensor& x);

} // namespace dermsam
