#include "model/short_softmax.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

namespace dermsam {

at::Tensor softmaxShortRows(const at::Tensor& x) {
    if (!x.defined() || !x.device().is_cpu() || x.scalar_type() != at::kFloat || x.dim() < 1 ||
        x.is_neg() || x.size(-1) < 1 || x.size(-1) > kShortSoftmaxMaxRow ||
        (at::GradMode::is_enabled() && x.requires_grad()))
        return {};
    // The decoder's scores come from a batched product in column order: one copy to rows is
    // cheap next to the strided alternative.
    const at::Tensor rowsIn = x.contiguous();
    const int64_t width = x.size(-1), rows = x.numel() / width;
    at::Tensor out = at::empty(x.sizes(), x.options());
    const float* in = rowsIn.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    at::parallel_for(0, rows, 2048, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const float* row = in + r * width;
            float* o = dst + r * width;
            float top = row[0];
            for (int64_t j = 1; j < width; ++j)
                top = std::max(top, row[j]);
            float sum = 0;
            for (int64_t j = 0; j < width; ++j) {
                o[j] = std::exp(row[j] - top);
                sum += o[j];
            }
            const float scale = 1.0f / sum;
            for (int64_t j = 0; j < width; ++j)
                o[j] *= scale;
        }
    });
    return out;
}

} // namespace dermsam
