#include "model/image_encoder_vit.h"

#include "model/flat_linear.h"
#include "model/model_error.h"

#include <torch/nn/modules/container/modulelist.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace dermsam {
namespace {

// Between steps of a forward pass that may be stopped (a background encode giving way).
void checkInterrupt(const ImageEncoderBase::Interrupt* interrupt) {
    if (interrupt && *interrupt && (*interrupt)())
        throw ModelError(ErrorCode::Cancelled, {}, "encode stopped");
}

// The relative-position table for q_size x k_size keys, resized linearly when the checkpoint's
// table has another length (as upstream get_rel_pos).
at::Tensor relativeTable(int64_t qSize, int64_t kSize, const at::Tensor& relPos) {
    const int64_t maxDist = 2 * std::max(qSize, kSize) - 1;
    if (relPos.size(0) == maxDist)
        return relPos;
    return at::upsample_linear1d(relPos.reshape({1, relPos.size(0), -1}).permute({0, 2, 1}),
                                 {maxDist}, false)
        .reshape({-1, maxDist})
        .permute({1, 0});
}

// (q_size, k_size) rows of relativeTable() for each query and key coordinate.
at::Tensor relativeIndex(int64_t qSize, int64_t kSize, c10::Device device) {
    const double qScale = std::max(static_cast<double>(kSize) / qSize, 1.0);
    const double kScale = std::max(static_cast<double>(qSize) / kSize, 1.0);
    // Made on the device: a host-to-device copy here would also forbid CUDA-graph capture.
    const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
    const at::Tensor qc = at::arange(qSize, opts).unsqueeze(1) * qScale;
    const at::Tensor kc = at::arange(kSize, opts).unsqueeze(0) * kScale;
    return ((qc - kc) + (kSize - 1) * kScale).to(at::kLong);
}

// softmax(q k^T * scale + relH + relW) v for (BH, N, c) q, k, v; relH (BH, H, W, H) and relW
// (BH, H, W, W) are the decomposed bias (undefined without relative positions).
at::Tensor blockedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& relH, const at::Tensor& relW, int64_t H, int64_t W,
                            double scale, const ImageEncoderBase::Interrupt* interrupt) {
    const int64_t BH = q.size(0), N = q.size(1);
    // Blocks of about 512K scores (2 MB, a core's L2): whole rows of the token grid of one
    // head for global attention (128 of 4096 queries), or several whole windows x heads for
    // windowed attention. The bias add, softmax and product with v then work in cache, where a
    // whole head (64 MB) or all windows (46 MB) made each of those passes a trip to memory.
    // Measured in isolation on the 2-core machine (under load from other builds): one ViT-B
    // global layer's attention 1.9 -> 1.1 s, one windowed layer's 0.26 -> 0.16 s.
    const int64_t target = int64_t{1} << 19;
    const int64_t group = std::clamp<int64_t>(target / (N * N), 1, BH);
    const int64_t rows = group > 1 ? H : std::clamp<int64_t>(target / (N * W), 1, H);
    at::Tensor out = at::empty({BH, N, q.size(2)}, q.options());
    const at::Tensor qs = q * scale;
    at::Tensor scores = at::empty({group, rows * W, N}, q.options());
    at::Tensor probs = at::empty({group, rows * W, N}, q.options());
    for (int64_t s = 0; s < BH; s += group) {
        const int64_t g = std::min(group, BH - s);
        const at::Tensor kT = k.narrow(0, s, g).transpose(1, 2);
        for (int64_t r0 = 0; r0 < H; r0 += rows) {
            checkInterrupt(interrupt); // a few milliseconds per block of scores
            const int64_t nr = std::min(rows, H - r0), nq = nr * W;
            at::Tensor sc = scores.narrow(0, 0, g).narrow(1, 0, nq);
            at::bmm_out(sc, qs.narrow(0, s, g).narrow(1, r0 * W, nq), kT);
            if (relH.defined()) {
                sc.view({g, nr, W, H, W})
                    .add_(relH.narrow(0, s, g).narrow(1, r0, nr).unsqueeze(4))
                    .add_(relW.narrow(0, s, g).narrow(1, r0, nr).unsqueeze(3));
            }
            at::Tensor pr = probs.narrow(0, 0, g).narrow(1, 0, nq);
            at::_softmax_out(pr, sc, -1, false);
            at::Tensor dst = out.narrow(0, s, g).narrow(1, r0 * W, nq);
            at::bmm_out(dst, pr, v.narrow(0, s, g));
        }
    }
    return out;
}

} // namespace

