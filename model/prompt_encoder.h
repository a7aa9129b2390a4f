#pragma once

#include "model/layer_norm_2d.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>

#include <utility>

namespace dermsam {

// SAM's PromptEncoder with its random Fourier positional encoding ("pe_layer").
class PromptEncoderImpl : public torch::nn::Module {
public:
    PromptEncoderImpl(int64_t embedDim, int64_t gridSize, int64_t inputSize);

    // points: (N, P, 2) + labels (N, P); boxes (N, 4); masks (N, 1, 4*grid, 4*grid). Any may be
    // undefined. Returns sparse (N, T, C) and dense (N, C, grid, grid) embeddings.
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& points, const at::Tensor& labels,
                                              const at::Tensor& boxes, const at::Tensor& masks);
    at::Tensor densePositionalEncoding(); // (1, C, grid, grid)

private:
    at::Tensor encodeCoords(const at::Tensor& normalisedCoords); // (..., 2) in [0,1]
    at::Tensor embedPoints(at::Tensor points, at::Tensor labels, bool pad);
    at::Tensor embedBoxes(const at::Tensor& boxes);

    at::Tensor m_gaussian; // pe_layer.positional_encoding_gaussian_matrix (2, C/2)
    std::vector<torch::nn::Embedding> m_pointEmbeddings;
    torch::nn::Embedding m_notAPoint{nullptr};
    torch::nn::Embedding m_noMask{nullptr};
    torch::nn::Conv2d m_mask0{nullptr};
    LayerNorm2d m_mask1{nullptr};
    torch::nn::Conv2d m_mask3{nullptr};
    LayerNorm2d m_mask4{nullptr};
    torch::nn::Conv2d m_mask6{nullptr};
    int64_t m_embedDim;
    int64_t m_gridSize;
    int64_t m_inputSize;
};
TORCH_MODULE(PromptEncoder);

} // namespace dermsam
