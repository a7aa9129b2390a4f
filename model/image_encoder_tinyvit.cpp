#include "model/image_encoder_tinyvit.h"

#include "model/fast_gelu.h"
#include "model/model_error.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>

#include <cmath>

namespace dermsam {
namespace {

// Which version of a tensor a cache was made from: an in-place load or optimizer step bumps
// it. Inference tensors (a model loaded under InferenceMode) keep no version: their storage
// identifies them.
int64_t versionOf(const at::Tensor& t) {
    return t.is_inference() ? -1 : static_cast<int64_t>(t._version());
}

// Whether cached tensors derived from `sources` are still valid: same storage, same version.
std::vector<std::pair<const void*, int64_t>> stamp(std::initializer_list<at::Tensor> sources) {
    std::vector<std::pair<const void*, int64_t>> out;
    for (const at::Tensor& t : sources)
        out.emplace_back(t.data_ptr(), versionOf(t));
    return out;
}

// The (N, N) table upstream builds: for tokens p1, p2 of a window (row-major), the number of
// the offset (|dy|, |dx|) in order of first appearance. With p1 = (0, 0) first, every offset
// appears before any repeats, in row-major order: dy * window + dx.
at::Tensor windowBiasIndex(int64_t window) {
    const int64_t n = window * window;
    at::Tensor index = at::empty({n, n}, at::kLong);
    auto a = index.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
            a[i][j] =
                std::abs(i / window - j / window) * window + std::abs(i % window - j % window);
    return index;
}

// x W^T + b over the channels of a (B, H, W, C) token grid as a 1 x 1 convolution of its
// channels-last (B, C, H, W) view: LibTorch hands that to oneDNN, which on the 2-core
// development machine multiplied LiteMedSAM's shapes 2-4x faster than the BLAS behind
// at::linear (PyTorch 1.13, 16384 x 128 -> 512: 50 vs 94 ms; 4096 x 320 -> 1280: 33 vs 127 ms),
// and the result is channels-last again: tokens, with no copy either side.
// With one thread LibTorch 1.13 does not use oneDNN for a 1 x 1 convolution (its own rule), and
// its fallback took 7.5 s for an encode that upstream's BLAS products did in 5.9 s: then the
// product is BLAS's too.
at::Tensor tokenLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& b) {
    const at::Tensor w = weight.view({weight.size(0), weight.size(1)}); // (O, C) or (O, C, 1, 1)
    if (at::get_num_threads() == 1 || !x.is_cpu()) {
        const at::Tensor rows = x.reshape({-1, x.size(3)});
        const at::Tensor out = b.defined() ? at::addmm(b, rows, w.t()) : at::mm(rows, w.t());
        return out.view({x.size(0), x.size(1), x.size(2), w.size(0)});
    }
    const at::Tensor out =
        at::conv2d(x.permute({0, 3, 1, 2}), w.view({w.size(0), w.size(1), 1, 1}), b);
    return out.permute({0, 2, 3, 1});
}

// GELU in place on a fresh result (model/fast_gelu.h; it takes an lvalue).
at::Tensor geluFresh(at::Tensor x) {
    geluInPlace(x);
    return x;
}

// Whether the forward pass may take the inference path: no autograd (its in-place steps and
// oneDNN's layouts are for inference) and eval mode.
bool inferencePath(const torch::nn::Module& m) {
    return !at::GradMode::is_enabled() && !m.is_training();
}

} // namespace

ConvBnImpl::ConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups)
    : m_stride(stride)
    , m_padding(kernel / 2)
    , m_groups(groups) {
    m_conv = register_module("c", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                        .stride(stride)
                                                        .padding(kernel / 2)
                                                        .groups(groups)
                                                        .bias(false)));
    m_bn = register_module("bn", torch::nn::BatchNorm2d(out));
}

