#include "model/mask_decoder.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace dermsam {
namespace {

// A 2x2 stride-2 transposed convolution touches each output pixel once, so it is one matrix
// product plus a pixel rearrangement: several times faster than LibTorch's generic CPU kernel,
// with the same arithmetic up to summation order.
at::Tensor upsample2x2(const at::Tensor& x, const torch::nn::ConvTranspose2d& conv) {
    const at::Tensor& w = conv->weight; // (C, O, 2, 2)
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
    const int64_t o = w.size(1);
    // Explicit contiguous 2-D operands: LibTorch 1.13's matmul folding of a transposed 3-D
    // input computed wrong (uninitialised) gradients here.
    const at::Tensor rows = x.permute({0, 2, 3, 1}).contiguous().view({b * h * wd, c});
    at::Tensor y = at::mm(rows, w.reshape({c, o * 4}));
    y = y.view({b, h, wd, o, 2, 2}).permute({0, 3, 1, 4, 2, 5}).reshape({b, o, 2 * h, 2 * wd});
    return y + conv->bias.view({1, o, 1, 1});
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

std::pair<at::Tensor, at::Tensor>
MaskDecoderImpl::forward(const at::Tensor& imageEmbedding, const at::Tensor& imagePe,
                         const at::Tensor& sparse, const at::Tensor& dense, bool multimask) {
    const int64_t n = sparse.size(0);
    at::Tensor outputTokens = at::cat({m_iouToken->weight, m_maskTokens->weight}, 0);
    outputTokens = outputTokens.unsqueeze(0).expand({n, -1, -1});
    const at::Tensor tokens = at::cat({outputTokens, sparse}, 1);

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

    at::Tensor up = keys.transpose(1, 2).reshape({b, c, h, w});
    // The matrix-product form is for inference only: with autograd on, its gradients came out
    // wrong in this decoder (checked against finite differences), so training and Grad-CAM
    // use LibTorch's transposed convolution.
    const bool fast = !at::GradMode::is_enabled();
    up = at::gelu(m_up1->forward(fast ? upsample2x2(up, m_up0) : m_up0->forward(up)));
    up = at::gelu(fast ? upsample2x2(up, m_up3) : m_up3->forward(up));

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

} // namespace dermsam
