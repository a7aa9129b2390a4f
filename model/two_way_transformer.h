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

private:
    torch::nn::Linear m_q{nullptr};
    torch::nn::Linear m_k{nullptr};
    torch::nn::Linear m_v{nullptr};
    torch::nn::Linear m_out{nullptr};
    int64_t m_numHeads;
};
TORCH_MODULE(TokenAttention);

class TwoWayAttentionBlockImpl : public torch::nn::Module {
public:
    TwoWayAttentionBlockImpl(int64_t dim, int64_t numHeads, int64_t mlpDim, bool skipFirstLayerPe);
    std::pair<at::Tensor, at::Tensor> forward(at::Tensor queries, at::Tensor keys,
                                              const at::Tensor& queryPe, const at::Tensor& keyPe);

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
    // image (B, C, H, W), imagePe (B, C, H, W), tokens (B, T, C) -> (tokens, keys (B, HW, C)).
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& image, const at::Tensor& imagePe,
                                              const at::Tensor& tokens);

private:
    std::vector<TwoWayAttentionBlock> m_layers;
    TokenAttention m_finalAttn{nullptr};
    torch::nn::LayerNorm m_normFinal{nullptr};
};
TORCH_MODULE(TwoWayTransformer);

} // namespace dermsam