std::pair<at::Tensor, at::Tensor> ConvBnImpl::folded() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    const auto& bn = *m_bn;
    auto now = stamp({m_conv->weight, bn.weight, bn.bias, bn.running_mean, bn.running_var});
    if (m_weight.defined() && now == m_foldedFrom)
        return {m_weight, m_bias};
    // Normal tensors without grad, whatever mode the first call runs in: Grad-CAM's backward
    // pass reads them too.
    c10::InferenceMode normal(false);
    at::NoGradGuard noGrad;
    const double eps = bn.options.eps();
    const at::Tensor scale = bn.weight / at::sqrt(bn.running_var + eps);
    m_weight = m_conv->weight * scale.view({-1, 1, 1, 1});
    m_bias = bn.bias - bn.running_mean * scale;
    m_foldedFrom = std::move(now);
    return {m_weight, m_bias};
}

at::Tensor ConvBnImpl::forward(const at::Tensor& x) {
    if (is_training())
        return m_bn->forward(m_conv->forward(x));
    const auto [w, b] = folded();
    // A pointwise convolution of a channels-last image is a product over its pixels (see
    // tokenLinear for why that matters with one thread).
    if (w.size(2) == 1 && w.size(3) == 1 && m_stride == 1 && m_groups == 1 &&
        !at::GradMode::is_enabled() && x.is_contiguous(at::MemoryFormat::ChannelsLast))
        return tokenLinear(x.permute({0, 2, 3, 1}), w.view({w.size(0), w.size(1)}), b)
            .permute({0, 3, 1, 2});
    return at::conv2d(x, w, b, m_stride, m_padding, 1, m_groups);
}

MbConvImpl::MbConvImpl(int64_t dim, int64_t hidden) {
    m_conv1 = register_module("conv1", ConvBn(dim, hidden, 1));
    m_conv2 = register_module("conv2", ConvBn(hidden, hidden, 3, 1, hidden));
    m_conv3 = register_module("conv3", ConvBn(hidden, dim, 1));
}

at::Tensor MbConvImpl::forward(const at::Tensor& x) {
    if (inferencePath(*this)) {
        // The same steps in place: at 256 x 256 x 256 each pass is 64 MB of memory traffic.
        at::Tensor h = geluFresh(m_conv1->forward(x));
        h = geluFresh(m_conv2->forward(h));
        return geluFresh(m_conv3->forward(h).add_(x));
    }
    at::Tensor h = at::gelu(m_conv1->forward(x));
    h = at::gelu(m_conv2->forward(h));
    h = m_conv3->forward(h);
    return at::gelu(h + x);
}

PatchMergingImpl::PatchMergingImpl(int64_t dim, int64_t outDim, int64_t stride) {
    m_conv1 = register_module("conv1", ConvBn(dim, outDim, 1));
    m_conv2 = register_module("conv2", ConvBn(outDim, outDim, 3, stride, outDim));
    m_conv3 = register_module("conv3", ConvBn(outDim, outDim, 1));
}

at::Tensor PatchMergingImpl::forward(const at::Tensor& x) {
    if (inferencePath(*this)) {
        at::Tensor h = geluFresh(m_conv1->forward(x));
        h = geluFresh(m_conv2->forward(h));
        return m_conv3->forward(h);
    }
    at::Tensor h = at::gelu(m_conv1->forward(x));
    h = at::gelu(m_conv2->forward(h));
    return m_conv3->forward(h);
}

TinyVitAttentionImpl::TinyVitAttentionImpl(int64_t dim, int64_t heads, int64_t window)
    : m_heads(heads) {
    const int64_t keyDim = dim / heads;
    m_scale = 1.0 / std::sqrt(static_cast<double>(keyDim));
    m_norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    m_qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    m_proj = register_module("proj", torch::nn::Linear(dim, dim));
    m_biases = register_parameter("attention_biases", at::zeros({heads, window * window}));
    m_index = windowBiasIndex(window);
}

void TinyVitAttentionImpl::setBiasIndex(const at::Tensor& index) {
    const int64_t n = m_index.size(0);
    if (index.dim() != 2 || index.size(0) != n || index.size(1) != n)
        throw ModelError(ErrorCode::ShapeMismatch, {}, "attention_bias_idxs has a wrong shape");
    // Loaded checkpoints hold every tensor as float; an index must be a whole number in range.
    const at::Tensor values = index.to(at::kDouble);
    const int64_t offsets = m_biases.size(1);
    if (!at::equal(values, values.round()) || values.min().item<double>() < 0 ||
        values.max().item<double>() > static_cast<double>(offsets - 1))
        throw ModelError(ErrorCode::ShapeMismatch, {},
                         "attention_bias_idxs holds values outside 0.." +
                             std::to_string(offsets - 1));
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_index = values.to(at::kLong).contiguous();
    m_bias = at::Tensor();
}