at::Tensor attentionBiasSelector(int64_t H, int64_t W, const at::TensorOptions& options,
                                 int64_t columns) {
    // Made in float32 and converted (0 and 1 are exact in every type): the CPU has no eye() for
    // bfloat16.
    const auto f32 = options.dtype(at::kFloat);
    const at::Tensor selectRow = at::eye(H, f32).repeat_interleave(W, 1); // (H, H*W)
    const at::Tensor selectCol = at::eye(W, f32).repeat({1, H});          // (W, H*W)
    at::Tensor selector = at::cat({selectRow, selectCol}, 0);
    if (columns > H * W)
        selector = at::constant_pad_nd(selector, {0, columns - H * W}, 0);
    return selector.to(options.dtype());
}

std::pair<at::Tensor, at::Tensor> relativePositionTerms(const at::Tensor& q,
                                                        const at::Tensor& tableH,
                                                        const at::Tensor& tableW, int64_t H,
                                                        int64_t W) {
    const int64_t BH = q.size(0), JH = 2 * H - 1, J = JH + 2 * W - 1;
    TORCH_CHECK(tableH.size(0) == JH && tableW.size(0) == 2 * W - 1,
                "relativePositionTerms: tables of ", tableH.size(0), " and ", tableW.size(0),
                " rows for a ", H, " x ", W, " grid");
    // Reversed, row j of the H table is the distance H - 1 - j: query row h meets key row k at
    // column H - 1 - h + k, which moves by one column per key and back by one per query row.
    // [W; H] reversed is [H reversed; W reversed]: one flip, not two.
    const at::Tensor tables = at::cat({tableW, tableH}, 0).flip(0); // (J, c)
    const at::Tensor t = at::mm(q.reshape({BH * H * W, q.size(-1)}), tables.t());
    const int64_t at0 = t.storage_offset();
    const at::Tensor relH = t.as_strided({BH, H, W, H}, {H * W * J, W * J - 1, J, 1}, at0 + H - 1);
    const at::Tensor relW =
        t.as_strided({BH, H, W, W}, {H * W * J, W * J, J - 1, 1}, at0 + JH + W - 1);
    return {relH, relW};
}

// The bias is the largest tensor of the encoder (400 MB per global layer of ViT-B in bfloat16).
// Written by broadcasting einsum's permuted results it took 8 of the 12 ms of a bfloat16 encode
// on an H100. As a product with the 0/1 selector each output sums exactly two non-zero products
// in float32, so the result is the rounded sum, as the addition gives, written once by the
// matrix units.
at::Tensor decomposedAttentionBias(const at::Tensor& relH, const at::Tensor& relW,
                                   const at::Tensor& selector) {
    const int64_t BH = relH.size(0), H = relH.size(1), W = relH.size(2);
    if (!selector.defined())
        return (relH.contiguous().unsqueeze(4) + relW.contiguous().unsqueeze(3))
            .view({BH, H * W, H * W});
    const at::Tensor terms = at::cat({relH, relW}, 3).view({BH, H * W, H + W});
    const at::Tensor bias = at::matmul(terms, selector);
    return selector.size(1) > H * W ? bias.narrow(2, 0, H * W) : bias;
}

