#pragma once

#include "model/image_encoder.h"
#include "model/layer_norm_2d.h"
#include "model/mlp_block.h"
#include "model/sam_architecture.h"
#include "model/sam_neck.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace dermsam {

// E (H+W, H*W) with E[jh, (jh, jw)] = E[H + jw, (jh, jw)] = 1: [relH | relW] x E is the decomposed
// relative-position bias relH[., jh] + relW[., jw] of every key (jh, jw), as one matrix product.
// columns > H*W appends zero columns, so that the product's rows start at aligned addresses.
at::Tensor attentionBiasSelector(int64_t H, int64_t W, const at::TensorOptions& options,
                                 int64_t columns = 0);

// SAM's decomposed relative-position terms of the queries q (BH, H*W, c):
// relH[b, h, w, k] = q[b, (h, w)] . tableH[h - k + H - 1] (BH, H, W, H), and relW likewise over
// columns (BH, H, W, W). One matrix product of q with both tables, read through strided views,
// in place of two einsums that gathered the tables per query row and copied q into their
// layouts. The tables must have 2H - 1 and 2W - 1 rows (no resampling).
std::pair<at::Tensor, at::Tensor> relativePositionTerms(const at::Tensor& q,
                                                        const at::Tensor& tableH,
                                                        const at::Tensor& tableW, int64_t H,
                                                        int64_t W);

// The (BH, H*W, H*W) additive attention bias from relH (BH, H, W, H) and relW (BH, H, W, W):
// a product with the selector above when one is given (a view of the first H*W columns of a
// padded one), else a broadcasting sum.
at::Tensor decomposedAttentionBias(const at::Tensor& relH, const at::Tensor& relW,
                                   const at::Tensor& selector);

// Multi-head attention over a (B, H, W, C) token grid with SAM's decomposed relative position
// bias (computed from the unscaled query, as upstream).
class VitAttentionImpl : public torch::nn::Module {
public:
    VitAttentionImpl(int64_t dim, int64_t numHeads, bool useRelPos, int64_t gridSize);
    // interrupt: asked between steps of the CPU path (ImageEncoderBase::forwardFrom).
    at::Tensor forward(const at::Tensor& x, const ImageEncoderBase::Interrupt* interrupt = nullptr);

private:
    // softmax(q k^T * scale + bias) v on (B*heads, N, head_dim), the LibTorch 1.13 / CPU path.
    at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const at::Tensor& relH, const at::Tensor& relW, int64_t H, int64_t W,
                         const ImageEncoderBase::Interrupt* interrupt) const;

    // What depends only on the token grid, the device and the type, not on the weights: the
    // relative-position indices and the bias selector. Made on first use, not in every call: on
    // an H100 making them was about half of the ViT-B encoder's 575 kernel launches. Normal
    // (not inference) tensors without grad, so inference, Grad-CAM and training can share them.
    struct GridConstants {
        int64_t h = -1, w = -1;
        c10::Device device{c10::kCPU};
        at::Tensor indexH, indexW; // (H, H), (W, W) rows of the relative-position tables
        at::Tensor selector;       // attentionBiasSelector(h, w), made when first asked for
    };
    GridConstants gridConstants(int64_t H, int64_t W, c10::Device device,
                                std::optional<c10::ScalarType> selectorType);

    torch::nn::Linear m_qkv{nullptr};
    torch::nn::Linear m_proj{nullptr};
    at::Tensor m_relPosH;
    at::Tensor m_relPosW;
    int64_t m_numHeads;
    double m_scale;
    bool m_useRelPos;
    std::mutex m_gridMutex;
    GridConstants m_grid;
};
TORCH_MODULE(VitAttention);

class VitBlockImpl : public torch::nn::Module {
public:
    VitBlockImpl(const SamArchitecture& arch, int64_t windowSize);
    at::Tensor forward(const at::Tensor& x, const ImageEncoderBase::Interrupt* interrupt = nullptr);

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
    at::Tensor forwardFrom(const at::Tensor& input, int done, const at::Tensor& activation,
                           const Observer& observer, const Interrupt& interrupt) override;
    int blockCount() const override { return static_cast<int>(m_blocks.size()); }
    bool channelsLast() const override { return true; }

private:
    torch::nn::Conv2d m_patchEmbed{nullptr};
    at::Tensor m_posEmbed;
    std::vector<VitBlock> m_blocks;
    SamNeck m_neck;
};

} // namespace dermsam
