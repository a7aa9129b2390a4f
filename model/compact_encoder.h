#pragma once

#include "model/image_encoder.h"
#include "model/layer_norm_2d.h"
#include "model/sam_architecture.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

namespace dermsam {

// Residual basic block (conv-BN-ReLU-conv-BN + identity).
class ResidualBlockImpl : public torch::nn::Module {
public:
    ResidualBlockImpl(int64_t channels, int64_t dilation);
    at::Tensor forward(const at::Tensor& x);

private:
    torch::nn::Conv2d m_conv1{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr};
    torch::nn::Conv2d m_conv2{nullptr};
    torch::nn::BatchNorm2d m_bn2{nullptr};
};
TORCH_MODULE(ResidualBlock);

// The built-in default model's encoder: a small residual CNN with a feature pyramid that turns a
// (B, 3, S, S) image into SAM's (B, 256, S/4, S/4) embedding, so SAM's prompt encoder and mask
// decoder work unchanged. Chosen for CPU speed: a few GFLOPs at S = 256 instead of ViT-B's ~370.
class CompactEncoder : public ImageEncoderBase {
public:
    explicit CompactEncoder(const SamArchitecture& arch);
    at::Tensor forward(const at::Tensor& x) override;
    at::Tensor forwardObserved(const at::Tensor& x, const Observer& observer) override;
    int blockCount() const override { return 4; } // one per pyramid stage
    bool channelsLast() const override { return false; }

private:
    struct Stage {
        torch::nn::Conv2d down{nullptr};
        torch::nn::BatchNorm2d downBn{nullptr};
        std::vector<ResidualBlock> blocks;
        torch::nn::Conv2d lateral{nullptr};
    };
    torch::nn::Conv2d m_stem0{nullptr};
    torch::nn::BatchNorm2d m_stem1{nullptr};
    torch::nn::Conv2d m_stem3{nullptr};
    torch::nn::BatchNorm2d m_stem4{nullptr};
    std::vector<Stage> m_stages;
    torch::nn::Conv2d m_smooth{nullptr};
    torch::nn::BatchNorm2d m_smoothBn{nullptr};
    torch::nn::Conv2d m_out{nullptr};
    LayerNorm2d m_outNorm{nullptr};
};

} // namespace dermsam
