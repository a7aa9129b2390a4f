#include "model/trainer.h"

#include "model/adamw_step.h"
#include "model/autocast.h"
#include "model/cuda_graph.h"
#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace dermsam {
namespace {

// On CUDA the step loop reads the loss back only this often: each read waits for the device.
constexpr int64_t kCudaLossReadInterval = 32;

} // namespace

std::string pointMasksName(PointMasks m) {
    switch (m) {
    case PointMasks::Single:
        return "single";
    case PointMasks::Both:
        return "both";
    case PointMasks::BestOfThree:
        break;
    }
    return "best3";
}

PointMasks pointMasksFromName(const std::string& name) {
    if (name == "best3")
        return PointMasks::BestOfThree;
    if (name == "single")
        return PointMasks::Single;
    if (name == "both")
        return PointMasks::Both;
    throw ModelError(ErrorCode::BadArgument, {}, "point masks must be best3, single or both");
}

std::string dataPlacementName(DataPlacement p) {
    switch (p) {
    case DataPlacement::Device:
        return "on";
    case DataPlacement::Host:
        return "off";
    case DataPlacement::Auto:
        break;
    }
    return "auto";
}

DataPlacement dataPlacementFromName(const std::string& name) {
    if (name == "auto")
        return DataPlacement::Auto;
    if (name == "on")
        return DataPlacement::Device;
    if (name == "off")
        return DataPlacement::Host;
    throw ModelError(ErrorCode::BadArgument, {}, "data on device must be auto, on or off");
}

struct Trainer::Impl {
    SamModel& model;
    PreprocessProfile profile;
    TrainOptions opt;
    std::vector<std::string> names;
    std::vector<at::Tensor> params;
    std::unique_ptr<torch::optim::AdamW> optimizer;
    at::Generator gen;    // on the training device: augmentation, jitter, point sampling
    at::Generator cpuGen; // shuffling and per-batch prompt choices
    c10::Device device;
    int64_t totalSteps = 1;

    // A training set as the step loop reads it: resident on the device, or left in host memory
    // and staged per batch. Remembered by the host tensor's storage so validation does not copy
    // its set again every epoch.
    struct Placed {
        at::Tensor host; // held so that its storage, the cache key, cannot be reused meanwhile
        const void* source = nullptr;
        int64_t count = -1;
        bool resident = false;
        at::Tensor data;  // embeddings (float16) or images (uint8)
        at::Tensor masks; // uint8
    };
    Placed trainPlaced, valPlaced;
    bool lastResident = false;
    std::unique_ptr<GraphedStep> boxStep;
    std::string stepMode = "eager";

