#pragma once

#include "model/layer_norm_2d.h"
#include "model/mlp_block.h"
#include "model/two_way_transformer.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>

#include <utility>

namespace dermsam {

// SAM's MaskDecoder: IoU token + 4 mask tokens through the two-way transformer, upscaled image
// features, hypernetwork MLPs and the IoU head.
class MaskDecoderImpl : public torch::nn::Module {
public:
    explicit MaskDecoderImpl(int64_t dim = 256);
    // Returns (masks (N, M, 4H, 4W), iou (N, M)); M = 3 with multimask, else 1.
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& imageEmbedding,
                                              const at::Tensor& imagePe, const at::Tensor& sparse,
                                              const at::Tensor& dense, bool multimask);

private:
    TwoWayTransformer m_transformer{nullptr};
    torch::nn::Embedding m_iouToken{nullptr};
    torch::nn::Embedding m_maskTokens{nullptr};
    torch::nn::ConvTranspose2d m_up0{nullptr};
    LayerNorm2d m_up1{nullptr};
    torch::nn::ConvTranspose2d m_up3{nullptr};
    std::vector<DecoderMlp> m_hyper;
    DecoderMlp m_iouHead{nullptr};
    int64_t m_numMaskTokens = 4;
};
TORCH_MODULE(MaskDecoder);

} // namespace dermsam
