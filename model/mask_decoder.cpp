#include "model/mask_decoder.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace dermsam {
namespace {

// Image (B, C, H, W) -> token sequence (B, H*W, C), contiguous.
at::Tensor toSequence(const at::Tensor& x) {
    return x.flatten(2).transpose(1, 2).contiguous();
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
    const int64_t n = sparse.size(0);
    at::Tensor outputTokens = at::cat({m_iouToken->weight, m_maskTokens->weight}, 0);
    outputTokens = outputTokens.unsqueeze(0).expand({n, -1, -1});
    const at::Tensor tokens = at::cat({outputTokens, sparse}, 1);
    if (!at::GradMode::is_enabled())
        return forwardInference(imageEmbedding, imagePe, tokens, dense, multimask,
                                n == 1 ? cache : nullptr);

    // One embedding serves every prompt in the batch (upstream repeat_interleave).
    at::Tensor src = imageEmbedding.size(0) == n
                         ? imageEmbedding
                         : at::repeat_interleave(imageEmbedding, n / imageEmbedding.size(0), 0);
    src = src + dense;
    const at::Tensor posSrc = at::repeat_interleave(imagePe, n / imagePe.size(0), 0);
    const int64_t b = src.size(0), c = src.size(1), h = src.size(2), w = src.size(3);

    auto [hs, keys] = m_transformer->forward(src, posSrc, tokens);
    const at::Tensor iouTokenOut = hs.select(1, 0);
    const at::Tensor maskTokensOut = hs.slice(1, 1, 1 + m_numMaskTokens);

    // Autograd path (training, Grad-CAM): LibTorch's transposed convolutions. The matrix-product
    // form of the inference path gave wrong gradients in 1.13 (checked against finite
    // differences).
    at::Tensor up = keys.transpose(1, 2).reshape({b, c, h, w});
    up = at::gelu(m_up1->forward(m_up0->forward(up)));
    up = at::gelu(m_up3->forward(up));

    std::vector<at::Tensor> hyperIn;
    for (int64_t i = 0; i < m_numMaskTokens; ++i)
        hyperIn.push_back(m_hyper[static_cast<size_t>(i)]->forward(maskTokensOut.select(1, i)));
    const at::Tensor hyper = at::stack(hyperIn, 1);
    const int64_t uc = up.size(1), uh = up.size(2), uw = up.size(3);
    at::Tensor masks = at::matmul(hyper, up.reshape({b, uc, uh * uw})).reshape({b, -1, uh, uw});
    at::Tensor iou = m_iouHead->forward(iouTokenOut);

    if (multimask)
        return {masks.slice(1, 1), iou.slice(1, 1)};
    return {masks.slice(1, 0, 1), iou.slice(1, 0, 1)};
}

FirstLayerCache MaskDecoderImpl::buildImageCache(const at::Tensor& imageEmbedding,
                                                 const at::Tensor& imagePe,
                                                 const at::Tensor& dense) {
    return m_transformer->buildCache(toSequence(imageEmbedding + dense.slice(0, 0, 1)),
                                     toSequence(imagePe));
}

std::pair<at::Tensor, at::Tensor>
MaskDecoderImpl::forwardInference(const at::Tensor& imageEmbedding, const at::Tensor& imagePe,
                                  const at::Tensor& tokens, const at::Tensor& dense, bool multimask,
                                  const FirstLayerCache* cache) {
    const int64_t n = tokens.size(0), h = imageEmbedding.size(2), w = imageEmbedding.size(3);
    at::Tensor keys, keyPe;
    if (!cache) {
        at::Tensor src = imageEmbedding.size(0) == n
                             ? imageEmbedding
                             : at::repeat_interleave(imageEmbedding, n / imageEmbedding.size(0), 0);
        keys = toSequence(src + dense);
        keyPe = toSequence(imagePe.slice(0, 0, 1)); // broadcast over the batch
    }
    auto [hs, outKeys] = m_transformer->forwardInference(keys, keyPe, tokens, cache);
    const at::Tensor iou = m_iouHead->forward(hs.select(1, 0));
    // Only the mask tokens whose masks are returned go through their hypernetworks.
    const int64_t first = multimask ? 1 : 0, count = multimask ? m_numMaskTokens - 1 : 1;
    const at::Tensor masks = upscaledMasks(outKeys, hs, first, count, h, w);
    return {masks, iou.slice(1, first, first + count)};
}

// Upscaling and hypernetwork product on channels-last rows (the transformer's own layout):
// one matrix product per transposed convolution, LayerNorm2d as a row layer norm, and a single
// pixel rearrangement of the final (small) mask logits instead of two of the features.
at::Tensor MaskDecoderImpl::upscaledMasks(const at::Tensor& keys, const at::Tensor& hs,
                                          int64_t first, int64_t count, int64_t h, int64_t w) {
    const int64_t b = keys.size(0), c = keys.size(2);
    at::Tensor x = upsampleRows(keys.reshape({b * h * w, c}), m_up0); // (b*h*w*4, c/4)
    x = at::layer_norm(x, {x.size(1)}, m_up1->weight(), m_up1->bias(), m_up1->eps());
    at::gelu_(x);
    x = upsampleRows(x, m_up3); // (b*h*w*16, c/8): rows (pixel, di, dj, di2, dj2)
    at::gelu_(x);
    std::vector<at::Tensor> hyperIn;
    for (int64_t t = first; t < first + count; ++t)
        hyperIn.push_back(m_hyper[static_cast<size_t>(t)]->forward(hs.select(1, 1 + t)));
    const at::Tensor hyper = at::stack(hyperIn, 1); // (b, m, c/8)
    const at::Tensor logits = at::bmm(hyper, x.view({b, h * w * 16, -1}).transpose(1, 2));
    // (b, m, y, x, di, dj, di2, dj2) -> rows 4y + 2di + di2, columns 4x + 2dj + dj2.
    return logits.view({b, count, h, w, 2, 2, 2, 2})
        .permute({0, 1, 2, 4, 6, 3, 5, 7})
        .reshape({b, count, 4 * h, 4 * w});
}

} // namespace dermsam