    Impl(SamModel& m, PreprocessProfile p, TrainOptions o)
        : model(m)
        , profile(p)
        , opt(std::move(o))
        , device(m.device()) {
        gen = device.is_cpu() ? at::make_generator<at::CPUGeneratorImpl>(uint64_t(opt.seed))
                              : at::globalContext().defaultGenerator(device);
        cpuGen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(opt.seed));
    }

    bool trainable(const std::string& key) const {
        if (opt.trainAutoDecoder)
            return isAutoDecoderKey(key);
        if (opt.trainMaskPrompt)
            return key.rfind("prompt_encoder.mask_downscaling.", 0) == 0 || isRefineDecoderKey(key);
        if (key.rfind("mask_decoder.", 0) == 0)
            return true;
        if (key.rfind("prompt_encoder.", 0) == 0)
            return opt.trainPromptEncoder;
        if (key.rfind("image_encoder.", 0) == 0)
            return opt.trainImageEncoder;
        return false;
    }

    void setTrainMode(bool training) {
        SamModules& m = model.modules();
        m.root->eval();
        if (!training)
            return;
        if (opt.trainAutoDecoder) {
            m.autoDecoder->train();
            return;
        }
        if (opt.trainMaskPrompt) {
            m.promptEncoder->train();
            m.refineDecoder->train();
            return;
        }
        m.maskDecoder->train();
        if (opt.trainImageEncoder)
            m.imageEncoder->train();
        if (opt.trainPromptEncoder)
            m.promptEncoder->train();
    }

    // Normalise a batch of images (0..255) the way the profile's preprocessing does.
    at::Tensor normalise(const at::Tensor& images) const {
        if (profile == PreprocessProfile::MedSam || profile == PreprocessProfile::LiteMedSam) {
            const at::Tensor lo = images.amin({1, 2, 3}, true);
            const at::Tensor hi = images.amax({1, 2, 3}, true);
            return (images - lo) / (hi - lo).clamp_min(1e-8);
        }
        return normaliseMeanStd(images);
    }

    // Boxes (B, 4) in the input frame from targets in a frame of `frame` pixels, with MedSAM's
    // outward jitter (0..J px per side, J given in the 1024 frame) and optional relative jitter.
    at::Tensor promptBoxes(const at::Tensor& masks, bool jitter) {
        const double inputSize = model.architecture().imgSize;
        const double frame = static_cast<double>(masks.size(2));
        at::Tensor boxes = maskBoxes(masks) * (inputSize / frame);
        if (!jitter)
            return boxes;
        const int64_t b = boxes.size(0);
        const auto o = boxes.options();
        const double j = opt.boxJitter * inputSize / 1024.0;
        // Built on the device: a tensor from host values would be a synchronising copy.
        const at::Tensor sign = at::cat({at::full({2}, -1.0, o), at::full({2}, 1.0, o)});
        boxes = boxes + sign * at::empty({b, 4}, o).uniform_(0, j, gen);
        if (opt.boxJitterFraction > 0) {
            const at::Tensor w = (boxes.select(1, 2) - boxes.select(1, 0)).unsqueeze(1);
            const at::Tensor h = (boxes.select(1, 3) - boxes.select(1, 1)).unsqueeze(1);
            const at::Tensor side = at::cat({w, h, w, h}, 1);
            boxes = boxes + side * at::empty({b, 4}, o).uniform_(-opt.boxJitterFraction,
                                                                 opt.boxJitterFraction, gen);
        }
        boxes = boxes.clamp(0.0, inputSize - 1);
        // Keep corners ordered after jitter.
        const at::Tensor x0 = at::minimum(boxes.select(1, 0), boxes.select(1, 2));
        const at::Tensor x1 = at::maximum(boxes.select(1, 0), boxes.select(1, 2));
        const at::Tensor y0 = at::minimum(boxes.select(1, 1), boxes.select(1, 3));
        const at::Tensor y1 = at::maximum(boxes.select(1, 1), boxes.select(1, 3));
        return at::stack({x0, y0, x1, y1}, 1);
    }

    DecoderHead trainedHead() const {
        return opt.trainAutoDecoder ? DecoderHead::Auto : DecoderHead::Main;
    }

    // Auto's first prompt (core/auto_segment): a box over the whole input frame, the same for
    // every sample, whatever the targets.
    at::Tensor frameBoxes(const at::Tensor& masks) const {
        const double last = model.architecture().imgSize - 1.0;
        const auto o = masks.options().dtype(at::kFloat);
        return at::tensor({0.0f, 0.0f, float(last), float(last)}, o.device(at::kCPU))
            .to(o.device())
            .expand({masks.size(0), 4})
            .contiguous();
    }

    // One foreground point per sample drawn inside the mask, optionally one background point
    // drawn inside the box but outside the mask.
    void promptPoints(const at::Tensor& masks, bool withNegative, at::Tensor& coords,
                      at::Tensor& labels) {
        const double inputSize = model.architecture().imgSize;
        const int64_t b = masks.size(0), s = masks.size(2);
        const at::Tensor flat = masks.reshape({b, -1}).to(at::kFloat);
        auto draw = [&](const at::Tensor& weights) {
            const at::Tensor w = weights + 1e-12;
            // On CUDA multinomial checks its input with a read to the host; the exponential race
            // (argmax of w / E, E ~ Exp(1)) draws from the same distribution without one. The CPU
            // keeps multinomial so that CPU runs repeat those made before.
            const at::Tensor idx = device.is_cuda()
                                       ? (w / at::empty_like(w).exponential_(1.0, gen)).argmax(1)
                                       : at::multinomial(w, 1, false, gen).squeeze(1);
            const at::Tensor y = at::floor_divide(idx, s).to(at::kFloat);
            const at::Tensor x = at::remainder(idx, s).to(at::kFloat);
            return at::stack({x, y}, 1) * (inputSize / double(s));
        };
        std::vector<at::Tensor> pts{draw(flat)};
        std::vector<at::Tensor> lab{at::ones({b}, flat.options())};
        if (withNegative) {
            pts.push_back(draw(1.0 - flat));
            lab.push_back(at::zeros({b}, flat.options()));
        }
        coords = at::stack(pts, 1);
        labels = at::stack(lab, 1);
    }

    // Mask prompts (B, 1, L, L) logits of +-kMaskPromptLogit, as the viewer sends an edited mask,
    // for targets (B, 1, L, L) 0/1 and their box prompts, three kinds drawn per sample:
    // - 25 %: the model's own answer to the box, what Refine sends before any edit;
    // - 35 %: that answer with the expert mask pasted into three discs (6-16 px of the low-res
    //   frame) centred on its errors, as brush and eraser strokes along a wrong edge leave it:
    //   the edits are right, and the answer should keep them;
    // - 40 %: the expert mask with its outline moved in or out (2 or 5 px, or not at all), then
    //   smooth patches within 12 px of the outline flipped: a rough outline to fit to the edge.
    at::Tensor maskPromptsLike(const at::Tensor& targets, const at::Tensor& embeddings,
                               const at::Tensor& boxes) {
        at::NoGradGuard ng;
        const int64_t b = targets.size(0), l = targets.size(2);
        const auto o = targets.options();
        const auto dilate = [](const at::Tensor& m, int64_t r) {
            return at::max_pool2d(m, {2 * r + 1, 2 * r + 1}, {1, 1}, {r, r});
        };
        const auto erode = [&](const at::Tensor& m, int64_t r) { return 1 - dilate(1 - m, r); };
        const at::Tensor shapes = at::stack(
            {targets, dilate(targets, 2), erode(targets, 2), dilate(targets, 5), erode(targets, 5)},
            0);
        const at::Tensor pick = at::randint(5, {b}, gen, o.dtype(at::kLong));
        at::Tensor m = shapes.index({pick, at::arange(b, o.dtype(at::kLong))});
        const at::Tensor band = dilate(targets, 12) - erode(targets, 12);
        const at::Tensor noise =
            at::upsample_bilinear2d(at::empty({b, 1, 8, 8}, o).uniform_(0, 1, gen), {l, l}, false);
        const at::Tensor threshold = at::empty({b, 1, 1, 1}, o).uniform_(0.6, 1.0, gen);
        m = (m - band * (noise > threshold).to(o.dtype())).abs();
        PromptTensors p;
        p.boxes = boxes;
        const at::Tensor own =
            (model.decodeTensors(embeddings, p, false).lowResLogits.to(at::kFloat) > 0)
                .to(o.dtype());
        const at::Tensor wrong = (own != targets).to(o.dtype()).reshape({b, -1}) + 1e-12;
        const at::Tensor coords = at::arange(l, o);
        at::Tensor discs = at::zeros_like(targets);
        for (int k = 0; k < 3; ++k) {
            // A draw proportional to `wrong` (the exponential race; see promptPoints).
            const at::Tensor idx = (wrong / at::empty_like(wrong).exponential_(1.0, gen)).argmax(1);
            const at::Tensor y = at::floor_divide(idx, l).to(o.dtype()).view({b, 1, 1, 1});
            const at::Tensor x = at::remainder(idx, l).to(o.dtype()).view({b, 1, 1, 1});
            const at::Tensor r = at::empty({b, 1, 1, 1}, o).uniform_(6, 16, gen);
            const at::Tensor d2 =
                (coords.view({1, 1, l, 1}) - y).square() + (coords.view({1, 1, 1, l}) - x).square();
            discs = at::maximum(discs, (d2 <= r.square()).to(o.dtype()));
        }
        const at::Tensor edited = at::where(discs > 0, targets, own);
        const at::Tensor kind = at::empty({b, 1, 1, 1}, o).uniform_(0, 1, gen);
        m = at::where(kind < 0.25, own, at::where(kind < 0.6, edited, m));
        return (m * 2 - 1) * kMaskPromptLogit;
    }

    // Loss per sample and mask: Dice (squared denominators) + BCE, both means over pixels.
    static at::Tensor segmentationLoss(const at::Tensor& logits, const at::Tensor& target) {
        const at::Tensor p = at::sigmoid(logits);
        const at::Tensor t = target.expand_as(logits);
        const double eps = 1e-6;
        const at::Tensor inter = (p * t).sum({2, 3});
        const at::Tensor denom = (p * p).sum({2, 3}) + (t * t).sum({2, 3});
        const at::Tensor dice = 1 - (2 * inter + eps) / (denom + eps);
        const at::Tensor bce =
            at::binary_cross_entropy_with_logits(logits, t, {}, {}, at::Reduction::None)
                .mean({2, 3});
        return dice + bce;
    }

    static at::Tensor hardIou(const at::Tensor& logits, const at::Tensor& target) {
        const at::Tensor p = (logits > 0).to(at::kFloat);
        const at::Tensor t = target.expand_as(logits);
        const at::Tensor inter = (p * t).sum({2, 3});
        const at::Tensor uni = (p + t).clamp_max(1).sum({2, 3});
        return at::where(uni > 0, inter / uni.clamp_min(1), at::ones_like(uni));
    }

    // Copies the set to the device when asked or when it fits with room to spare for a step's
    // activations (checked by allocating that room once: the caching allocator keeps it for the
    // steps). On the CPU the host tensors are used as they are.
    const Placed& place(const TrainingSet& set, Placed& slot) {
        const at::Tensor& data = set.hasEmbeddings() ? set.embeddings : set.images;
        if (!data.defined())
            return slot;
        if (slot.source == data.data_ptr() && slot.count == set.size())
            return slot;
        slot = Placed{};
        slot.host = data;
        slot.source = data.data_ptr();
        slot.count = set.size();
        if (device.is_cpu()) {
            slot.resident = true;
            slot.data = data;
            slot.masks = set.masks;
            return slot;
        }
        if (opt.dataPlacement == DataPlacement::Host)
            return slot;
        try {
            at::Tensor d = data.to(device);
            at::Tensor m = set.masks.to(device);
            if (opt.dataPlacement == DataPlacement::Auto) {
                // Room for a step: about 48 MiB of float32 activations and gradients per sample
                // of the decoder at a 64 x 64 embedding, plus 2 GiB for everything else.
                const int64_t perSample = int64_t(48) << 20;
                const int64_t margin = (int64_t(2) << 30) + perSample * opt.batchSize;
                at::empty({margin}, at::TensorOptions().dtype(at::kByte).device(device));
            }
            slot.data = std::move(d);
            slot.masks = std::move(m);
            slot.resident = true;
        } catch (const c10::Error&) {
            if (opt.dataPlacement == DataPlacement::Device)
                throw ModelError(ErrorCode::BadArgument, {},
                                 "the training set does not fit in device memory");
        }
        return slot;
    }

    struct Batch {
        at::Tensor embeddings; // (B, 256, g, g), with grad when the encoder trains
        at::Tensor targets;    // (B, 1, L, L) float 0/1 in the decoder's output frame
    };

    // Gathers rows `idx` (host indices; `idxDevice` the same on the device when resident) of a
    // placed set onto the device: an index on the device when resident, else a gather in host
    // memory staged through pinned memory with an asynchronous copy.
    std::pair<at::Tensor, at::Tensor> gather(const TrainingSet& set, const Placed& placed,
                                             const at::Tensor& idx, const at::Tensor& idxDevice) {
        if (placed.resident)
            return {placed.data.index_select(0, idxDevice),
                    placed.masks.index_select(0, idxDevice)};
        const at::Tensor& data = set.hasEmbeddings() ? set.embeddings : set.images;
        at::Tensor d = data.index_select(0, idx);
        at::Tensor m = set.masks.index_select(0, idx);
        if (device.is_cuda()) {
            d = d.pin_memory();
            m = m.pin_memory();
        }
        return {d.to(device, d.scalar_type(), /*non_blocking=*/true),
                m.to(device, m.scalar_type(), /*non_blocking=*/true)};
    }

    Batch makeBatch(const TrainingSet& set, const Placed& placed, const at::Tensor& idx,
                    const at::Tensor& idxDevice, bool augment) {
        Batch out;
        const int lowRes = 4 * model.architecture().embeddingSize();
        auto [data, masks] = gather(set, placed, idx, idxDevice);
        if (set.hasEmbeddings()) {
            out.embeddings = data.to(at::kFloat);
            out.targets = masks.to(at::kFloat);
            return out;
        }
        const int size = model.architecture().imgSize;
        AugmentOptions a = opt.augment;
        a.enabled = augment && opt.augment.enabled;
        const AugmentedBatch ab = augmentBatch(data, masks, size, a, gen);
        const at::Tensor input = normalise(ab.images).to(model.dtype());
        if (opt.trainImageEncoder && augment) {
            out.embeddings = model.modules().imageEncoder->forward(input);
        } else {
            at::NoGradGuard ng;
            out.embeddings = model.modules().imageEncoder->forward(input);
        }
        out.targets =
            ab.masks.size(2) == lowRes
                ? ab.masks
                : (at::upsample_bilinear2d(ab.masks, {lowRes, lowRes}, false) > 0.5).to(at::kFloat);
        return out;
    }

    // The loss of one decoder pass: segmentation loss (the best candidate's, with several) plus
    // the IoU head's.
    at::Tensor decoderLoss(const Batch& b, const PromptTensors& p, bool multimask) {
        const DecoderOutput out = model.decodeTensors(b.embeddings, p, multimask, trainedHead());
        const at::Tensor logits = out.lowResLogits.to(at::kFloat);
        const at::Tensor perMask = segmentationLoss(logits, b.targets);
        const at::Tensor seg = std::get<0>(perMask.min(1)).mean();
        return seg + at::mse_loss(out.iouPredictions.to(at::kFloat), hardIou(logits, b.targets));
    }

    // A whole box-prompted step from tensors only (embeddings, targets, boxes, AdamW factors),
    // so that it can be captured: gradients from scratch, forward, backward, update. Returns
    // the loss.
    std::vector<at::Tensor> boxStepFn(const std::vector<at::Tensor>& in) {
        for (auto& p : params)
            p.mutable_grad().reset();
        at::Tensor loss;
        {
            AutocastScope autocast(device, opt.autocast);
            PromptTensors p;
            p.boxes = in[2];
            loss = decoderLoss(Batch{in[0], in[1]}, p, false);
        }
        loss.backward();
        adamwStepWithFactors(*optimizer, in[3]);
        return {loss.detach()};
    }

    void setLearningRate(int64_t step) {
        double lr = opt.lr;
        if (opt.warmupSteps > 0 && step < opt.warmupSteps)
            lr *= double(step + 1) / opt.warmupSteps;
        if (opt.cosineSchedule) {
            const double progress = std::min(1.0, double(step) / std::max<int64_t>(1, totalSteps));
            lr *= 0.5 * (1 + std::cos(M_PI * progress));
        }
        for (auto& group : optimizer->param_groups())
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
};

