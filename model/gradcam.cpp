#include "model/gradcam.h"

#include "model/cuda_graph.h"
#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

namespace dermsam {

std::string camMethodName(CamMethod m) {
    switch (m) {
    case CamMethod::GradCam:
        return "gradcam";
    case CamMethod::HiResCam:
        return "hirescam";
    case CamMethod::GradCamPlusPlus:
        return "gradcam++";
    }
    return "gradcam";
}

CamMethod camMethodFromName(const std::string& name) {
    if (name == "gradcam" || name == "grad-cam")
        return CamMethod::GradCam;
    if (name == "hirescam")
        return CamMethod::HiResCam;
    if (name == "gradcam++" || name == "gradcampp" || name == "grad-cam++")
        return CamMethod::GradCamPlusPlus;
    throw ModelError(ErrorCode::BadArgument, {},
                     "unknown CAM method '" + name + "' (gradcam, hirescam, gradcam++)");
}

int camLayerFromName(const std::string& name) {
    if (name.empty() || name == "embedding")
        return -1;
    const std::string prefix = "block:";
    if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size()) {
        const std::string digits = name.substr(prefix.size());
        if (digits.size() <= 4 &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::stoi(digits);
    }
    throw ModelError(ErrorCode::BadArgument, {},
                     "unknown CAM layer '" + name + "' (embedding or block:N)");
}

std::string camLayerName(int block) {
    return block < 0 ? "embedding" : "block:" + std::to_string(block);
}

int camBlockCount(const SamModel& model) {
    return model.modules().imageEncoder->blockCount();
}

CamGradients camGradients(const SamModel& model, const ImageEmbedding& embedding,
                          const Prompts& prompts, const CamOptions& options,
                          const at::Tensor& image, const at::Tensor& maskInput) {
    // Callers run inference under InferenceMode / NoGrad; the CAM needs a normal autograd graph.
    c10::InferenceMode normal(false);
    at::AutoGradMode gradOn(true);

    const Prompts framed = promptsToInputFrame(prompts, embedding.geometry, embedding.profile);
    if (framed.empty())
        throw ModelError(ErrorCode::BadPrompt, {}, "no prompt");

    at::Tensor leaf;        // the tensor whose gradient we take
    at::Tensor embeddingIn; // what the decoder sees
    bool channelsLast = false;
    if (options.block < 0) {
        if (!embedding.embedding.defined())
            throw ModelError(ErrorCode::BadArgument, {}, "no image embedding");
        // clone(): a cached embedding is usually an inference tensor, which autograd cannot save.
        leaf = embedding.embedding.to(model.device(), model.dtype()).clone();
        leaf.requires_grad_(true);
        embeddingIn = leaf;
    } else {
        const ImageEncoderBase& encoder = *model.modules().imageEncoder;
        if (options.block >= encoder.blockCount())
            throw ModelError(ErrorCode::BadArgument, {},
                             "encoder block " + std::to_string(options.block) +
                                 " does not exist (the encoder has " +
                                 std::to_string(encoder.blockCount()) + ")");
        if (!image.defined())
            throw ModelError(ErrorCode::BadArgument, {},
                             "an encoder-block CAM needs the image, not only its embedding");
        channelsLast = encoder.channelsLast();
        const PreprocessResult pre =
            preprocessImage(image, embedding.profile, model.architecture().imgSize, model.device());
        const int wanted = options.block;
        // Gradients stop at the observed block: nothing before it is differentiated.
        const ImageEncoderBase::Observer observer = [&leaf, wanted](int block,
                                                                    const at::Tensor& a) {
            if (block != wanted)
                return a;
            leaf = a.detach().requires_grad_(true);
            return leaf;
        };
        // The module tree is shared, not const: forwardObserved changes no state.
        embeddingIn = model.modules().imageEncoder->forwardObserved(
            pre.input.to(model.device(), model.dtype()), observer);
    }

    // A mask prompt made under InferenceMode (the viewer's worker) is an inference tensor, which
    // the mask-downscaling convolution's backward cannot save: use a normal copy.
    const at::Tensor maskIn =
        maskInput.defined() && maskInput.is_inference() ? maskInput.clone() : maskInput;
    const DecoderOutput out = model.decode(embeddingIn, framed, maskIn, options.head);
    const at::Tensor logits = out.lowResLogits; // (N, M, h, w)
    const int64_t n = logits.size(0);
    const int64_t m = logits.size(1);
    // Read back only when a candidate must be chosen by score: each read waits for the device.
    at::Tensor iou;
    if (m > 1 && options.candidate < 0)
        iou = out.iouPredictions.detach().to(at::kCPU, at::kFloat).contiguous();
    std::vector<at::Tensor> chosen;
    int firstCandidate = 0;
    for (int64_t i = 0; i < n; ++i) {
        int64_t c = 0;
        if (m > 1) {
            if (options.candidate >= 0)
                c = std::min<int64_t>(options.candidate, m - 1);
            else
                c = iou[i].argmax().item<int64_t>();
        }
        if (i == 0)
            firstCandidate = static_cast<int>(c);
        chosen.push_back(logits[i][c]);
    }
    const at::Tensor selected = at::stack(chosen); // (N, h, w)
    // pytorch-grad-cam's SemanticSegmentationTarget: logits summed over the (fixed) predicted
    // mask. Logit > 0 is the mask for every profile (MedSAM's sigmoid > 0.5 is the same set).
    const at::Tensor mask = selected.detach().gt(0).to(selected.scalar_type());
    const at::Tensor target = (selected * mask).sum();

    CamGradients g;
    g.candidate = firstCandidate;
    if (!leaf.defined())
        throw ModelError(ErrorCode::BadArgument, {}, "the encoder never reached the CAM layer");
    // No host read before the backward pass: on a GPU it is queued while the forward still runs
    // (an empty mask simply gives a zero gradient).
    at::Tensor grad = torch::autograd::grad({target}, {leaf}, {}, /*retain_graph=*/false,
                                            /*create_graph=*/false, /*allow_unused=*/true)[0];
    g.target = target.item<double>();
    if (!grad.defined())
        grad = at::zeros_like(leaf);
    at::Tensor act = leaf.detach();
    grad = grad.detach();
    if (channelsLast) {
        // SAM's ViT blocks: (B, H, W, C) with no class token; every token is a grid cell.
        act = act.permute({0, 3, 1, 2});
        grad = grad.permute({0, 3, 1, 2});
    }
    // float32 for half-precision models; double stays double (finite-difference tests).
    const auto type = act.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
    g.activation = act.to(type).contiguous();
    g.gradient = grad.to(type).contiguous();
    return g;
}

at::Tensor camChannelWeights(CamMethod method, const at::Tensor& activation,
                             const at::Tensor& gradient) {
    if (activation.dim() != 4 || gradient.sizes() != activation.sizes())
        throw ModelError(ErrorCode::BadArgument, {},
                         "CAM activation and gradient must both be (1, C, h, w)");
    if (method != CamMethod::GradCamPlusPlus)
        return gradient.mean({2, 3})[0];
    // Grad-CAM++ (closed form for an exponential target, as in the paper's reference code).
    const at::Tensor g2 = gradient.pow(2);
    const at::Tensor g3 = gradient.pow(3);
    const at::Tensor sumA = activation.sum({2, 3}, /*keepdim=*/true);
    const at::Tensor denom = 2 * g2 + sumA * g3;
    at::Tensor alpha = g2 / at::where(denom != 0, denom, at::ones_like(denom));
    alpha = at::where(gradient != 0, alpha, at::zeros_like(alpha));
    return (at::relu(gradient) * alpha).sum({2, 3})[0];
}

at::Tensor camMap(CamMethod method, const at::Tensor& activation, const at::Tensor& gradient) {
    const at::Tensor a = activation.to(at::kFloat);
    const at::Tensor g = gradient.to(at::kFloat);
    at::Tensor cam;
    if (method == CamMethod::HiResCam) {
        if (a.dim() != 4 || g.sizes() != a.sizes())
            throw ModelError(ErrorCode::BadArgument, {},
                             "CAM activation and gradient must both be (1, C, h, w)");
        cam = (g * a).sum(1)[0];
    } else {
        const at::Tensor w = camChannelWeights(method, a, g);
        cam = (w.view({1, -1, 1, 1}) * a).sum(1)[0];
    }
    return at::relu(cam).contiguous();
}

at::Tensor camToImage(const at::Tensor& map, const ImageGeometry& g, int maxSide) {
    at::Tensor x = map.to(at::kFloat).unsqueeze(0).unsqueeze(0);
    // The map covers the square model input: to the input size, crop the padding (SAM profile),
    // then to the original size.
    x = at::upsample_bilinear2d(x, {g.inputSize, g.inputSize}, false);
    x = x.slice(2, 0, g.inputHeight).slice(3, 0, g.inputWidth);
    int64_t h = g.originalHeight, w = g.originalWidth;
    if (maxSide > 0 && std::max(h, w) > maxSide) {
        const double s = static_cast<double>(maxSide) / static_cast<double>(std::max(h, w));
        h = std::max<int64_t>(1, std::llround(static_cast<double>(h) * s));
        w = std::max<int64_t>(1, std::llround(static_cast<double>(w) * s));
    }
    x = at::upsample_bilinear2d(x, {h, w}, false)[0][0];
    x = x - x.min();
    x = x / (x.max() + 1e-7);
    return x.clamp(0.0, 1.0).contiguous();
}

namespace {

// The low-resolution map (on the model's device) -> the host-side result. Both maps are made
// where the gradients are; only the results cross to the host.
CamResult camResult(const at::Tensor& map, const ImageGeometry& geometry, const CamOptions& options,
                    double target, int candidate) {
    CamResult r;
    r.method = options.method;
    r.block = options.block;
    r.target = target;
    r.candidate = candidate;
    at::NoGradGuard noGrad;
    // The image-sized heatmap is made where the map is and copied once, straight into the
    // result; its peak is found there too (the first maximum, as a row-major scan finds it),
    // instead of a second copy and a scan of a million values on the host.
    const at::Tensor heat = camToImage(map, geometry, options.maxSide).to(at::kFloat).contiguous();
    const at::Tensor raw = map.to(at::kCPU, at::kFloat).contiguous();
    r.rawHeight = static_cast<int>(raw.size(0));
    r.rawWidth = static_cast<int>(raw.size(1));
    r.raw.assign(raw.data_ptr<float>(), raw.data_ptr<float>() + raw.numel());
    r.height = static_cast<int>(heat.size(0));
    r.width = static_cast<int>(heat.size(1));
    r.heatmap.resize(static_cast<size_t>(heat.numel()));
    if (heat.numel() > 0) {
        at::from_blob(r.heatmap.data(), heat.sizes(), at::kFloat).copy_(heat);
        const auto index = static_cast<int>(heat.view({-1}).argmax().item<int64_t>());
        // Back to image pixels when the heatmap is smaller than the image.
        const auto toImage = [](int at, int heatSize, int imageSize) {
            if (heatSize == imageSize)
                return at;
            const double centre = (at + 0.5) * imageSize / heatSize;
            return std::clamp(static_cast<int>(centre), 0, imageSize - 1);
        };
        r.peakX = toImage(index % r.width, r.width, geometry.originalWidth);
        r.peakY = toImage(index / r.width, r.height, geometry.originalHeight);
    }
    return r;
}

} // namespace

CamResult computeCam(const SamModel& model, const ImageEmbedding& embedding, const Prompts& prompts,
                     const CamOptions& options, const at::Tensor& image,
                     const at::Tensor& maskInput) {
    const CamGradients g = camGradients(model, embedding, prompts, options, image, maskInput);
    at::Tensor map;
    {
        at::NoGradGuard noGrad;
        map = camMap(options.method, g.activation, g.gradient);
    }
    return camResult(map, embedding.geometry, options, g.target, g.candidate);
}

std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>
graphableBoxCam(const SamModel& model, CamMethod method) {
    return [&model, method](const std::vector<at::Tensor>& in) {
        // As camGradients: a normal autograd graph even inside inference mode, and copies of the
        // inputs (a graph's input buffers are inference tensors, which autograd cannot save).
        c10::InferenceMode normal(false);
        at::AutoGradMode gradOn(true);
        const at::Tensor leaf = in[0].clone().requires_grad_(true);
        PromptTensors p;
        p.boxes = in[1].clone();
        const at::Tensor logits = model.decodeTensors(leaf, p, false).lowResLogits; // (1,1,h,w)
        const at::Tensor selected = logits.select(1, 0);
        const at::Tensor mask = selected.detach().gt(0).to(selected.scalar_type());
        const at::Tensor target = (selected * mask).sum();
        at::Tensor grad = torch::autograd::grad({target}, {leaf}, {}, /*retain_graph=*/false,
                                                /*create_graph=*/false, /*allow_unused=*/true)[0];
        at::NoGradGuard noGrad;
        if (!grad.defined())
            grad = at::zeros_like(leaf);
        const auto type = leaf.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
        const at::Tensor map =
            camMap(method, leaf.detach().to(type).contiguous(), grad.to(type).contiguous());
        return std::vector<at::Tensor>{map, target.detach().to(at::kFloat)};
    };
}

// One graph per CAM method; created on first use, because most sessions use one method.
struct CamEngine::Graphs {
    std::mutex mutex;
    bool enabled = true;
    bool lastGraphed = false;
    std::array<std::unique_ptr<GraphedFunction>, 3> byMethod;
    std::array<bool, 3> verified{};
    std::string fallbackReason;
};

CamEngine::CamEngine(std::shared_ptr<const SamModel> model, bool cudaGraphs)
    : m_model(std::move(model))
    , m_graphs(std::make_shared<Graphs>()) {
    m_graphs->enabled = cudaGraphs;
}

CamEngine::~CamEngine() = default;

bool CamEngine::lastGraphed() const {
    const std::lock_guard<std::mutex> lock(m_graphs->mutex);
    return m_graphs->lastGraphed;
}

std::string CamEngine::fallbackReason() const {
    const std::lock_guard<std::mutex> lock(m_graphs->mutex);
    return m_graphs->fallbackReason;
}

CamResult CamEngine::compute(const ImageEmbedding& embedding, const Prompts& prompts,
                             const CamOptions& options, const at::Tensor& image,
                             const at::Tensor& maskInput) const {
    const SamModel& model = *m_model;
    const Prompts framed = promptsToInputFrame(prompts, embedding.geometry, embedding.profile);
    bool enabled = false;
    {
        const std::lock_guard<std::mutex> lock(m_graphs->mutex);
        enabled = m_graphs->enabled;
    }
    // The graph holds the mask decoder's pass: another head goes through autograd.
    const bool graphable = enabled && model.device().is_cuda() && options.block < 0 &&
                           !model.usesAutoDecoder(options.head) && !maskInput.defined() &&
                           framed.boxes.size() == 1 && framed.points.empty() && !framed.multimask &&
                           embedding.embedding.defined();
    if (!graphable) {
        const std::lock_guard<std::mutex> lock(m_graphs->mutex);
        m_graphs->lastGraphed = false;
        return computeCam(model, embedding, prompts, options, image, maskInput);
    }
    const BoxPrompt& b = framed.boxes.front();
    const at::Tensor box = at::tensor({b.x0, b.y0, b.x1, b.y1}, at::kFloat)
                               .view({1, 4})
                               .to(model.device(), model.dtype());
    const at::Tensor emb = embedding.embedding.to(model.device(), model.dtype());
    std::vector<at::Tensor> out;
    {
        const std::lock_guard<std::mutex> lock(m_graphs->mutex);
        const auto m = static_cast<size_t>(options.method);
        auto& graph = m_graphs->byMethod.at(m);
        if (!graph)
            graph = std::make_unique<GraphedFunction>(graphableBoxCam(model, options.method));
        out = (*graph)({emb, box});
        m_graphs->lastGraphed = graph->captured();
        if (!graph->captured())
            m_graphs->fallbackReason = graph->fallbackReason();
        if (m_graphs->lastGraphed && !m_graphs->verified.at(m)) {
            // The backward pass runs on autograd's own thread: a capture that missed its kernels
            // would replay a stale map without any error. The first replay is checked once
            // against the eager pass; on a mismatch this engine stays eager.
            CamResult eager = computeCam(model, embedding, prompts, options, image, maskInput);
            const at::Tensor ref = at::tensor(eager.raw);
            const at::Tensor got = out[0].to(at::kCPU, at::kFloat).reshape({-1});
            const double scale = std::max(ref.abs().max().item<double>(), 1e-12);
            const double limit = model.dtype() == at::kFloat ? 1e-3 : 5e-2;
            const double error = got.numel() == ref.numel()
                                     ? (got - ref).abs().max().item<double>() / scale
                                     : std::numeric_limits<double>::infinity();
            if (!(error <= limit)) {
                m_graphs->fallbackReason =
                    "the first replay differed from the eager pass (relative "
                    "error " +
                    std::to_string(error) + ")";
                m_graphs->enabled = false;
                m_graphs->byMethod = {};
                m_graphs->lastGraphed = false;
                return eager;
            }
            m_graphs->verified.at(m) = true;
        }
    }
    // The one host read of the call, after the heatmap's work is queued behind it.
    CamResult r = camResult(out[0], embedding.geometry, options, 0.0, 0);
    r.target = out[1].item<double>();
    return r;
}

} // namespace dermsam
