#include "model/sam_model.h"

#include "model/compact_encoder.h"
#include "model/image_encoder_tinyvit.h"
#include "model/image_encoder_vit.h"
#include "model/model_error.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/module.h>

#include <ATen/core/grad_mode.h>

#include <sstream>
#include <string>
#include <utility>

namespace dermsam {
namespace {

std::string shapeString(const at::IntArrayRef& s) {
    std::ostringstream o;
    o << "(";
    for (size_t i = 0; i < s.size(); ++i)
        o << (i ? ", " : "") << s[i];
    o << ")";
    return o.str();
}

std::string joinLimited(const std::vector<std::string>& keys) {
    std::string out;
    const size_t shown = std::min<size_t>(keys.size(), 8);
    for (size_t i = 0; i < shown; ++i)
        out += (i ? ", " : "") + keys[i];
    if (keys.size() > shown)
        out += ", ... (" + std::to_string(keys.size()) + " in all)";
    return out;
}

// The first-layer weights the decoder cache was computed with, by name.
const char* const kCachedWeights[] = {
    "transformer.layers.0.cross_attn_token_to_image.k_proj.weight",
    "transformer.layers.0.cross_attn_token_to_image.k_proj.bias",
    "transformer.layers.0.cross_attn_token_to_image.v_proj.weight",
    "transformer.layers.0.cross_attn_token_to_image.v_proj.bias",
    "transformer.layers.0.cross_attn_image_to_token.q_proj.weight",
    "transformer.layers.0.cross_attn_image_to_token.q_proj.bias",
};

} // namespace

struct SamModel::DecoderCacheEntry {
    // The embedding itself is held, so its address cannot be reused by another image while the
    // entry lives; its version counter (when it has one) catches in-place changes.
    at::Tensor embedding;
    const void* embeddingData = nullptr;
    int64_t embeddingVersion = -1;
    at::Tensor pe;
    at::Tensor noMask;               // (C) the dense no-mask embedding it was built with
    std::vector<at::Tensor> weights; // copies of kCachedWeights: fine-tuning changes them in place
    FirstLayerCache layer;