Trainer::Trainer(SamModel& model, PreprocessProfile profile, TrainOptions options)
    : d(std::make_unique<Impl>(model, profile, std::move(options))) {
    if (d->opt.trainAutoDecoder) {
        model.addAutoDecoder();
        d->opt.frameFraction = 1;
        d->opt.pointFraction = 0;
        d->opt.validateFrame = true;
    }
    if (d->opt.trainMaskPrompt) {
        model.addRefineDecoder();
        d->opt.frameFraction = 0;
        d->opt.pointFraction = 0;
    }
    for (const auto& p : model.modules().root->named_parameters(true)) {
        const bool t = d->trainable(p.key());
        p.value().set_requires_grad(t);
        if (t) {
            d->names.push_back(p.key());
            d->params.push_back(p.value());
        }
    }
    if (d->params.empty())
        throw ModelError(ErrorCode::BadArgument, {}, "nothing to train");
    d->optimizer = std::make_unique<torch::optim::AdamW>(
        d->params, torch::optim::AdamWOptions(d->opt.lr).weight_decay(d->opt.weightDecay));
}

Trainer::~Trainer() {
    // Leave the model as inference code expects it.
    for (const auto& p : d->model.modules().root->parameters(true))
        p.set_requires_grad(false);
    d->model.modules().root->eval();
}

