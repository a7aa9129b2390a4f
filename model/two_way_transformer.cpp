#include "model/two_way_transformer.h"

#include "model/autocast.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>

#include <cmath>

namespace dermsam {
namespace {

torch::nn::LayerNorm decoderNorm(int64_t dim) {
    // nn.LayerNorm's default eps (1e-5), unlike the encoder's 1e-6.
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5));
}

// In the input's type under autocast too (model/autocast.h).
at::Tensor norm(const torch::nn::LayerNorm& ln, const at::Tensor& x) {
    return layerNormInType(x, ln->options.normalized_shape(), ln->weight, ln->bias,
                           ln->options.eps());
}

} // namespace

TokenAttentionImpl::TokenAttentionImpl(int64_t dim, int64_t numHeads, int64_t downsampleRate)
    : m_numHeads(numHeads) {
    const int64_t internal = dim / downsampleRate;
    m_q = register_module("q_proj", torch::nn::Linear(dim, internal));
    m_k = register_module("k_proj", torch::nn::Linear(dim, internal));
    m_v = register_module("v_proj", torch::nn::Linear(dim, internal));
    m_out = register_module("out_proj", torch::nn::Linear(internal, dim));
}

at::Tensor TokenAttentionImpl::forward(const at::Tensor& qIn, const at::Tensor& kIn,
                                       const at::Tensor& vIn) {
    auto split = [this](const at::Tensor& x) {
        return x.reshape({x.size(0), x.size(1), m_numHeads, x.size(2) / m_numHeads})
            .transpose(1, 2);
    };
    const at::Tensor q = split(m_q->forward(qIn));
    const at::Tensor k = split(m_k->forward(kIn));
    const at::Tensor v = split(m_v->forward(vIn));
    // No scaled_dot_product_attention here: with 7 prompt tokens against 4096 image tokens
    // and 16-wide heads its float32 kernel (memory-efficient attention) took 59% of a
    // decoder training step's device time on an H100, and its backward most of Grad-CAM's.
    const int64_t headDim = q.size(3);
    at::Tensor attn = at::matmul(q, k.permute({0, 1, 3, 2}));
    attn = attn / std::sqrt(static_cast<double>(headDim));
    attn = softmaxInType(attn, -1);
    at::Tensor out = at::matmul(attn, v);
    out = out.transpose(1, 2).reshape({out.size(0), out.size(2), -1});
    return m_out->forward(out);
}

// The folded forms below are exact rewrites of forward() in real arithmetic (only the summation
// order differs). For head h with weights W_h (c x C) and bias b_h:
//   token->image: scores_h = (q_h W_kh) x^T + const per query row, which softmax ignores, and
//                 softmax_h (x W_vh^T + b_vh) = (softmax_h x) W_vh^T + b_vh (rows sum to one);
//   image->token: scores_h = x (W_qh^T k_h^T) + b_qh k_h^T, and the output projection folds
//                 into the token values: sum_h A_h (v_h W_oh^T) + b_o.
// Each image-sized product then has h*T columns (8 heads x 7 tokens = 56 for a box) instead of
// the internal width (128), and the per-head image projections are never materialised.
at::Tensor TokenAttentionImpl::tokensToImage(const at::Tensor& q, const at::Tensor& k,
                                             const at::Tensor& v) {
    const int64_t B = q.size(0), T = q.size(1), C = k.size(2), h = m_numHeads;
    const int64_t D = m_q->weight.size(0), c = D / h;
    if (h * T >= D)
        return forward(q, k, v);
    const at::Tensor qp = m_q->forward(q); // (B, T, D)
    // (h, B*T, c) x (h, c, C): each head's query folded through its key weights.
    at::Tensor qk = at::bmm(qp.reshape({B * T, h, c}).transpose(0, 1), m_k->weight.view({h, c, C}));
    qk = qk.view({h, B, T, C}).transpose(0, 1).reshape({B, h * T, C}) *
         (1.0 / std::sqrt(static_cast<double>(c)));
    const at::Tensor attn = softmaxInType(at::bmm(qk, k.transpose(1, 2)), -1); // (B, hT, N)
    const at::Tensor av = at::bmm(attn, v)                                     // (B, hT, C)
                              .view({B, h, T, C})
                              .transpose(0, 1)
                              .reshape({h, B * T, C});
    const at::Tensor o = at::baddbmm(m_v->bias.view({h, 1, c}), av,
                                     m_v->weight.view({h, c, C}).transpose(1, 2)); // (h, BT, c)
    return m_out->forward(o.transpose(0, 1).reshape({B, T, D}));
}

