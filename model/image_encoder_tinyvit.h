#pragma once

#include "model/image_encoder.h"
#include "model/layer_norm_2d.h"
#include "model/sam_architecture.h"
#include "model/sam_neck.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <mutex>
#include <string>
#include <vector>

namespace dermsam {

// Upstream's Conv2d_BN: a bias-free convolution ("c") and a batch norm ("bn"). In eval mode the
// norm's running statistics are folded into the convolution's weight and bias, so inference
// makes one pass over the activation instead of two.
class ConvBnImpl : public torch::nn::Module {
public:
    ConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1);
    at::Tensor forward(const at::Tensor& x);
    // The folded (weight, bias); recomputed when a parameter or statistic has changed.
    std::pair<at::Tensor, at::Tensor> folded();

private:
    torch::nn::Conv2d m_conv{nullptr};
    torch::nn::BatchNorm2d m_bn{nullptr};
    int64_t m_stride, m_padding, m_groups;
    std::mutex m_mutex;
    std::vector<std::pair<const void*, int64_t>> m_foldedFrom;
    at::Tensor m_weight, m_bias;
};
TORCH_MODULE(ConvBn);

// One MBConv block: 1 x 1 expansion, depthwise 3 x 3, 1 x 1 projection, each with batch norm,
// GELU between them, then the residual and a last GELU. On (B, C, H, W).
class MbConvImpl : public torch::nn::Module {
public:
    MbConvImpl(int64_t dim, int64_t hidden);
    at::Tensor forward(const at::Tensor& x);

private:
    ConvBn m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
};
TORCH_MODULE(MbConv);

// Between stages: 1 x 1, depthwise 3 x 3 (stride 2 or 1), 1 x 1, GELU after the first two.
// (B, C, H, W) in and out.
class PatchMergingImpl : public torch::nn::Module {
public:
    PatchMergingImpl(int64_t dim, int64_t outDim, int64_t stride);
    at::Tensor forward(const at::Tensor& x);

private:
    ConvBn m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
};
TORCH_MODULE(PatchMerging);

// TinyViT's window attention: layer norm, q/k/v per head (each head's q, k and v adjacent in
// the product), softmax(q k^T * scale + B) v with B a learned bias per head and (|dy|, |dx|)
// offset of the two tokens, read through an index table.
class TinyVitAttentionImpl : public torch::nn::Module {
public:
    TinyVitAttentionImpl(int64_t dim, int64_t heads, int64_t window);
    at::Tensor forward(const at::Tensor& x); // (windows, window^2, C)
    // Replaces the index table with a checkpoint's attention_bias_idxs (N, N), whose values
    // must lie within the bias table; throws ModelError(ShapeMismatch) otherwise.
    void setBiasIndex(const at::Tensor& index);
    // Inference: the attention of (windows, N, C) tokens before the output projection, which
    // project() applies to a (B, H, W, C) grid once the windows are put back.
    at::Tensor attendHeads(const at::Tensor& x);
    at::Tensor project(const at::Tensor& tokens);

private:
    at::Tensor bias(); // (heads, N, N)

    torch::nn::LayerNorm m_norm{nullptr};
    torch::nn::Linear m_qkv{nullptr};
    torch::nn::Linear m_proj{nullptr};
    at::Tensor m_biases; // (heads, window^2)
    at::Tensor m_index;  // (N, N) int64, not a parameter (not persistent upstream)
    int64_t m_heads;
    double m_scale;
    std::mutex m_mutex;
    std::pair<const void*, int64_t> m_biasFrom{nullptr, -1};
    at::Tensor m_bias;
};
TORCH_MODULE(TinyVitAttention);

// A TinyViT block on a (B, H, W, C) token grid: windowed attention with residual, the local
// depthwise convolution, the MLP (layer norm, fc1, GELU, fc2) with residual.
class TinyVitBlockImpl : public torch::nn::Module {
public:
    TinyVitBlockImpl(const TinyVitStage& stage, int64_t localConvSize);
    at::Tensor forward(const at::Tensor& x);
    TinyVitAttention& attention() { return m_attn; }

private:
    at::Tensor forwardInference(const at::Tensor& x); // no autograd, eval mode
    TinyVitAttention m_attn{nullptr};
    ConvBn m_localConv{nullptr};
    torch::nn::LayerNorm m_mlpNorm{nullptr};
    torch::nn::Linear m_fc1{nullptr}, m_fc2{nullptr};
    int64_t m_window;
};
TORCH_MODULE(TinyVitBlock);

// LiteMedSAM's image encoder (TinyViT-5M at a 256 input in the release): a 1 x 1 patch
// embedding, a stage of MBConv blocks, stages of windowed attention blocks joined by patch
// merging, and SAM's neck to the (B, 256, 64, 64) embedding. Every number comes from the
// SamArchitecture (read off a checkpoint's shapes).
class ImageEncoderTinyVit : public ImageEncoderBase {
public:
    explicit ImageEncoderTinyVit(const SamArchitecture& arch);
    at::Tensor forward(const at::Tensor& x) override;
    // Blocks are numbered across stages (MBConv blocks first); every activation is shown
    // channels-first (B, C, H, W), the attention stages' token grids as permuted views.
    at::Tensor forwardObserved(const at::Tensor& x, const Observer& observer) override;
    int blockCount() const override { return m_blockCount; }
    bool channelsLast() const override { return false; }

    // Takes a tensor of the checkpoint that is not a parameter here ("layers.1.blocks.0.attn.
    // attention_bias_idxs", relative to the encoder); false when the name is not one.
    bool loadExtraTensor(const std::string& name, const at::Tensor& value);
    static bool isExtraTensorName(const std::string& name);

private:
    ConvBn m_embed0{nullptr}, m_embed2{nullptr};
    std::vector<MbConv> m_convBlocks;
    std::vector<std::vector<TinyVitBlock>> m_attnBlocks; // [stage - 1][block]
    std::vector<PatchMerging> m_merges;                  // after stage i
    SamNeck m_neck;
    int m_blockCount = 0;
};

} // namespace dermsam