std::vector<std::string> Trainer::trainableNames() const {
    return d->names;
}

void Trainer::saveOptimizer(const std::string& path) const {
    torch::save(*d->optimizer, path);
}

void Trainer::loadOptimizer(const std::string& path) {
    try {
        torch::load(*d->optimizer, path);
    } catch (const c10::Error& e) {
        throw ModelError(ErrorCode::FileUnreadable, path, "optimizer state unreadable");
    }
}

bool Trainer::dataResident() const {
    return d->lastResident;
}

std::string Trainer::stepMode() const {
    return d->stepMode;
}

double Trainer::validate(const TrainingSet& val) {
    return validateDetailed(val).score;
}

Trainer::Validation Trainer::validateDetailed(const TrainingSet& val) {
    Validation v;
    if (val.size() == 0)
        return v;
    d->setTrainMode(false);
    at::NoGradGuard ng;
    const Impl::Placed& placed = d->place(val, d->valPlaced);
    const int64_t n = val.size();
    // The same clicks at every validation, so that epochs are compared on equal prompts.
    d->gen.set_current_seed(static_cast<uint64_t>(d->opt.seed) * 7919ULL + 17ULL);
    // Summed on the device and read once: a read per batch would wait for the device each time.
    const auto sumOptions = at::TensorOptions().dtype(at::kDouble).device(d->device);
    at::Tensor boxSum = at::zeros({}, sumOptions), pointSum = at::zeros({}, sumOptions),
               frameSum = at::zeros({}, sumOptions), maskSum = at::zeros({}, sumOptions);
    const at::Tensor all = at::arange(n, at::kLong);
    const at::Tensor allDevice = placed.resident ? all.to(d->device) : all;
    auto diceSum = [](const DecoderOutput& out, const at::Tensor& targets) {
        const at::Tensor pred = (out.lowResLogits.to(at::kFloat) > 0).to(at::kFloat);
        const at::Tensor inter = (pred * targets).sum({1, 2, 3});
        const at::Tensor total = pred.sum({1, 2, 3}) + targets.sum({1, 2, 3});
        const at::Tensor dice =
            at::where(total > 0, 2 * inter / total.clamp_min(1), at::ones_like(total));
        return dice.sum().to(at::kDouble);
    };
    for (int64_t s = 0; s < n; s += d->opt.batchSize) {
        const int64_t e = std::min(n, s + d->opt.batchSize);
        const Impl::Batch b =
            d->makeBatch(val, placed, all.slice(0, s, e), allDevice.slice(0, s, e), false);
        PromptTensors p;
        p.boxes = d->promptBoxes(b.targets, false);
        boxSum += diceSum(d->model.decodeTensors(b.embeddings, p, false), b.targets);
        if (d->opt.validatePoints) {
            PromptTensors click;
            d->promptPoints(b.targets, false, click.pointCoords, click.pointLabels);
            pointSum += diceSum(d->model.decodeTensors(b.embeddings, click, false), b.targets);
        }
        if (d->opt.validateFrame) {
            PromptTensors frame;
            frame.boxes = d->frameBoxes(b.targets);
            frameSum += diceSum(
                d->model.decodeTensors(b.embeddings, frame, false, DecoderHead::Auto), b.targets);
        }
        if (d->opt.trainMaskPrompt) {
            PromptTensors edited = p;
            edited.maskInput = d->maskPromptsLike(b.targets, b.embeddings, p.boxes);
            maskSum += diceSum(d->model.decodeTensors(b.embeddings, edited, false), b.targets);
        }
    }
    v.boxDice = boxSum.item<double>() / double(n);
    double sum = v.boxDice;
    int terms = 1;
    if (d->opt.validatePoints) {
        v.pointDice = pointSum.item<double>() / double(n);
        sum += v.pointDice;
        ++terms;
    }
    if (d->opt.validateFrame) {
        v.frameDice = frameSum.item<double>() / double(n);
        sum += v.frameDice;
        ++terms;
    }
    if (d->opt.trainMaskPrompt) {
        v.maskDice = maskSum.item<double>() / double(n);
        sum += v.maskDice;
        ++terms;
    }
    v.score = sum / terms;
    return v;
}

