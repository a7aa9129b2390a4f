#include "model/two_way_transformer.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>

#include <cmath>

namespace dermsam {
namespace {

torch::nn::LayerNorm decoderNorm(int64_t dim) {
    // nn.LayerNorm's default eps (1e-5), unlike the encoder's 1e-6.
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5));
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
    const int64_t headDim = q.size(3);
    at::Tensor attn = at::matmul(q, k.permute({0, 1, 3, 2}));
    attn = attn / std::sqrt(static_cast<double>(headDim));
    attn = at::softmax(attn, -1);
    at::Tensor out = at::matmul(attn, v);
    out = out.transpose(1, 2).reshape({out.size(0), out.size(2), -1});
    return m_out->forward(out);
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

std::pair<at::Tensor, at::Tensor> TwoWayAttentionBlockImpl::forward(at::Tensor queries,
                                                                    at::Tensor keys,
                                                                    const at::Tensor& queryPe,
                                                                    const at::Tensor& keyPe) {
    if (m_skipFirstLayerPe) {
        // The first layer replaces the queries (no residual), as upstream.
        queries = m_selfAttn->forward(queries, queries, queries);
    } else {
        const at::Tensor q = queries + queryPe;
        queries = queries + m_selfAttn->forward(q, q, queries);
    }
    queries = m_norm1->forward(queries);

    at::Tensor q = queries + queryPe;
    at::Tensor k = keys + keyPe;
    queries = m_norm2->forward(queries + m_crossTokenToImage->forward(q, k, keys));

    queries = m_norm3->forward(queries + m_mlp->forward(queries));

    q = queries + queryPe;
    k = keys + keyPe;
    keys = m_norm4->forward(keys + m_crossImageToToken->forward(k, q, queries));
    return {queries, keys};
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

std::pair<at::Tensor, at::Tensor> TwoWayTransformerImpl::forward(const at::Tensor& image,
                                                                 const at::Tensor& imagePe,
                                                                 const at::Tensor& tokens) {
    // Contiguous token sequences: linear layers on permuted 3-D views take LibTorch 1.13's
    // matmul folding path, whose backward is unreliable for non-contiguous inputs.
    const at::Tensor imageSeq = image.flatten(2).permute({0, 2, 1}).contiguous();
    const at::Tensor peSeq = imagePe.flatten(2).permute({0, 2, 1}).contiguous();
    at::Tensor queries = tokens;
    at::Tensor keys = imageSeq;
    for (auto& layer : m_layers)
        std::tie(queries, keys) = layer->forward(queries, keys, tokens, peSeq);
    const at::Tensor q = queries + tokens;
    const at::Tensor k = keys + peSeq;
    queries = m_normFinal->forward(queries + m_finalAttn->forward(q, k, keys));
    return {queries, keys};
}

} // namespace dermsam