namespace {

// sum_h softmax_h(scores) (v_h W_oh^T) + b_o for image queries: scores (B, N, h, T) unnormalised.
at::Tensor foldedImageOutput(const at::Tensor& scores, const at::Tensor& vp,
                             const torch::nn::Linear& out, int64_t h) {
    const int64_t B = scores.size(0), N = scores.size(1), T = scores.size(3);
    const int64_t C = out->weight.size(0), c = out->weight.size(1) / h;
    const at::Tensor attn = softmaxInType(scores, -1).view({B, N, h * T});
    const at::Tensor vh = vp.view({B, T, h, c}).transpose(1, 2); // (B, h, T, c)
    const at::Tensor u = at::matmul(vh, out->weight.view({C, h, c}).permute({1, 2, 0}))
                             .reshape({B, h * T, C}); // (B, hT, C)
    return at::baddbmm(out->bias.view({1, 1, C}), attn, u);
}

} // namespace

at::Tensor TokenAttentionImpl::imageToTokens(const at::Tensor& q, const at::Tensor& k,
                                             const at::Tensor& v) {
    const int64_t B = k.size(0), T = k.size(1), N = q.size(1), C = q.size(2), h = m_numHeads;
    const int64_t D = m_q->weight.size(0), c = D / h;
    if (h * T >= D)
        return forward(q, k, v);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c));
    const at::Tensor kh = (m_k->forward(k) * scale).view({B, T, h, c}).permute({0, 2, 3, 1});
    // Query weights folded through the (scaled) keys: (h, C, c) x (B, h, c, T) -> (B, h, C, T).
    const at::Tensor m = at::matmul(m_q->weight.view({h, c, C}).transpose(1, 2), kh)
                             .permute({0, 2, 1, 3})
                             .reshape({B, C, h * T});
    const at::Tensor r = at::matmul(m_q->bias.view({1, h, 1, c}), kh).view({B, 1, h * T});
    const at::Tensor scores = at::baddbmm(r, q, m).view({B, N, h, T});
    return foldedImageOutput(scores, m_v->forward(v), m_out, h);
}

at::Tensor TokenAttentionImpl::projectHeads(Projection which, const at::Tensor& x) {
    torch::nn::Linear& lin = which == Projection::Q ? m_q : which == Projection::K ? m_k : m_v;
    const at::Tensor p = lin->forward(x.select(0, 0)); // (N, D)
    return p.view({p.size(0), m_numHeads, -1}).transpose(0, 1).contiguous();
}

at::Tensor TokenAttentionImpl::tokensToProjectedImage(const at::Tensor& q, const at::Tensor& kHeads,
                                                      const at::Tensor& vHeads) {
    const int64_t T = q.size(1), h = m_numHeads, c = kHeads.size(2);
    const at::Tensor qh = (m_q->forward(q) * (1.0 / std::sqrt(static_cast<double>(c))))
                              .view({T, h, c})
                              .transpose(0, 1);
    const at::Tensor attn = softmaxInType(at::bmm(qh, kHeads.transpose(1, 2)), -1); // (h, T, N)
    const at::Tensor o = at::bmm(attn, vHeads);                                     // (h, T, c)
    return m_out->forward(o.transpose(0, 1).reshape({1, T, h * c}));
}

at::Tensor TokenAttentionImpl::projectedImageToTokens(const at::Tensor& qHeads, const at::Tensor& k,
                                                      const at::Tensor& v) {
    const int64_t T = k.size(1), h = m_numHeads, N = qHeads.size(1), c = qHeads.size(2);
    const at::Tensor kh = (m_k->forward(k) * (1.0 / std::sqrt(static_cast<double>(c))))
                              .view({T, h, c})
                              .permute({1, 2, 0});                    // (h, c, T)
    const at::Tensor scores = at::bmm(qHeads, kh).permute({1, 0, 2}); // (N, h, T)
    return foldedImageOutput(scores.reshape({1, N, h, T}), m_v->forward(v), m_out, h);
}