TrainState Trainer::fit(const TrainingSet& train, const TrainingSet& val, TrainState state,
                        const TrainCallbacks& cb) {
    const int64_t n = train.size();
    if (n == 0)
        throw ModelError(ErrorCode::BadArgument, {}, "the training set is empty");
    const int64_t bs = std::min<int64_t>(d->opt.batchSize, n);
    const int64_t steps = (n + bs - 1) / bs;
    d->totalSteps = steps * d->opt.epochs;
    int lastEpoch = d->opt.epochs;
    const int firstEpoch = state.epochsDone + 1;
    const Impl::Placed& placed = d->place(train, d->trainPlaced);
    d->lastResident = placed.resident;
    // Only when every trainable tensor gets a gradient in a box step (the prompt encoder's point
    // embeddings would not) and the batch needs no gradients of its own (a trained encoder's).
    d->boxStep.reset();
    if (d->opt.cudaGraphs && !d->opt.trainImageEncoder && !d->opt.trainPromptEncoder &&
        !d->opt.trainMaskPrompt)
        d->boxStep = std::make_unique<GraphedStep>(
            [this](const std::vector<at::Tensor>& in) { return d->boxStepFn(in); });
    const int64_t readEvery = d->device.is_cpu() ? 1 : kCudaLossReadInterval;
    const auto fitStart = std::chrono::steady_clock::now();
    for (int epoch = state.epochsDone + 1; epoch <= lastEpoch; ++epoch) {
        // Seeding per epoch makes a resumed run draw exactly what an uninterrupted one would.
        const uint64_t epochSeed =
            static_cast<uint64_t>(d->opt.seed) * 1000003ULL + static_cast<uint64_t>(epoch);
        d->gen.set_current_seed(epochSeed);
        d->cpuGen.set_current_seed(epochSeed);
        const at::Tensor perm = at::randperm(n, d->cpuGen);
        d->setTrainMode(true);
        const auto t0 = std::chrono::steady_clock::now();
        // One copy of the epoch's order to the device; each step slices it there.
        const at::Tensor permDevice = placed.resident ? perm.to(d->device) : perm;
        at::Tensor lossSum =
            at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(d->device));
        double lastLoss = 0;
        int64_t seen = 0;
        for (int64_t s = 0; s < steps; ++s) {
            if (cb.cancelled && cb.cancelled())
                throw ModelError(ErrorCode::Cancelled, {}, "training cancelled");
            const int64_t b0 = s * bs, b1 = std::min(n, (s + 1) * bs);
            Impl::Batch b = d->makeBatch(train, placed, perm.slice(0, b0, b1),
                                         permDevice.slice(0, b0, b1), true);
            PromptTensors p;
            const bool usePoints =
                d->opt.pointFraction > 0 &&
                at::empty({1}, at::kDouble).uniform_(0, 1, d->cpuGen).item<double>() <
                    d->opt.pointFraction;
            // Drawn only when asked, so that runs without frame batches repeat earlier ones.
            const bool useFrame =
                !usePoints && d->opt.frameFraction > 0 &&
                at::empty({1}, at::kDouble).uniform_(0, 1, d->cpuGen).item<double>() <
                    d->opt.frameFraction;
            if (usePoints) {
                const bool negative =
                    at::empty({1}, at::kDouble).uniform_(0, 1, d->cpuGen).item<double>() < 0.5;
                d->promptPoints(b.targets, negative, p.pointCoords, p.pointLabels);
            } else if (useFrame) {
                p.boxes = d->frameBoxes(b.targets);
            } else {
                p.boxes = d->promptBoxes(b.targets, true);
                if (d->opt.trainMaskPrompt)
                    p.maskInput = d->maskPromptsLike(b.targets, b.embeddings, p.boxes);
            }
            at::Tensor loss;
            d->setLearningRate(state.step);
            if (d->boxStep && !usePoints && b1 - b0 == bs) {
                // AdamW's factors for this step reach the card by an asynchronous copy from
                // pinned memory, which the captured step reads.
                at::Tensor factors = adamwFactors(*d->optimizer);
                if (d->device.is_cuda())
                    factors = factors.pin_memory().to(d->device, at::kFloat, true);
                loss = (*d->boxStep)({b.embeddings, b.targets, p.boxes, factors})[0];
                adamwAdvanceSteps(*d->optimizer);
            } else {
                {
                    AutocastScope autocast(d->device, d->opt.autocast);
                    // Each decoder output trained here adds its segmentation and IoU losses.
                    if (!usePoints)
                        loss = d->decoderLoss(b, p, false);
                    else if (d->opt.pointMasks == PointMasks::BestOfThree)
                        loss = d->decoderLoss(b, p, true);
                    else if (d->opt.pointMasks == PointMasks::Single)
                        loss = d->decoderLoss(b, p, false);
                    else
                        loss = d->decoderLoss(b, p, true) + d->decoderLoss(b, p, false);
                }
                d->optimizer->zero_grad();
                loss.backward();
                adamwStep(*d->optimizer);
            }
            ++state.step;
            const int64_t count = b1 - b0;
            lossSum += loss.detach().to(at::kDouble) * double(count);
            seen += count;
            if (cb.step) {
                if ((s + 1) % readEvery == 0 || s + 1 == steps)
                    lastLoss = loss.item<double>();
                cb.step(epoch, s + 1, steps, lastLoss);
            }
        }
        // The only read of the epoch's losses; it also waits for the device, so the time
        // below covers all of the epoch's work.
        const double lossTotal = lossSum.item<double>();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EpochReport r;
        r.epoch = epoch;
        r.trainLoss = lossTotal / double(std::max<int64_t>(1, seen));
        r.seconds = seconds;
        r.samplesPerSecond = double(seen) / std::max(seconds, 1e-9);
        const bool validateNow =
            epoch % std::max(1, d->opt.validateEvery) == 0 || epoch == d->opt.epochs;
        if (validateNow) {
            const Validation v = validateDetailed(val);
            r.valDice = v.score;
            r.valBoxDice = v.boxDice;
            r.valPointDice = v.pointDice;
            r.valFrameDice = v.frameDice;
            r.valMaskDice = v.maskDice;
        } else {
            r.valDice = state.bestDice;
        }
        state.epochsDone = epoch;
        r.improved = validateNow && r.valDice > state.bestDice;
        if (r.improved) {
            state.bestDice = r.valDice;
            state.bestEpoch = epoch;
            state.epochsWithoutGain = 0;
        } else if (validateNow) {
            ++state.epochsWithoutGain;
        }
        if (cb.epoch)
            cb.epoch(r);
        if (cb.checkpoint) {
            if (r.improved)
                cb.checkpoint(state, true);
            cb.checkpoint(state, false);
        }
        if (d->opt.patience > 0 && state.epochsWithoutGain >= d->opt.patience)
            break;
        if (d->opt.timeLimitSeconds > 0) {
            // Size the run from the epochs measured so far so that the schedule still ends at
            // a low learning rate when time, not the epoch count, is the limit.
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - fitStart).count();
            const double perEpoch = elapsed / double(epoch - firstEpoch + 1);
            const int affordable = epoch + static_cast<int>((d->opt.timeLimitSeconds - elapsed) /
                                                            std::max(perEpoch, 1e-3));
            lastEpoch = std::max(epoch, std::min(d->opt.epochs, affordable));
            d->totalSteps = steps * lastEpoch;
        }
    }
    d->setTrainMode(false);
    d->stepMode = "eager";
    if (d->boxStep && d->boxStep->captured())
        d->stepMode = "graph";
    else if (d->boxStep && !d->boxStep->fallbackReason().empty())
        d->stepMode = "eager: " + d->boxStep->fallbackReason();
    return state;
}

} // namespace dermsam