    static int64_t versionOf(const at::Tensor& t) {
        return t.is_inference() ? -1 : static_cast<int64_t>(t._version());
    }
    bool matches(const at::Tensor& e, const at::Tensor& p, const at::Tensor& dense,
                 const std::vector<at::Tensor>& current) const {
        if (!embedding.is_same(e) || e.data_ptr() != embeddingData ||
            versionOf(e) != embeddingVersion || !pe.is_same(p))
            return false;
        if (!at::equal(noMask, dense.select(0, 0).select(1, 0).select(1, 0)))
            return false;
        for (size_t i = 0; i < weights.size(); ++i) {
            if (!at::equal(weights[i], current[i]))
                return false;
        }
        return true;
    }
};

SamModel::SamModel(const SamArchitecture& arch)
    : m_arch(arch)
    , m_modules(std::make_unique<SamModules>()) {
    // Also for architectures built in code: a zero or huge number would fail far inside
    // LibTorch (a division by zero is a crash, not an exception).
    arch.validate();
    m_modules->root = std::make_shared<torch::nn::Module>("Sam");
    if (arch.encoder == "vit")
        m_modules->imageEncoder = std::make_shared<ImageEncoderVit>(arch);
    else if (arch.encoder == "compact")
        m_modules->imageEncoder = std::make_shared<CompactEncoder>(arch);
    else if (arch.encoder == "tinyvit")
        m_modules->imageEncoder = std::make_shared<ImageEncoderTinyVit>(arch);
    else
        throw ModelError(ErrorCode::UnknownArchitecture, {}, "encoder '" + arch.encoder + "'");
    m_modules->promptEncoder = PromptEncoder(arch.outChans, arch.embeddingSize(), arch.imgSize);
    m_modules->maskDecoder = MaskDecoder(arch.outChans);
    m_modules->root->register_module("image_encoder", m_modules->imageEncoder);
    m_modules->root->register_module("prompt_encoder", m_modules->promptEncoder.ptr());
    m_modules->root->register_module("mask_decoder", m_modules->maskDecoder.ptr());
    m_modules->root->eval();
}

SamModel::~SamModel() = default;

namespace {

// A second decoder that starts where `from` is, on its device and in its dtype.
MaskDecoder copyOfDecoder(const MaskDecoder& from, int outChans, c10::Device device,
                          c10::ScalarType dtype) {
    MaskDecoder decoder(outChans);
    decoder->to(device, dtype);
    {
        at::NoGradGuard noGrad;
        auto params = from->named_parameters(true);
        for (auto& p : decoder->named_parameters(true))
            p.value().copy_(params[p.key()]);
        auto fromBuffers = from->named_buffers(true);
        for (auto& b : decoder->named_buffers(true))
            b.value().copy_(fromBuffers[b.key()]);
    }
    decoder->eval();
    return decoder;
}

} // namespace

std::unique_ptr<SamModel> SamModel::fromStateDict(const TensorMap& tensors) {
    auto model = std::make_unique<SamModel>(SamArchitecture::fromStateDict(tensors));
    // From "auto_decoder." on, the first key is one of the Auto decoder's if it has any (a
    // bound of "auto_decoder" alone would stop first at a key such as "auto_decoder-x").
    const auto autoKey = tensors.lower_bound(std::string(kAutoDecoderModule) + '.');
    if (autoKey != tensors.end() && isAutoDecoderKey(autoKey->first))
        model->addAutoDecoder();
    const auto refineKey = tensors.lower_bound(std::string(kRefineDecoderModule) + '.');
    if (refineKey != tensors.end() && isRefineDecoderKey(refineKey->first))
        model->addRefineDecoder();
    model->loadStateDict(tensors);
    return model;
}

bool SamModel::hasAutoDecoder() const {
    return static_cast<bool>(m_modules->autoDecoder);
}

void SamModel::addAutoDecoder() {
    if (hasAutoDecoder())
        return;
    m_modules->autoDecoder =
        copyOfDecoder(m_modules->maskDecoder, m_arch.outChans, m_device, m_dtype);
    m_modules->root->register_module(std::string(kAutoDecoderModule), m_modules->autoDecoder.ptr());
}

bool SamModel::hasRefineDecoder() const {
    return static_cast<bool>(m_modules->refineDecoder);
}

void SamModel::addRefineDecoder() {
    if (hasRefineDecoder())
        return;
    m_modules->refineDecoder =
        copyOfDecoder(m_modules->maskDecoder, m_arch.outChans, m_device, m_dtype);
    m_modules->root->register_module(std::string(kRefineDecoderModule),
                                     m_modules->refineDecoder.ptr());
}

void SamModel::loadStateDict(const TensorMap& tensors) {
    auto params = m_modules->root->named_parameters(true);
    auto buffers = m_modules->root->named_buffers(true);
    std::vector<std::string> missing;
    std::map<std::string, at::Tensor> targets;
    for (const auto& p : params)
        targets[p.key()] = p.value();
    for (const auto& b : buffers)
        targets[b.key()] = b.value();
    for (const auto& kv : targets) {
        if (!tensors.count(kv.first))
            missing.push_back(kv.first);
    }
    if (!missing.empty())
        throw ModelError(ErrorCode::MissingKeys, {}, "missing keys: " + joinLimited(missing));
    // TinyViT's attention_bias_idxs is not a parameter (upstream does not save it), but a file
    // that has it is read: the index it holds is used.
    auto* tinyVit = dynamic_cast<ImageEncoderTinyVit*>(m_modules->imageEncoder.get());
    const std::string encoderPrefix = "image_encoder.";
    std::vector<std::pair<std::string, at::Tensor>> extras;
    std::vector<std::string> unexpected;
    for (const auto& kv : tensors) {
        if (targets.count(kv.first))
            continue;
        if (tinyVit && kv.first.rfind(encoderPrefix, 0) == 0 &&
            ImageEncoderTinyVit::isExtraTensorName(kv.first))
            extras.emplace_back(kv.first.substr(encoderPrefix.size()), kv.second);
        else
            unexpected.push_back(kv.first);
    }
    if (!unexpected.empty())
        throw ModelError(ErrorCode::UnexpectedKeys, {},
                         "unexpected keys: " + joinLimited(unexpected));
    for (const auto& kv : targets) {
        const at::Tensor& src = tensors.at(kv.first);
        if (src.sizes() != kv.second.sizes())
            throw ModelError(ErrorCode::ShapeMismatch, {},
                             kv.first + ": expected " + shapeString(kv.second.sizes()) +
                                 ", found " + shapeString(src.sizes()));
    }
    for (const auto& [name, value] : extras)
        if (!tinyVit->loadExtraTensor(name, value))
            throw ModelError(ErrorCode::UnexpectedKeys, {},
                             "unexpected keys: " + encoderPrefix + name);
    at::NoGradGuard noGrad;
    for (auto& kv : targets)
        kv.second.copy_(tensors.at(kv.first));
    m_densePe = at::Tensor();
    const std::lock_guard<std::mutex> lock(m_cacheMutex);
    m_decoderCache.reset();
}

TensorMap SamModel::stateDict() const {
    TensorMap out;
    for (const auto& p : m_modules->root->named_parameters(true))
        out[p.key()] = p.value().detach().to(at::kCPU, at::kFloat).clone();
    for (const auto& b : m_modules->root->named_buffers(true))
        out[b.key()] = b.value().detach().to(at::kCPU, at::kFloat).clone();
    return out;
}

void SamModel::to(c10::Device device, c10::ScalarType dtype) {
    m_modules->root->to(device, dtype);
    m_densePe = at::Tensor();
    {
        const std::lock_guard<std::mutex> lock(m_cacheMutex);
        m_decoderCache.reset();
    }
    m_device = device;
    m_dtype = dtype;
}

void SamModel::checkEncoderInput(const at::Tensor& input) const {
    if (!input.defined() || input.dim() != 4 || input.size(0) < 1 || input.size(1) != 3 ||
        input.size(2) != m_arch.imgSize || input.size(3) != m_arch.imgSize)
        throw ModelError(ErrorCode::BadImage, {},
                         "encoder input must be (B, 3, " + std::to_string(m_arch.imgSize) + ", " +
                             std::to_string(m_arch.imgSize) + ") with B >= 1, got " +
                             (input.defined() ? shapeString(input.sizes()) : "none"));
}

void SamModel::checkDecoderInputs(const at::Tensor& embedding, const PromptTensors& p) const {
    // Shapes only (host metadata, no device sync): this runs on every millisecond decode and
    // inside CUDA-graph capture. Without it an empty batch divides by zero in the decoder.
    const int64_t grid = m_arch.embeddingSize();
    if (!embedding.defined() || embedding.dim() != 4 || embedding.size(0) < 1 ||
        embedding.size(1) != m_arch.outChans || embedding.size(2) != grid ||
        embedding.size(3) != grid)
        throw ModelError(ErrorCode::BadArgument, {},
                         "image embedding must be (B, " + std::to_string(m_arch.outChans) + ", " +
                             std::to_string(grid) + ", " + std::to_string(grid) +
                             ") with B >= 1, got " +
                             (embedding.defined() ? shapeString(embedding.sizes()) : "none"));
    int64_t n = -1; // prompts in the batch, as the prompt encoder counts them
    const auto batch = [&n](const at::Tensor& t, const char* what, int64_t rank,
                            std::initializer_list<int64_t> tail) {
        bool ok = t.dim() == rank && t.size(0) >= 1;
        int64_t d = 1;
        for (const int64_t want : tail) {
            ok = ok && (want < 0 || t.size(d) == want);
            ++d;
        }
        if (!ok)
            throw ModelError(ErrorCode::BadPrompt, {},
                             std::string(what) + " has shape " + shapeString(t.sizes()));
        if (n < 0)
            n = t.size(0);
        else if (t.size(0) != n)
            throw ModelError(ErrorCode::BadPrompt, {},
                             std::string(what) + " holds " + std::to_string(t.size(0)) +
                                 " prompts, the others " + std::to_string(n));
    };
    if (p.pointCoords.defined() != p.pointLabels.defined())
        throw ModelError(ErrorCode::BadPrompt, {}, "points need both coordinates and labels");
    if (p.pointCoords.defined()) {
        batch(p.pointCoords, "point coordinates", 3, {-1, 2});
        batch(p.pointLabels, "point labels", 2, {p.pointCoords.size(1)});
    }
    if (p.boxes.defined())
        batch(p.boxes, "boxes", 2, {4});
    if (p.maskInput.defined())
        batch(p.maskInput, "mask input", 4, {1, 4 * grid, 4 * grid});
    if (n < 0)
        n = 1; // no prompt at all: the decoder's own no-prompt path
    if (n % embedding.size(0) != 0)
        throw ModelError(ErrorCode::BadArgument, {},
                         std::to_string(embedding.size(0)) + " image embeddings for " +
                             std::to_string(n) + " prompts");
}

at::Tensor SamModel::encode(const at::Tensor& input) const {
    checkEncoderInput(input);
    return m_modules->imageEncoder->forward(input.to(m_device, m_dtype));
}

at::Tensor SamModel::encode(const at::Tensor& input, const std::function<bool()>& stop,
                            EncodeResume* resume) const {
    if (!stop)
        return encode(input);
    if (stop())
        throw ModelError(ErrorCode::Cancelled, {}, "encode stopped");
    checkEncoderInput(input);
    // Every finished block is a place to resume from; stop() is also asked inside blocks, so
    // an encode gives way within milliseconds of a user's request, losing only the block under
    // way.
    EncodeResume last = resume ? std::exchange(*resume, EncodeResume{}) : EncodeResume{};
    const auto observer = [&](int block, const at::Tensor& x) {
        last = EncodeResume{block, x};
        if (stop())
            throw ModelError(ErrorCode::Cancelled, {}, "encode stopped");
        return x;
    };
    ImageEncoderBase& encoder = *m_modules->imageEncoder;
    const at::Tensor in = input.to(m_device, m_dtype);
    try {
        at::Tensor out = encoder.forwardFrom(in, last.done, last.activation, observer, stop);
        if (!out.defined()) {
            last = EncodeResume{};
            out = encoder.forwardObserved(in, observer);
        }
        return out;
    } catch (const ModelError& e) {
        if (resume && e.code() == ErrorCode::Cancelled)
            *resume = last;
        throw;
    }
}

DecoderOutput SamModel::decode(const at::Tensor& embedding, const Prompts& prompts,
                               const at::Tensor& maskInput, DecoderHead head) const {
    if (prompts.empty() && !maskInput.defined())
        throw ModelError(ErrorCode::BadPrompt, {}, "no prompt");
    PromptTensors t;
    const auto f = at::TensorOptions().dtype(at::kFloat);
    const int64_t n = prompts.boxes.empty() ? 1 : static_cast<int64_t>(prompts.boxes.size());
    if (!prompts.boxes.empty()) {
        t.boxes = at::empty({n, 4}, f);
        auto a = t.boxes.accessor<float, 2>();
        for (int64_t i = 0; i < n; ++i) {
            const BoxPrompt& b = prompts.boxes[static_cast<size_t>(i)];
            a[i][0] = b.x0;
            a[i][1] = b.y0;
            a[i][2] = b.x1;
            a[i][3] = b.y1;
        }
    }
    if (!prompts.points.empty()) {
        const int64_t p = static_cast<int64_t>(prompts.points.size());
        at::Tensor coords = at::empty({1, p, 2}, f);
        at::Tensor labels = at::empty({1, p}, f);
        auto c = coords.accessor<float, 3>();
        auto l = labels.accessor<float, 2>();
        for (int64_t i = 0; i < p; ++i) {
            const PointPrompt& pt = prompts.points[static_cast<size_t>(i)];
            c[0][i][0] = pt.x;
            c[0][i][1] = pt.y;
            l[0][i] = static_cast<float>(pt.label);
        }
        // Points join every box of the batch (a single box in the usual case).
        t.pointCoords = coords.expand({n, p, 2}).contiguous();
        t.pointLabels = labels.expand({n, p}).contiguous();
    }
    if (maskInput.defined()) {
        // Checked here, where a wrong shape would otherwise surface as a LibTorch error deep in
        // the prompt encoder.
        const int64_t size = 4 * int64_t{m_arch.embeddingSize()};
        if (maskInput.dim() != 4 || (maskInput.size(0) != n && maskInput.size(0) != 1) ||
            maskInput.size(1) != 1 || maskInput.size(2) != size || maskInput.size(3) != size)
            throw ModelError(ErrorCode::BadPrompt, {},
                             "mask input must be (1, 1, " + std::to_string(size) + ", " +
                                 std::to_string(size) + ") logits, one per box or one for all");
        t.maskInput = maskInput.size(0) == n ? maskInput : maskInput.expand({n, -1, -1, -1});
    }
    return decodeTensors(embedding, t, prompts.multimask, head);
}

DecoderOutput SamModel::decodeTensors(const at::Tensor& embedding, const PromptTensors& p,
                                      bool multimask, DecoderHead head) const {
    checkDecoderInputs(embedding, p);
    auto dev = [this](const at::Tensor& x) { return x.defined() ? x.to(m_device, m_dtype) : x; };
    auto [sparse, dense] = m_modules->promptEncoder->forward(dev(p.pointCoords), dev(p.pointLabels),
                                                             dev(p.boxes), dev(p.maskInput));
    const at::Tensor image = dev(embedding);
    const at::Tensor pe = denseImagePositionalEncoding();
    // Without a mask prompt the dense embedding is the constant no-mask one, so the first
    // decoder layer's image side is the same for every prompt on this image. Not with autograd:
    // Grad-CAM and training need gradients through that part.
    // Not on CUDA either: its validity checks read values back to the host, which a
    // millisecond decode cannot afford and a CUDA graph cannot contain, and a graph replays new
    // embeddings through the same buffer, which the cache would take for the old image.
    // The Auto decoder decodes a few times per image, uncached: the cache holds the main one's.
    const bool useAuto = usesAutoDecoder(head);
    const bool useRefine = !useAuto && p.maskInput.defined() && hasRefineDecoder();
    std::shared_ptr<const DecoderCacheEntry> cache;
    if (!useAuto && !at::GradMode::is_enabled() && !p.maskInput.defined() && sparse.size(0) == 1 &&
        image.size(0) == 1 && !image.is_cuda())
        cache = decoderCache(image, pe, dense);
    MaskDecoder decoder = useAuto     ? m_modules->autoDecoder
                          : useRefine ? m_modules->refineDecoder
                                      : m_modules->maskDecoder;
    auto [masks, iou] =
        decoder->forward(image, pe, sparse, dense, multimask, cache ? &cache->layer : nullptr);
    return {masks, iou};
}

std::shared_ptr<const SamModel::DecoderCacheEntry>
SamModel::decoderCache(const at::Tensor& embedding, const at::Tensor& pe,
                       const at::Tensor& dense) const {
    const auto params = m_modules->maskDecoder->named_parameters(true);
    std::vector<at::Tensor> weights;
    for (const char* name : kCachedWeights)
        weights.push_back(params[name]);
    {
        const std::lock_guard<std::mutex> lock(m_cacheMutex);
        if (m_decoderCache && m_decoderCache->matches(embedding, pe, dense, weights))
            return m_decoderCache;
    }
    // Normal (not inference) tensors, usable whatever mode the next decode runs in.
    c10::InferenceMode normal(false);
    at::NoGradGuard noGrad;
    auto entry = std::make_shared<DecoderCacheEntry>();
    entry->embedding = embedding;
    entry->embeddingData = embedding.data_ptr();
    entry->embeddingVersion = DecoderCacheEntry::versionOf(embedding);
    entry->pe = pe;
    entry->noMask = dense.select(0, 0).select(1, 0).select(1, 0).clone();
    for (const at::Tensor& w : weights)
        entry->weights.push_back(w.detach().clone());
    entry->layer = m_modules->maskDecoder->buildImageCache(embedding, pe, dense);
    const std::lock_guard<std::mutex> lock(m_cacheMutex);
    m_decoderCache = entry;
    return entry;
}

at::Tensor SamModel::denseImagePositionalEncoding() const {
    if (!m_densePe.defined() || m_densePe.device() != m_device ||
        m_densePe.scalar_type() != m_dtype) {
        // A normal (not inference) tensor without grad, usable by inference and training alike.
        c10::InferenceMode normal(false);
        at::NoGradGuard noGrad;
        m_densePe = m_modules->promptEncoder->densePositionalEncoding();
    }
    return m_densePe;
}

int64_t SamModel::parameterCount() const {
    return parameterCount("");
}

int64_t SamModel::parameterCount(const std::string& prefix) const {
    int64_t n = 0;
    for (const auto& p : m_modules->root->named_parameters(true)) {
        if (prefix.empty() || p.key().rfind(prefix + ".", 0) == 0)
            n += p.value().numel();
    }
    return n;
}

} // namespace dermsam
