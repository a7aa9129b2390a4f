#include "model/mask_decoder.h"

#include "model/autocast.h"
#include "model/fast_gelu.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace dermsam {
namespace {

// Image (B, C, H, W) -> token sequence (B, H*W, C), contiguous, in `type` (kFloat: x's own).
at::Tensor toSequence(const at::Tensor& x, c10::ScalarType type = c10::ScalarType::Float) {
    const at::Tensor seq = x.flatten(2).transpose(1, 2);
    if (type == c10::ScalarType::Float || type == x.scalar_type())
        return seq.contiguous();
    return seq.to(type, false, false, at::MemoryFormat::Contiguous); // one pass for both
}

// A 2x2 stride-2 transposed convolution touches each output pixel once, so on channels-last
// rows it is one matrix product: (P, C) -> (P * 4, O), the rows
// ordered (pixel, di, dj) so that no layout change is needed between the two upscaling steps.
at::Tensor upsampleRows(const at::Tensor& rows, const torch::nn::ConvTranspose2d& conv) {
    const at::Tensor& w = conv->weight; // (C, O, 2, 2)
    const int64_t c = w.size(0), o = w.size(1);
    const at::Tensor wr = w.permute({0, 2, 3, 1}).reshape({c, 4 * o}); // columns (di, dj, o)
    const at::Tensor bias = conv->bias.repeat({4});
    return at::addmm(bias, rows, wr).view({rows.size(0) * 4, o});
}

} // namespace

MaskDecoderImpl::MaskDecoderImpl(int64_t dim) {
    m_transformer = register_module("transformer", TwoWayTransformer(2, dim, 8, 2048));
    m_iouToken = register_module("iou_token", torch::nn::Embedding(1, dim));
    m_maskTokens = register_module("mask_tokens", torch::nn::Embedding(m_numMaskTokens, dim));

    auto up = std::make_shared<torch::nn::Module>();
    m_up0 =
        torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(dim, dim / 4, 2).stride(2));
    m_up1 = LayerNorm2d(dim / 4);
    m_up3 = torch::nn::ConvTranspose2d(
        torch::nn::ConvTranspose2dOptions(dim / 4, dim / 8, 2).stride(2));
    up->register_module("0", m_up0);
    up->register_module("1", m_up1);
    up->register_module("3", m_up3);
    register_module("output_upscaling", up);

    torch::nn::ModuleList hyper;
    for (int64_t i = 0; i < m_numMaskTokens; ++i) {
        m_hyper.emplace_back(dim, dim, dim / 8, 3);
        hyper->push_back(m_hyper.back());
    }
    register_module("output_hypernetworks_mlps", hyper);
    m_iouHead = register_module("iou_prediction_head", DecoderMlp(dim, 256, m_numMaskTokens, 3));
}

std::pair<at::Tensor, at::Tensor> MaskDecoderImpl::forward(const at::Tensor& imageEmbedding,
                                                           const at::Tensor& imagePe,
                                                           const at::Tensor& sparse,
                                                           const at::Tensor& dense, bool multimask,
                                                           const FirstLayerCache* cache) {
    const int64_t n = sparse.size(0), h = imageEmbedding.size(2), w = imageEmbedding.size(3);
    at::Tensor outputTokens = at::cat({m_iouToken->weight, m_maskTokens->weight}, 0);
    outputTokens = outputTokens.unsqueeze(0).expand({n, -1, -1});
    const at::Tensor tokens = at::cat({outputTokens, sparse}, 1);
    const bool autograd = at::GradMode::is_enabled();
    if (autograd || n != 1)
        cache = nullptr;

    at::Tensor keys, keyPe;
    if (!cache) {
        // One embedding serves every prompt in the batch (upstream repeat_interleave).
        at::Tensor src = imageEmbedding.size(0) == n
                             ? imageEmbedding
                             : at::repeat_interleave(imageEmbedding, n / imageEmbedding.size(0), 0);
        // Under autocast the image side runs in the reduced type from here on (model/autocast.h).
        const c10::ScalarType lowp = autocastDtype(src);
        keys = toSequence(src + dense, lowp);
        keyPe = toSequence(imagePe.slice(0, 0, 1), lowp); // broadcast over the batch
    }
    auto [hs, outKeys] = m_transformer->forward(keys, keyPe, tokens, cache);
    const at::Tensor iou = m_iouHead->forward(hs.select(1, 0));
    // Without autograd only the mask tokens whose masks are returned go through their
    // hypernetworks. With it all four do and the unused outputs are sliced off, as upstream:
    // their hypernetworks then get zero gradients rather than none, so that AdamW's weight decay
    // and moments treat them as upstream training does.
    const int64_t first = multimask ? 1 : 0, count = multimask ? m_numMaskTokens - 1 : 1;
    if (autograd) {
        const at::Tensor masks = upscaledMasks(outKeys, hs, 0, m_numMaskTokens, h, w);
        return {masks.slice(1, first, first + count), iou.slice(1, first, first + count)};
    }
    const at::Tensor masks = upscaledMasks(outKeys, hs, first, count, h, w);
    return {masks, iou.slice(1, first, first + count)};
}

FirstLayerCache MaskDecoderImpl::buildImageCache(const at::Tensor& imageEmbedding,
                                                 const at::Tensor& imagePe,
                                                 const at::Tensor& dense) {
    return m_transformer->buildCache(toSequence(imageEmbedding + dense.slice(0, 0, 1)),
                                     toSequence(imagePe));
}

// Upscaling and hypernetwork product on channels-last rows (the transformer's own layout):
// one matrix product per transposed convolution, LayerNorm2d as one fused row layer norm (its
// channels-first form is nine element-wise passes forward and more backward over the largest
// tensors of a training step), and a single pixel rearrangement of the final mask logits instead
// of two of the features.
at::Tensor MaskDecoderImpl::upscaledMasks(const at::Tensor& keys, const at::Tensor& hs,
                                          int64_t first, int64_t count, int64_t h, int64_t w) {
    const int64_t b = keys.size(0), c = keys.size(2);
    at::Tensor x = upsampleRows(keys.reshape({b * h * w, c}), m_up0); // (b*h*w*4, c/4)
    x = layerNormInType(x, {x.size(1)}, m_up1->weight(), m_up1->bias(), m_up1->eps());
    // In place only without autograd: GELU's backward needs its input.
    const bool inPlace = !at::GradMode::is_enabled();
    x = inPlace ? geluInPlace(x) : at::gelu(x);
    x = upsampleRows(x, m_up3); // (b*h*w*16, c/8): rows (pixel, di, dj, di2, dj2)
    x = inPlace ? geluInPlace(x) : at::gelu(x);
    std::vector<at::Tensor> hyperIn;
    for (int64_t t = first; t < first + count; ++t)
        hyperIn.push_back(m_hyper[static_cast<size_t>(t)]->forward(hs.select(1, 1 + t)));
    const at::Tensor hyper = at::stack(hyperIn, 1); // (b, m, c/8)
    // Pixels as rows, both operands contiguous: LibTorch 1.13's CPU bmm returned garbage
    // gradients in float32 at batch 1 for the transposed-operand form.
    const at::Tensor logits = at::bmm(x.view({b, h * w * 16, -1}), hyper.transpose(1, 2));
    // (b, y, x, di, dj, di2, dj2, m) -> (b, m, rows 4y + 2di + di2, columns 4x + 2dj + dj2).
    return logits.view({b, h, w, 2, 2, 2, 2, count})
        .permute({0, 7, 1, 3, 5, 2, 4, 6})
        .reshape({b, count, 4 * h, 4 * w});
}

} // namespace dermsam
