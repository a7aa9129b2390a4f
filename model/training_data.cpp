#include "model/training_data.h"

#include <ATen/ATen.h>

namespace dermsam {

at::Tensor lowResTarget(const at::Tensor& mask, const ImageGeometry& g, PreprocessProfile profile,
                        int lowResSize) {
    at::Tensor m = (mask > 0).to(at::kFloat).unsqueeze(0).unsqueeze(0);
    if (profile == PreprocessProfile::Sam || profile == PreprocessProfile::LiteMedSam) {
        // The low-res frame covers the padded square: scale the resized image's extent.
        const int h =
            static_cast<int>(std::lround(double(g.inputHeight) * lowResSize / g.inputSize));
        const int w =
            static_cast<int>(std::lround(double(g.inputWidth) * lowResSize / g.inputSize));
        m = at::upsample_bilinear2d(m, {h, w}, false);
        m = at::constant_pad_nd(m, {0, lowResSize - w, 0, lowResSize - h}, 0);
    } else {
        m = at::upsample_bilinear2d(m, {lowResSize, lowResSize}, false);
    }
    return (m[0] > 0.5).to(at::kByte);
}

at::Tensor maskBoxes(const at::Tensor& masks, at::Tensor* valid) {
    const int64_t h = masks.size(2), w = masks.size(3);
    const at::Tensor m = masks.select(1, 0) > 0;
    const at::Tensor rows = m.any(2); // (B, H)
    const at::Tensor cols = m.any(1); // (B, W)
    const auto opts = at::TensorOptions().dtype(at::kFloat).device(masks.device());
    const at::Tensor ys = at::arange(h, opts), xs = at::arange(w, opts);
    const float big = 1e9f;
    const at::Tensor y0 = at::where(rows, ys, at::full_like(ys, big)).amin(1);
    const at::Tensor y1 = at::where(rows, ys, at::full_like(ys, -big)).amax(1);
    const at::Tensor x0 = at::where(cols, xs, at::full_like(xs, big)).amin(1);
    const at::Tensor x1 = at::where(cols, xs, at::full_like(xs, -big)).amax(1);
    const at::Tensor ok = rows.any(1);
    if (valid)
        *valid = ok;
    at::Tensor boxes = at::stack({x0, y0, x1, y1}, 1);
    // Filled on the device: a tensor from host values would be a synchronising copy on CUDA.
    const at::Tensor whole = at::cat({at::zeros({2}, opts), at::full({1}, double(w - 1), opts),
                                      at::full({1}, double(h - 1), opts)})
                                 .expand_as(boxes);
    return at::where(ok.unsqueeze(1), boxes, whole);
}

TrainingSet syntheticEmbeddingSet(int64_t count, int64_t channels, int64_t g) {
    TrainingSet set;
    for (int64_t i = 0; i < count; ++i)
        set.ids.push_back(std::to_string(i));
    set.embeddings = at::randn({count, channels, g, g}).to(at::kHalf);
    set.masks = at::zeros({count, 1, 4 * g, 4 * g}, at::kByte);
    set.masks.slice(2, g, 3 * g).slice(3, g, 3 * g).fill_(1);
    return set;
}

} // namespace dermsam
