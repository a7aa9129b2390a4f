#pragma once

#include "model/image_encoder.h"
#include "model/layer_norm_2d.h"
#include "model/mlp_block.h"
#include "model/sam_architecture.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <functional>

namespace dermsam {

// Multi-head attention over a (B, H, W, C) token grid with SAM's decomposed relative position
// bias (computed from the unscaled query, as upstream).
class VitAttentionImpl : public torch::nn::Module {
public:
    VitAttentionImpl(int64_t dim, int64_t numHeads, bool useRelPos, int64_t gridSize);
    at::Tensor forward(const at::Tensor& x);

private:
    // softmax(q k^T * scale + bias) v on (B*heads, N, head_dim), the LibTorch 1.13 / CPU path.
    at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const at::Tensor& relH, const at::Tensor& relW, int64_t H,
                         int64_t W) const;

    torch::nn::Linear m_qkv{nullptr};
    torch::nn::Linear m_proj{nullptr};
    at::Tensor m_relPosH;
    at::Tensor m_relPosW;
    int64_t m_numHeads;
    double m_scale;
    bool m_useRelPos;
};
TORCH_MODULE(VitAttention);

class VitBlockImpl : public torch::nn::Module {
public:
    VitBlockImpl(const SamArchitecture& arch, int64_t windowSize);
    at::Tensor forward(const at::Tensor& x);

private:
    torch::nn::LayerNorm m_norm1{nullptr};
    VitAttention m_attn{nullptr};
    torch::nn::LayerNorm m_norm2{nullptr};
    MlpBlock m_mlp{nullptr};
    int64_t m_windowSize;
};
TORCH_MODULE(VitBlock);

// SAM's ImageEncoderViT: patch embedding, absolute positions, windowed and global blocks, neck.
class ImageEncoderVit : public ImageEncoderBase {
public:
    explicit ImageEncoderVit(const SamArchitecture& arch);
    at::Tensor forward(const at::Tensor& x) override;
    at::Tensor forwardObserved(const at::Tensor& x, const Observer& observer) override;
    int blockCount() const override { return static_cast<int>(m_blocks.size()); }
    bool channelsLast() const override { return true; }

private:
    torch::nn::Conv2d m_patchEmbed{nullptr};
    at::Tensor m_posEmbed;
    std::vector<VitBlock> m_blocks;
    torch::nn::Conv2d m_neck0{nullptr};
    LayerNorm2d m_neck1{nullptr};
    torch::nn::Conv2d m_neck2{nullptr};
    LayerNorm2d m_neck3{nullptr};
};

} // namespace dermsam