VitAttentionImpl::VitAttentionImpl(int64_t dim, int64_t numHeads, bool useRelPos, int64_t gridSize)
    : m_numHeads(numHeads)
    , m_useRelPos(useRelPos) {
    const int64_t headDim = dim / numHeads;
    m_scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    m_qkv = register_module("qkv", torch::nn::Linear(dim, dim * 3));
    m_proj = register_module("proj", torch::nn::Linear(dim, dim));
    if (useRelPos) {
        m_relPosH = register_parameter("rel_pos_h", at::zeros({2 * gridSize - 1, headDim}));
        m_relPosW = register_parameter("rel_pos_w", at::zeros({2 * gridSize - 1, headDim}));
    }
}

at::Tensor VitAttentionImpl::forward(const at::Tensor& x,
                                     const ImageEncoderBase::Interrupt* interrupt) {
    const int64_t B = x.size(0), H = x.size(1), W = x.size(2);
    const int64_t N = H * W;
    const at::Tensor qkv = flatLinear(m_qkv, x).reshape({B, N, 3, m_numHeads, -1});
    const int64_t headDim = qkv.size(4);
    // (B, heads, N, head_dim) views into the product; headsFirst(i) copies to (B*heads, N, d).
    auto heads = [&](int64_t i) { return qkv.select(2, i).transpose(1, 2); };
    auto headsFirst = [&](int64_t i) { return heads(i).reshape({B * m_numHeads, N, headDim}); };
    const at::Tensor q = headsFirst(0);
    checkInterrupt(interrupt);

    at::Tensor relH, relW;
    if (m_useRelPos && m_relPosH.size(0) == 2 * H - 1 && m_relPosW.size(0) == 2 * W - 1) {
        std::tie(relH, relW) = relativePositionTerms(q, m_relPosH, m_relPosW, H, W);
    } else if (m_useRelPos) {
        const GridConstants grid = gridConstants(H, W, x.device(), std::nullopt);
        const at::Tensor rh = relativeTable(H, H, m_relPosH).index({grid.indexH}); // (H, H, c)
        const at::Tensor rw = relativeTable(W, W, m_relPosW).index({grid.indexW}); // (W, W, c)
        const at::Tensor rq = q.reshape({B * m_numHeads, H, W, headDim});
        relH = at::einsum("bhwc,hkc->bhwk", {rq, rh}); // (BH, H, W, H)
        relW = at::einsum("bhwc,wkc->bhwk", {rq, rw}); // (BH, H, W, W)
    }

    at::Tensor out;
#if TORCH_VERSION_MAJOR >= 2 && !defined(DERMSAM_NO_SDPA)
    // LibTorch 2.x on an accelerator: the fused kernel, the decomposed bias as its additive
    // mask (H*W x H*W per head, as upstream's SDPA variant). The CPU keeps the blocked loop
    // below, which is what was measured on the development machine.
    if (!x.is_cpu()) {
        // No mask argument at all without a bias: an undefined tensor is not "no mask", and the
        // optional's type changed from c10:: to std:: within 2.x.
        // Four dimensions: the fused kernels refuse 3-D inputs and would fall back to the
        // unfused math kernel.
        // Strided views, all three in the product's (B, N, heads, d) order: the kernels read
        // any row stride, so only q (for the relative-position terms) is copied.
        const at::Tensor q4 = heads(0), k4 = heads(1), v4 = heads(2);
        if (m_useRelPos) {
            // In reduced precision (and float32 with TF32) the bias is a product on the matrix
            // units; strict float32 keeps the addition (its products would not run on them; not
            // measured against it).
            const c10::ScalarType type = relH.scalar_type();
            at::Tensor selector;
            if (type != at::kFloat || at::globalContext().allowTF32CuBLAS())
                selector = gridConstants(H, W, x.device(), type).selector;
            const at::Tensor bias =
                decomposedAttentionBias(relH, relW, selector).view({B, m_numHeads, N, N});
            out = at::scaled_dot_product_attention(q4, k4, v4, bias);
        } else {
            out = at::scaled_dot_product_attention(q4, k4, v4);
        }
    }
#endif
    if (!out.defined())
        out = attention(q, headsFirst(1), headsFirst(2), relH, relW, H, W, interrupt);
    // reshape, not view: a fused kernel may return its output in (B, N, heads, d) memory order.
    out = out.reshape({B, m_numHeads, H, W, -1}).permute({0, 2, 3, 1, 4}).reshape({B, H, W, -1});
    return flatLinear(m_proj, out);
}

