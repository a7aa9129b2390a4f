#include "model/prompt_encoder.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>

#include <cmath>

namespace dermsam {

PromptEncoderImpl::PromptEncoderImpl(int64_t embedDim, int64_t gridSize, int64_t inputSize)
    : m_embedDim(embedDim)
    , m_gridSize(gridSize)
    , m_inputSize(inputSize) {
    auto pe = std::make_shared<torch::nn::Module>();
    m_gaussian =
        pe->register_buffer("positional_encoding_gaussian_matrix", at::randn({2, embedDim / 2}));
    register_module("pe_layer", pe);

    torch::nn::ModuleList points;
    for (int i = 0; i < 4; ++i) {
        m_pointEmbeddings.emplace_back(1, embedDim);
        points->push_back(m_pointEmbeddings.back());
    }
    register_module("point_embeddings", points);
    m_notAPoint = register_module("not_a_point_embed", torch::nn::Embedding(1, embedDim));

    const int64_t maskChans = 16;
    auto down = std::make_shared<torch::nn::Module>();
    m_mask0 = torch::nn::Conv2d(torch::nn::Conv2dOptions(1, maskChans / 4, 2).stride(2));
    m_mask1 = LayerNorm2d(maskChans / 4);
    m_mask3 = torch::nn::Conv2d(torch::nn::Conv2dOptions(maskChans / 4, maskChans, 2).stride(2));
    m_mask4 = LayerNorm2d(maskChans);
    m_mask6 = torch::nn::Conv2d(torch::nn::Conv2dOptions(maskChans, embedDim, 1));
    down->register_module("0", m_mask0);
    down->register_module("1", m_mask1);
    down->register_module("3", m_mask3);
    down->register_module("4", m_mask4);
    down->register_module("6", m_mask6);
    register_module("mask_downscaling", down);
    m_noMask = register_module("no_mask_embed", torch::nn::Embedding(1, embedDim));
}

at::Tensor PromptEncoderImpl::encodeCoords(const at::Tensor& coords) {
    at::Tensor c = 2 * coords - 1;
    c = at::matmul(c, m_gaussian);
    c = 2 * M_PI * c;
    return at::cat({at::sin(c), at::cos(c)}, -1);
}

at::Tensor PromptEncoderImpl::densePositionalEncoding() {
    const auto opts = m_gaussian.options();
    const at::Tensor grid = at::ones({m_gridSize, m_gridSize}, opts);
    const at::Tensor y = (grid.cumsum(0) - 0.5) / m_gridSize;
    const at::Tensor x = (grid.cumsum(1) - 0.5) / m_gridSize;
    return encodeCoords(at::stack({x, y}, -1)).permute({2, 0, 1}).unsqueeze(0);
}

at::Tensor PromptEncoderImpl::embedPoints(at::Tensor points, at::Tensor labels, bool pad) {
    points = points + 0.5; // shift to the pixel centre
    if (pad) {
        // With no box, upstream appends a padding point labelled -1.
        points = at::cat({points, at::zeros({points.size(0), 1, 2}, points.options())}, 1);
        labels = at::cat({labels, -at::ones({labels.size(0), 1}, labels.options())}, 1);
    }
    at::Tensor emb = encodeCoords(points / static_cast<double>(m_inputSize));
    const at::Tensor l = labels.unsqueeze(-1);
    const at::Tensor isPad = (l == -1);
    emb = at::where(isPad, at::zeros_like(emb), emb);
    emb = emb + isPad.to(emb.scalar_type()) * m_notAPoint->weight;
    emb = emb + (l == 0).to(emb.scalar_type()) * m_pointEmbeddings[0]->weight;
    emb = emb + (l == 1).to(emb.scalar_type()) * m_pointEmbeddings[1]->weight;
    return emb;
}

at::Tensor PromptEncoderImpl::embedBoxes(const at::Tensor& boxes) {
    const at::Tensor coords = (boxes + 0.5).reshape({-1, 2, 2});
    at::Tensor emb = encodeCoords(coords / static_cast<double>(m_inputSize));
    const at::Tensor corner = at::cat({m_pointEmbeddings[2]->weight, m_pointEmbeddings[3]->weight},
                                      0); // (2, C)
    return emb + corner.unsqueeze(0);
}

std::pair<at::Tensor, at::Tensor> PromptEncoderImpl::forward(const at::Tensor& points,
                                                             const at::Tensor& labels,
                                                             const at::Tensor& boxes,
                                                             const at::Tensor& masks) {
    int64_t n = 1;
    if (points.defined())
        n = points.size(0);
    else if (boxes.defined())
        n = boxes.size(0);
    else if (masks.defined())
        n = masks.size(0);

    const auto opts = m_gaussian.options();
    at::Tensor sparse = at::empty({n, 0, m_embedDim}, opts);
    if (points.defined())
        sparse =
            at::cat({sparse, embedPoints(points.to(opts), labels.to(opts), !boxes.defined())}, 1);
    if (boxes.defined())
        sparse = at::cat({sparse, embedBoxes(boxes.to(opts))}, 1);

    at::Tensor dense;
    if (masks.defined()) {
        at::Tensor m = m_mask1->forward(m_mask0->forward(masks.to(opts)));
        m = m_mask4->forward(m_mask3->forward(at::gelu(m)));
        dense = m_mask6->forward(at::gelu(m));
    } else {
        dense = m_noMask->weight.reshape({1, -1, 1, 1}).expand({n, -1, m_gridSize, m_gridSize});
    }
    return {sparse, dense};
}

} // namespace dermsam