at::Tensor TinyVitAttentionImpl::bias() {
    // While training the biases get gradients through the gather; otherwise gathered once,
    // as upstream's eval-mode `ab` buffer.
    if (is_training())
        return m_biases.index_select(1, m_index.to(m_biases.device()).view(-1))
            .view({m_heads, m_index.size(0), m_index.size(1)});
    const std::lock_guard<std::mutex> lock(m_mutex);
    const std::pair<const void*, int64_t> now{m_biases.data_ptr(), versionOf(m_biases)};
    if (!m_bias.defined() || now != m_biasFrom) {
        c10::InferenceMode normal(false);
        at::NoGradGuard noGrad;
        m_bias = m_biases.index_select(1, m_index.to(m_biases.device()).view(-1))
                     .view({m_heads, m_index.size(0), m_index.size(1)});
        m_biasFrom = now;
    }
    return m_bias;
}

at::Tensor TinyVitAttentionImpl::forward(const at::Tensor& x) {
    const int64_t B = x.size(0), N = x.size(1), C = x.size(2);
    const at::Tensor qkv = m_qkv->forward(m_norm->forward(x)).view({B, N, m_heads, -1});
    const int64_t d = qkv.size(3) / 3;
    // (B, heads, N, d) views: each head's q, k, v are adjacent in the product (upstream's split).
    const at::Tensor q = qkv.narrow(3, 0, d).permute({0, 2, 1, 3});
    const at::Tensor k = qkv.narrow(3, d, d).permute({0, 2, 1, 3});
    const at::Tensor v = qkv.narrow(3, 2 * d, d).permute({0, 2, 1, 3});
    at::Tensor attn = at::matmul(q, k.transpose(-2, -1)) * m_scale + bias();
    attn = at::softmax(attn, -1);
    const at::Tensor out = at::matmul(attn, v).transpose(1, 2).reshape({B, N, C});
    return m_proj->forward(out);
}

at::Tensor TinyVitAttentionImpl::attendHeads(const at::Tensor& x) {
    const int64_t B = x.size(0), N = x.size(1), C = x.size(2);
    const at::Tensor xn =
        at::layer_norm(x, {C}, m_norm->weight, m_norm->bias, m_norm->options.eps());
    const at::Tensor qkv = tokenLinear(xn.view({1, B * N, 1, C}), m_qkv->weight, m_qkv->bias)
                               .reshape({B, N, m_heads, -1});
    const int64_t d = qkv.size(3) / 3;
    const at::Tensor q = qkv.narrow(3, 0, d).transpose(1, 2);
    const at::Tensor k = qkv.narrow(3, d, d).transpose(1, 2);
    const at::Tensor v = qkv.narrow(3, 2 * d, d).transpose(1, 2);
    // Upstream's order: (q k^T) * scale + bias, in place on the scores.
    at::Tensor attn = at::matmul(q, k.transpose(-2, -1));
    attn.mul_(m_scale).add_(bias());
    attn = at::softmax(attn, -1);
    return at::matmul(attn, v).transpose(1, 2).reshape({B, N, C});
}

at::Tensor TinyVitAttentionImpl::project(const at::Tensor& tokens) {
    return tokenLinear(tokens, m_proj->weight, m_proj->bias);
}