VitAttentionImpl::GridConstants
VitAttentionImpl::gridConstants(int64_t H, int64_t W, c10::Device device,
                                std::optional<c10::ScalarType> selectorType) {
    const std::lock_guard<std::mutex> lock(m_gridMutex);
    const bool sameGrid = m_grid.h == H && m_grid.w == W && m_grid.device == device;
    const bool needSelector = selectorType && !(sameGrid && m_grid.selector.defined() &&
                                                m_grid.selector.scalar_type() == *selectorType);
    if (sameGrid && !needSelector)
        return m_grid;
    // Normal tensors even when the first call runs under InferenceMode: autograd saves the
    // indices and the selector for the backward pass of Grad-CAM and training.
    c10::InferenceMode normal(false);
    at::NoGradGuard noGrad;
    if (!sameGrid) {
        m_grid = GridConstants{};
        m_grid.h = H;
        m_grid.w = W;
        m_grid.device = device;
        m_grid.indexH = relativeIndex(H, H, device);
        m_grid.indexW = relativeIndex(W, W, device);
    }
    if (needSelector)
        // Rows of the bias a multiple of 16 long, the alignment LibTorch's fused attention
        // kernels ask of a bias: an unaligned one (196 keys of a 14 x 14 window) may first be
        // padded into a copy.
        m_grid.selector = attentionBiasSelector(
            H, W, at::TensorOptions().dtype(*selectorType).device(device), (H * W + 15) / 16 * 16);
    return m_grid;
}

at::Tensor VitAttentionImpl::attention(const at::Tensor& q, const at::Tensor& k,
                                       const at::Tensor& v, const at::Tensor& relH,
                                       const at::Tensor& relW, int64_t H, int64_t W,
                                       const ImageEncoderBase::Interrupt* interrupt) const {
    const int64_t total = q.size(0), N = q.size(1);
    // Without autograd: in cache-sized blocks. The out= kernels it uses record no gradients,
    // so Grad-CAM on encoder blocks takes the plain path below.
    if (!at::GradMode::is_enabled())
        return blockedAttention(q, k, v, relH, relW, H, W, m_scale, interrupt);

    // Chunk over heads so a global layer's peak stays near 64 MB per chunk instead of ~1 GB,
    // with identical per-element arithmetic.
    const int64_t chunk = std::max<int64_t>(1, (int64_t{16} << 20) / std::max<int64_t>(1, N * N));
    std::vector<at::Tensor> outs;
    outs.reserve(static_cast<size_t>((total + chunk - 1) / chunk));
    for (int64_t s = 0; s < total; s += chunk) {
        const int64_t e = std::min(total, s + chunk);
        at::Tensor attn =
            at::matmul(q.slice(0, s, e) * m_scale, k.slice(0, s, e).transpose(-2, -1));
        // In place: the product's own result is not saved for its backward.
        if (relH.defined()) {
            attn.view({e - s, H, W, H, W})
                .add_(relH.slice(0, s, e).unsqueeze(4))
                .add_(relW.slice(0, s, e).unsqueeze(3));
        }
        attn = at::softmax(attn, -1);
        outs.push_back(at::matmul(attn, v.slice(0, s, e)));
    }
    return outs.size() == 1 ? outs.front() : at::cat(outs, 0);
}

VitBlockImpl::VitBlockImpl(const SamArchitecture& arch, int64_t windowSize)
    : m_windowSize(windowSize) {
    const int64_t dim = arch.embedDim;
    const int64_t grid = windowSize > 0 ? windowSize : arch.embeddingSize();
    m_norm1 = register_module("norm1",
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6)));
    m_attn = register_module("attn", VitAttention(dim, arch.numHeads, arch.useRelPos, grid));
    m_norm2 = register_module("norm2",
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6)));
    m_mlp = register_module("mlp", MlpBlock(dim, arch.mlpDim, true));
}

