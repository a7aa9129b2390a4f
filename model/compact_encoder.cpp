#include "model/compact_encoder.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>

namespace dermsam {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride = 1, int64_t dilation = 1,
                       bool bias = false) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k)
                                 .stride(stride)
                                 .padding(dilation * (k / 2))
                                 .dilation(dilation)
                                 .bias(bias));
}

} // namespace

ResidualBlockImpl::ResidualBlockImpl(int64_t channels, int64_t dilation) {
    m_conv1 = register_module("conv1", conv(channels, channels, 3, 1, dilation));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(channels));
    m_conv2 = register_module("conv2", conv(channels, channels, 3, 1, dilation));
    m_bn2 = register_module("bn2", torch::nn::BatchNorm2d(channels));
}

at::Tensor ResidualBlockImpl::forward(const at::Tensor& x) {
    at::Tensor h = at::relu(m_bn1->forward(m_conv1->forward(x)));
    h = m_bn2->forward(m_conv2->forward(h));
    return at::relu(h + x);
}

CompactEncoder::CompactEncoder(const SamArchitecture& arch) {
    const int64_t w = arch.embedDim;
    const int64_t pyramid = 128;
    auto stem = std::make_shared<torch::nn::Module>();
    m_stem0 = conv(3, w / 2, 3, 2);
    m_stem1 = torch::nn::BatchNorm2d(w / 2);
    m_stem3 = conv(w / 2, w, 3, 2);
    m_stem4 = torch::nn::BatchNorm2d(w);
    stem->register_module("0", m_stem0);
    stem->register_module("1", m_stem1);
    stem->register_module("3", m_stem3);
    stem->register_module("4", m_stem4);
    register_module("stem", stem);

    // Stage i works at S/4 / 2^i; the deepest stage uses dilation for a wider context.
    const int64_t widths[4] = {w, 2 * w, 4 * w, 4 * w};
    torch::nn::ModuleList stages;
    for (int i = 0; i < 4; ++i) {
        Stage s;
        auto m = std::make_shared<torch::nn::Module>();
        if (i > 0) {
            s.down = m->register_module("down", conv(widths[i - 1], widths[i], 3, 2));
            s.downBn = m->register_module("down_bn", torch::nn::BatchNorm2d(widths[i]));
        }
        torch::nn::ModuleList blocks;
        for (int j = 0; j < arch.depth; ++j) {
            s.blocks.emplace_back(widths[i], i == 3 ? 2 : 1);
            blocks->push_back(s.blocks.back());
        }
        m->register_module("blocks", blocks);
        s.lateral = m->register_module("lateral", conv(widths[i], pyramid, 1, 1, 1, true));
        stages->push_back(m);
        m_stages.push_back(std::move(s));
    }
    register_module("stages", stages);
    m_smooth = register_module("smooth", conv(pyramid, pyramid, 3));
    m_smoothBn = register_module("smooth_bn", torch::nn::BatchNorm2d(pyramid));
    m_out = register_module("out", conv(pyramid, arch.outChans, 1));
    m_outNorm = register_module("out_norm", LayerNorm2d(arch.outChans));
}

at::Tensor CompactEncoder::forward(const at::Tensor& x) {
    return forwardObserved(x, {});
}

at::Tensor CompactEncoder::forwardObserved(const at::Tensor& input, const Observer& observer) {
    at::Tensor x = at::relu(m_stem1->forward(m_stem0->forward(input)));
    x = at::relu(m_stem4->forward(m_stem3->forward(x)));
    std::vector<at::Tensor> features;
    for (size_t i = 0; i < m_stages.size(); ++i) {
        Stage& s = m_stages[i];
        if (s.down)
            x = at::relu(s.downBn->forward(s.down->forward(x)));
        for (auto& b : s.blocks)
            x = b->forward(x);
        if (observer)
            x = observer(static_cast<int>(i), x);
        features.push_back(x);
    }
    // Top-down pyramid: each level adds the upsampled coarser one.
    at::Tensor p = m_stages.back().lateral->forward(features.back());
    for (int i = static_cast<int>(m_stages.size()) - 2; i >= 0; --i) {
        const at::Tensor lat =
            m_stages[static_cast<size_t>(i)].lateral->forward(features[static_cast<size_t>(i)]);
        p = lat + at::upsample_bilinear2d(p, {lat.size(2), lat.size(3)}, false);
    }
    p = at::relu(m_smoothBn->forward(m_smooth->forward(p)));
    return m_outNorm->forward(m_out->forward(p));
}

} // namespace dermsam
