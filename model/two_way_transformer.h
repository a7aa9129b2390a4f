#pragma once

#include "model/mlp_block.h"

#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <utility>

namespace dermsam {

// Attention with separate q/k/v projections and an optional downsampled internal width.
class TokenAttentionImpl : public torch::nn::Module {
public:
    TokenAttentionImpl(int64_t dim, int64_t numHeads, int64_t downsampleRate = 1);
    at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

    // Folded forms of the two cross attentions, with and without autograd. With T prompt tokens
    // and h heads, h * T is far below the internal width, so the weights are folded into the few
    // token vectors instead of projecting all image tokens (in a training step, those
    // projections and their gradients were the largest tensors of the transformer).
    // Tokens (B, T, C) attend to image tokens k (B, N, C), v (B, N, C).
    at::Tensor tokensToImage(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);
    // Image tokens q (B, N, C) attend to tokens k, v (B, T, C).
    at::Tensor imageToTokens(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);
    // The same with the image side already projected (batch 1): kHeads/vHeads/qHeads are
    // projectHeads() of the image tokens, (heads, N, head_dim).
    at::Tensor tokensToProjectedImage(const at::Tensor& q, const at::Tensor& kHeads,
                                      const at::Tensor& vHeads);
    at::Tensor projectedImageToTokens(const at::Tensor& qHeads, const at::Tensor& k,
                                      const at::Tensor& v);
    enum class Projection { Q, K, V };
    at::Tensor projectHeads(Projection which, const at::Tensor& x); // (1, N, C) -> (h, N, c)

private:
    torch::nn::Linear m_q{nullptr};
    torch::nn::Linear m_k{nullptr};
    torch::nn::Linear m_v{nullptr};
    torch::nn::Linear m_out{nullptr};
    int64_t m_numHeads;
};
TORCH_MODULE(TokenAttention);

// What the first two-way layer computes from the image alone (keys + PE and their projections),
// identical for every prompt without a mask prompt: computed once per image embedding.
struct FirstLayerCache {
    at::Tensor keys;        // (1, N, C) image tokens (embedding + no-mask embedding)
    at::Tensor keyPe;       // (1, N, C) dense positional encoding as a sequence
    at::Tensor tokToImageK; // (h, N, c) token->image key projection of keys + PE
    at::Tensor tokToImageV; // (h, N, c) token->image value projection of keys
    at::Tensor imageToTokQ; // (h, N, c) image->token query projection of keys + PE
};

class TwoWayAttentionBlockImpl : public torch::nn::Module {
public:
    TwoWayAttentionBlockImpl(int64_t dim, int64_t numHeads, int64_t mlpDim, bool skipFirstLayerPe);
    // With a cache (batch 1, first layer, no autograd) the image side comes from it.
    std::pair<at::Tensor, at::Tensor> forward(at::Tensor queries, at::Tensor keys,
                                              const at::Tensor& queryPe, const at::Tensor& keyPe,
                                              const FirstLayerCache* cache);
    FirstLayerCache buildCache(const at::Tensor& keys, const at::Tensor& keyPe);

private:
    TokenAttention m_selfAttn{nullptr};
    torch::nn::LayerNorm m_norm1{nullptr};
    TokenAttention m_crossTokenToImage{nullptr};
    torch::nn::LayerNorm m_norm2{nullptr};
    MlpBlock m_mlp{nullptr};
    torch::nn::LayerNorm m_norm3{nullptr};
    torch::nn::LayerNorm m_norm4{nullptr};
    TokenAttention m_crossImageToToken{nullptr};
    bool m_skipFirstLayerPe;
};
TORCH_MODULE(TwoWayAttentionBlock);

// SAM's two-way transformer: tokens attend to the image and the image attends back.
class TwoWayTransformerImpl : public torch::nn::Module {
public:
    TwoWayTransformerImpl(int64_t depth, int64_t dim, int64_t numHeads, int64_t mlpDim);
    // On sequences: keys (B, N, C), keyPe (1 or B, N, C), tokens (B, T, C) -> (tokens, keys).
    // With a cache (B = 1, no mask prompt, no autograd) keys/keyPe are taken from it and may be
    // undefined.
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& keys, const at::Tensor& keyPe,
                                              const at::Tensor& tokens,
                                              const FirstLayerCache* cache);
    FirstLayerCache buildCache(const at::Tensor& keys, const at::Tensor& keyPe);

private:
    std::vector<TwoWayAttentionBlock> m_layers;
    TokenAttention m_finalAttn{nullptr};
    torch::nn::LayerNorm m_normFinal{nullptr};
};
TORCH_MODULE(TwoWayTransformer);

} // namespace dermsam