at::Tensor VitBlockImpl::forward(const at::Tensor& input,
                                 const ImageEncoderBase::Interrupt* interrupt) {
    checkInterrupt(interrupt);
    at::Tensor x = m_norm1->forward(input);
    const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
    if (m_windowSize > 0) {
        // Pad to a multiple of the window (64 -> 70 for ViT-B), with no attention mask: the
        // padded tokens take part in attention exactly as upstream.
        const int64_t ws = m_windowSize;
        const int64_t padH = (ws - H % ws) % ws, padW = (ws - W % ws) % ws;
        if (padH > 0 || padW > 0)
            x = at::constant_pad_nd(x, {0, 0, 0, padW, 0, padH}, 0);
        const int64_t Hp = H + padH, Wp = W + padW;
        x = x.view({B, Hp / ws, ws, Wp / ws, ws, C})
                .permute({0, 1, 3, 2, 4, 5})
                .contiguous()
                .view({-1, ws, ws, C});
        x = m_attn->forward(x, interrupt);
        x = x.view({B, Hp / ws, Wp / ws, ws, ws, -1})
                .permute({0, 1, 3, 2, 4, 5})
                .contiguous()
                .view({B, Hp, Wp, -1});
        if (padH > 0 || padW > 0)
            x = x.slice(1, 0, H).slice(2, 0, W).contiguous();
    } else {
        x = m_attn->forward(x, interrupt);
    }
    x = input + x;
    checkInterrupt(interrupt);
    return x + m_mlp->forward(m_norm2->forward(x), [interrupt] { checkInterrupt(interrupt); });
}

ImageEncoderVit::ImageEncoderVit(const SamArchitecture& arch) {
    // Upstream's PatchEmbed wraps the convolution as "patch_embed.proj".
    auto patch = std::make_shared<torch::nn::Module>();
    m_patchEmbed = torch::nn::Conv2d(
        torch::nn::Conv2dOptions(3, arch.embedDim, arch.patchSize).stride(arch.patchSize));
    patch->register_module("proj", m_patchEmbed);
    register_module("patch_embed", patch);

    const int64_t grid = arch.embeddingSize();
    m_posEmbed = register_parameter("pos_embed", at::zeros({1, grid, grid, arch.embedDim}));

    torch::nn::ModuleList blocks;
    for (int i = 0; i < arch.depth; ++i) {
        const bool global = std::find(arch.globalAttnIndexes.begin(), arch.globalAttnIndexes.end(),
                                      i) != arch.globalAttnIndexes.end();
        m_blocks.emplace_back(arch, global ? 0 : arch.windowSize);
        blocks->push_back(m_blocks.back());
    }
    register_module("blocks", blocks);

    m_neck = SamNeck::create(*this, arch.embedDim, arch.outChans);
}

at::Tensor ImageEncoderVit::forward(const at::Tensor& x) {
    return forwardObserved(x, {});
}

at::Tensor ImageEncoderVit::forwardObserved(const at::Tensor& input, const Observer& observer) {
    return forwardFrom(input, -1, {}, observer, {});
}

at::Tensor ImageEncoderVit::forwardFrom(const at::Tensor& input, int done,
                                        const at::Tensor& activation, const Observer& observer,
                                        const Interrupt& interrupt) {
    at::Tensor x = activation;
    if (!x.defined()) {
        done = -1;
        // Made contiguous here: as the convolution's permuted view, the residual stream keeps
        // its channels-first memory order through every block (elementwise results follow
        // their first input's layout), and each residual add and layer norm becomes a
        // transposing pass.
        x = m_patchEmbed->forward(input).permute({0, 2, 3, 1}).contiguous() + m_posEmbed;
    }
    for (size_t i = static_cast<size_t>(done + 1); i < m_blocks.size(); ++i) {
        x = m_blocks[i]->forward(x, &interrupt);
        if (observer)
            x = observer(static_cast<int>(i), x);
    }
    x = x.permute({0, 3, 1, 2});
    return m_neck.forward(x);
}

} // namespace dermsam