TwoWayAttentionBlockImpl::TwoWayAttentionBlockImpl(int64_t dim, int64_t numHeads, int64_t mlpDim,
                                                   bool skipFirstLayerPe)
    : m_skipFirstLayerPe(skipFirstLayerPe) {
    m_selfAttn = register_module("self_attn", TokenAttention(dim, numHeads));
    m_norm1 = register_module("norm1", decoderNorm(dim));
    m_crossTokenToImage =
        register_module("cross_attn_token_to_image", TokenAttention(dim, numHeads, 2));
    m_norm2 = register_module("norm2", decoderNorm(dim));
    m_mlp = register_module("mlp", MlpBlock(dim, mlpDim, false));
    m_norm3 = register_module("norm3", decoderNorm(dim));
    m_norm4 = register_module("norm4", decoderNorm(dim));
    m_crossImageToToken =
        register_module("cross_attn_image_to_token", TokenAttention(dim, numHeads, 2));
}

std::pair<at::Tensor, at::Tensor>
TwoWayAttentionBlockImpl::forward(at::Tensor queries, at::Tensor keys, const at::Tensor& queryPe,
                                  const at::Tensor& keyPe, const FirstLayerCache* cache) {
    if (m_skipFirstLayerPe) {
        queries = m_selfAttn->forward(queries, queries, queries);
    } else {
        const at::Tensor q = queries + queryPe;
        queries = queries + m_selfAttn->forward(q, q, queries);
    }
    queries = norm(m_norm1, queries);

    at::Tensor q = queries + queryPe;
    at::Tensor k; // keys + keyPe: the keys do not change until norm4, so it is computed once
    at::Tensor attended;
    if (cache) {
        attended =
            m_crossTokenToImage->tokensToProjectedImage(q, cache->tokToImageK, cache->tokToImageV);
    } else {
        k = keys + keyPe;
        attended = m_crossTokenToImage->tokensToImage(q, k, keys);
    }
    queries = norm(m_norm2, queries + attended);
    queries = norm(m_norm3, queries + m_mlp->forward(queries));

    q = queries + queryPe;
    at::Tensor update =
        cache ? m_crossImageToToken->projectedImageToTokens(cache->imageToTokQ, q, queries)
              : m_crossImageToToken->imageToTokens(k, q, queries);
    keys = norm(m_norm4, update.add_(keys));
    return {queries, keys};
}

FirstLayerCache TwoWayAttentionBlockImpl::buildCache(const at::Tensor& keys,
                                                     const at::Tensor& keyPe) {
    FirstLayerCache c;
    c.keys = keys;
    c.keyPe = keyPe;
    const at::Tensor k = keys + keyPe;
    using P = TokenAttentionImpl::Projection;
    c.tokToImageK = m_crossTokenToImage->projectHeads(P::K, k);
    c.tokToImageV = m_crossTokenToImage->projectHeads(P::V, keys);
    c.imageToTokQ = m_crossImageToToken->projectHeads(P::Q, k);
    return c;
}

TwoWayTransformerImpl::TwoWayTransformerImpl(int64_t depth, int64_t dim, int64_t numHeads,
                                             int64_t mlpDim) {
    torch::nn::ModuleList layers;
    for (int64_t i = 0; i < depth; ++i) {
        m_layers.emplace_back(dim, numHeads, mlpDim, i == 0);
        layers->push_back(m_layers.back());
    }
    register_module("layers", layers);
    m_finalAttn = register_module("final_attn_token_to_image", TokenAttention(dim, numHeads, 2));
    m_normFinal = register_module("norm_final_attn", decoderNorm(dim));
}

std::pair<at::Tensor, at::Tensor> TwoWayTransformerImpl::forward(const at::Tensor& keysIn,
                                                                 const at::Tensor& keyPeIn,
                                                                 const at::Tensor& tokens,
                                                                 const FirstLayerCache* cache) {
    const at::Tensor& keyPe = cache ? cache->keyPe : keyPeIn;
    at::Tensor queries = tokens;
    at::Tensor keys = cache ? cache->keys : keysIn;
    for (size_t i = 0; i < m_layers.size(); ++i)
        std::tie(queries, keys) =
            m_layers[i]->forward(queries, keys, tokens, keyPe, i == 0 ? cache : nullptr);
    const at::Tensor q = queries + tokens;
    const at::Tensor k = keys + keyPe;
    queries = norm(m_normFinal, queries + m_finalAttn->tokensToImage(q, k, keys));
    return {queries, keys};
}

FirstLayerCache TwoWayTransformerImpl::buildCache(const at::Tensor& keys, const at::Tensor& keyPe) {
    return m_layers.front()->buildCache(keys, keyPe);
}

} // namespace dermsam