TinyVitBlockImpl::TinyVitBlockImpl(const TinyVitStage& stage, int64_t localConvSize)
    : m_window(stage.window) {
    m_attn = register_module("attn", TinyVitAttention(stage.dim, stage.heads, stage.window));
    auto mlp = std::make_shared<torch::nn::Module>();
    m_mlpNorm = mlp->register_module(
        "norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({int64_t{stage.dim}})));
    m_fc1 = mlp->register_module("fc1", torch::nn::Linear(stage.dim, stage.hidden));
    m_fc2 = mlp->register_module("fc2", torch::nn::Linear(stage.hidden, stage.dim));
    register_module("mlp", mlp);
    m_localConv =
        register_module("local_conv", ConvBn(stage.dim, stage.dim, localConvSize, 1, stage.dim));
}

at::Tensor TinyVitBlockImpl::forwardInference(const at::Tensor& input) {
    const int64_t B = input.size(0), H = input.size(1), W = input.size(2), C = input.size(3);
    const int64_t ws = m_window;
    const int64_t padB = (ws - H % ws) % ws, padR = (ws - W % ws) % ws;
    const int64_t pH = H + padB, pW = W + padR, nH = pH / ws, nW = pW / ws;
    at::Tensor x = input;
    if (padB > 0 || padR > 0)
        x = at::constant_pad_nd(x, {0, 0, 0, padR, 0, padB}, 0);
    x = x.view({B, nH, ws, nW, ws, C}).transpose(2, 3).reshape({B * nH * nW, ws * ws, C});
    x = m_attn->attendHeads(x);
    x = x.view({B, nH, nW, ws, ws, C}).transpose(2, 3).reshape({B, pH, pW, C});
    if (padB > 0 || padR > 0)
        x = x.narrow(1, 0, H).narrow(2, 0, W).contiguous();
    // The projection is per token: after the windows are put back, on the real tokens only.
    x = m_attn->project(x).add_(input);
    // Channels-last views through the depthwise convolution (oneDNN's NHWC kernel: 3.8 ms
    // where NCHW took 45 ms for stage 1 on the development machine).
    x = m_localConv->forward(x.permute({0, 3, 1, 2})).permute({0, 2, 3, 1});
    const auto& norm = *m_mlpNorm;
    at::Tensor h = at::layer_norm(x, {C}, norm.weight, norm.bias, norm.options.eps());
    h = geluFresh(tokenLinear(h, m_fc1->weight, m_fc1->bias));
    return x.add_(tokenLinear(h, m_fc2->weight, m_fc2->bias));
}

at::Tensor TinyVitBlockImpl::forward(const at::Tensor& input) {
    if (inferencePath(*this))
        return forwardInference(input);
    const int64_t B = input.size(0), H = input.size(1), W = input.size(2), C = input.size(3);
    const int64_t ws = m_window;
    at::Tensor x;
    if (H == ws && W == ws) {
        x = m_attn->forward(input.reshape({B, H * W, C})).view({B, H, W, C});
    } else {
        // Zero padding to whole windows before the attention's layer norm, as upstream: the
        // padded tokens take part (normalised to the norm's bias).
        const int64_t padB = (ws - H % ws) % ws, padR = (ws - W % ws) % ws;
        x = input;
        if (padB > 0 || padR > 0)
            x = at::constant_pad_nd(x, {0, 0, 0, padR, 0, padB}, 0);
        const int64_t pH = H + padB, pW = W + padR, nH = pH / ws, nW = pW / ws;
        x = x.view({B, nH, ws, nW, ws, C}).transpose(2, 3).reshape({B * nH * nW, ws * ws, C});
        x = m_attn->forward(x);
        x = x.view({B, nH, nW, ws, ws, C}).transpose(2, 3).reshape({B, pH, pW, C});
        if (padB > 0 || padR > 0)
            x = x.narrow(1, 0, H).narrow(2, 0, W);
    }
    x = input + x;
    x = m_localConv->forward(x.permute({0, 3, 1, 2})).permute({0, 2, 3, 1});
    return x + m_fc2->forward(at::gelu(m_fc1->forward(m_mlpNorm->forward(x))));
}

ImageEncoderTinyVit::ImageEncoderTinyVit(const SamArchitecture& arch) {
    const std::vector<TinyVitStage>& stages = arch.stages;
    // Upstream's PatchEmbed: seq = (Conv2d_BN, GELU, Conv2d_BN), 1 x 1 in LiteMedSAM.
    auto embed = std::make_shared<torch::nn::Module>();
    auto seq = std::make_shared<torch::nn::Module>();
    m_embed0 = seq->register_module("0", ConvBn(3, arch.stemDim, 1));
    m_embed2 = seq->register_module("2", ConvBn(arch.stemDim, stages[0].dim, 1));
    embed->register_module("seq", seq);
    register_module("patch_embed", embed);

    const int grid = arch.embeddingSize();
    torch::nn::ModuleList layers;
    m_attnBlocks.resize(stages.size() - 1);
    for (size_t i = 0; i < stages.size(); ++i) {
        const TinyVitStage& s = stages[i];
        auto layer = std::make_shared<torch::nn::Module>();
        torch::nn::ModuleList blocks;
        for (int j = 0; j < s.depth; ++j) {
            if (i == 0) {
                m_convBlocks.emplace_back(s.dim, s.hidden);
                blocks->push_back(m_convBlocks.back());
            } else {
                m_attnBlocks[i - 1].emplace_back(s, arch.localConvSize);
                blocks->push_back(m_attnBlocks[i - 1].back());
            }
            ++m_blockCount;
        }
        layer->register_module("blocks", blocks);
        if (i + 1 < stages.size()) {
            const int stride = SamArchitecture::tinyVitMergeStride(s.resolution, grid);
            m_merges.emplace_back(s.dim, stages[i + 1].dim, stride);
            layer->register_module("downsample", m_merges.back());
        }
        layers->push_back(layer);
    }
    register_module("layers", layers);

    m_neck = SamNeck::create(*this, stages.back().dim, arch.outChans);
}

namespace {
const std::string kBiasIndexSuffix = ".attn.attention_bias_idxs";
}

bool ImageEncoderTinyVit::isExtraTensorName(const std::string& name) {
    const std::string& suffix = kBiasIndexSuffix;
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool ImageEncoderTinyVit::loadExtraTensor(const std::string& name, const at::Tensor& value) {
    const std::string& suffix = kBiasIndexSuffix;
    if (!isExtraTensorName(name))
        return false;
    for (size_t s = 0; s < m_attnBlocks.size(); ++s)
        for (size_t j = 0; j < m_attnBlocks[s].size(); ++j) {
            const std::string key =
                "layers." + std::to_string(s + 1) + ".blocks." + std::to_string(j) + suffix;
            if (key == name) {
                m_attnBlocks[s][j]->attention()->setBiasIndex(value);
                return true;
            }
        }
    return false;
}

at::Tensor ImageEncoderTinyVit::forward(const at::Tensor& x) {
    return forwardObserved(x, {});
}

at::Tensor ImageEncoderTinyVit::forwardObserved(const at::Tensor& input, const Observer& observer) {
    const bool inference = inferencePath(*this);
    // Inference keeps every activation channels-last, where the convolutions are oneDNN's
    // NHWC kernels and the token grids need no transposing copies between stages.
    at::Tensor x =
        m_embed0->forward(inference ? input.contiguous(at::MemoryFormat::ChannelsLast) : input);
    x = m_embed2->forward(inference ? geluFresh(x) : at::gelu(x));
    int block = 0;
    for (MbConv& b : m_convBlocks) {
        x = b->forward(x);
        if (observer)
            x = observer(block, x);
        ++block;
    }
    // Token grids (B, H, W, C) from here on; the merging works on (B, C, H, W).
    for (size_t s = 0; s < m_merges.size(); ++s) {
        x = m_merges[s]->forward(x).permute({0, 2, 3, 1}).contiguous();
        for (TinyVitBlock& b : m_attnBlocks[s]) {
            x = b->forward(x);
            if (observer)
                x = observer(block, x.permute({0, 3, 1, 2})).permute({0, 2, 3, 1});
            ++block;
        }
        if (s + 1 < m_merges.size())
            x = x.permute({0, 3, 1, 2});
    }
    if (inference) {
        // The neck on tokens: each LayerNorm2d is a layer norm of the rows.
        const auto rowNorm = [](const at::Tensor& t, const LayerNorm2d& ln) {
            return at::layer_norm(t, {t.size(3)}, ln->weight(), ln->bias(), ln->eps());
        };
        x = rowNorm(tokenLinear(x, m_neck.conv0->weight, {}), m_neck.norm1);
        x = m_neck.conv2->forward(x.permute({0, 3, 1, 2})).permute({0, 2, 3, 1});
        return rowNorm(x, m_neck.norm3).permute({0, 3, 1, 2}).contiguous();
    }
    x = x.permute({0, 3, 1, 2});
    return m_neck.forward(x);
}

} // namespace dermsam
