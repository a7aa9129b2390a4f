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
    // The same results as upstream's structure up to summation order (tests/model/
    // tst_decoder_training_path), with and without autograd: folded cross attentions,
    // channels-last upscaling. Without autograd only the masks asked for are computed, and a
    // cache from buildImageCache() (batch 1, the same embedding, no mask prompt) skips the
    // image-only work.
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& imageEmbedding,
                                              const at::Tensor& imagePe, const at::Tensor& sparse,
                                              const at::Tensor& dense, bool multimask,
                                              const FirstLayerCache* cache = nullptr);
    // The prompt-independent part for one image: embedding and PE (1, C, H, W), dense the
    // no-mask embedding as the prompt encoder returns it.
    FirstLayerCache buildImageCache(const at::Tensor& imageEmbedding, const at::Tensor& imagePe,
                                    const at::Tensor& dense);

private:
    // Masks of mask tokens first .. first + count - 1 from the final keys and tokens hs.
    at::Tensor upscaledMasks(const at::Tensor& keys, const at::Tensor& hs, int64_t first,
                             int64_t count, int64_t h, int64_t w);

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
