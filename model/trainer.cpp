#include "model/trainer.h"

#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace dermsam {

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
        m.maskDecoder->train();
        if (opt.trainImageEncoder)
            m.imageEncoder->train();
        if (opt.trainPromptEncoder)
            m.promptEncoder->train();
    }

    // Normalise a batch of images (0..255) the way the profile's preprocessing does.
    at::Tensor normalise(const at::Tensor& images) const {
        if (profile == PreprocessProfile::MedSam) {
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
        const at::Tensor sign = at::tensor({-1.0f, -1.0f, 1.0f, 1.0f}, o);
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

    // One foreground point per sample drawn inside the mask, optionally one background point
    // drawn inside the box but outside the mask.
    void promptPoints(const at::Tensor& masks, bool withNegative, at::Tensor& coords,
                      at::Tensor& labels) {
        const double inputSize = model.architecture().imgSize;
        const int64_t b = masks.size(0), s = masks.size(2);
        const at::Tensor flat = masks.reshape({b, -1}).to(at::kFloat);
        auto draw = [&](const at::Tensor& weights) {
            const at::Tensor idx = at::multinomial(weights + 1e-12, 1, false, gen).squeeze(1);
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

    struct Batch {
        at::Tensor embeddings; // (B, 256, g, g), with grad when the encoder trains
        at::Tensor targets;    // (B, 1, L, L) float 0/1 in the decoder's output frame
    };

    Batch makeBatch(const TrainingSet& set, const at::Tensor& idx, bool augment) {
        Batch out;
        const int lowRes = 4 * model.architecture().embeddingSize();
        if (set.hasEmbeddings()) {
            out.embeddings = set.embeddings.index_select(0, idx).to(device, at::kFloat);
            out.targets = set.masks.index_select(0, idx).to(device, at::kFloat);
            return out;
        }
        const int size = model.architecture().imgSize;
        AugmentOptions a = opt.augment;
        a.enabled = augment && opt.augment.enabled;
        const AugmentedBatch ab =
            augmentBatch(set.images.index_select(0, idx).to(device),
                         set.masks.index_select(0, idx).to(device), size, a, gen);
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

double Trainer::validate(const TrainingSet& val) {
    if (val.size() == 0)
        return 0;
    d->setTrainMode(false);
    at::NoGradGuard ng;
    double sum = 0;
    const int64_t n = val.size();
    for (int64_t s = 0; s < n; s += d->opt.batchSize) {
        const at::Tensor idx = at::arange(s, std::min(n, s + d->opt.batchSize), at::kLong);
        const Impl::Batch b = d->makeBatch(val, idx, false);
        PromptTensors p;
        p.boxes = d->promptBoxes(b.targets, false);
        const DecoderOutput out = d->model.decodeTensors(b.embeddings, p, false);
        const at::Tensor pred = (out.lowResLogits.to(at::kFloat) > 0).to(at::kFloat);
        const at::Tensor inter = (pred * b.targets).sum({1, 2, 3});
        const at::Tensor total = pred.sum({1, 2, 3}) + b.targets.sum({1, 2, 3});
        const at::Tensor dice =
            at::where(total > 0, 2 * inter / total.clamp_min(1), at::ones_like(total));
        sum += dice.sum().item<double>();
    }
    return sum / double(n);
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
        double lossSum = 0;
        int64_t seen = 0;
        for (int64_t s = 0; s < steps; ++s) {
            if (cb.cancelled && cb.cancelled())
                throw ModelError(ErrorCode::Cancelled, {}, "training cancelled");
            const at::Tensor idx = perm.slice(0, s * bs, std::min(n, (s + 1) * bs));
            Impl::Batch b = d->makeBatch(train, idx, true);
            PromptTensors p;
            const bool usePoints =
                d->opt.pointFraction > 0 &&
                at::empty({1}, at::kDouble).uniform_(0, 1, d->cpuGen).item<double>() <
                    d->opt.pointFraction;
            if (usePoints) {
                const bool negative =
                    at::empty({1}, at::kDouble).uniform_(0, 1, d->cpuGen).item<double>() < 0.5;
                d->promptPoints(b.targets, negative, p.pointCoords, p.pointLabels);
            } else {
                p.boxes = d->promptBoxes(b.targets, true);
            }
            // One point is ambiguous: train all three candidates and keep the best (as SAM).
            const DecoderOutput out = d->model.decodeTensors(b.embeddings, p, usePoints);
            const at::Tensor logits = out.lowResLogits.to(at::kFloat);
            const at::Tensor perMask = Impl::segmentationLoss(logits, b.targets);
            const at::Tensor seg = std::get<0>(perMask.min(1)).mean();
            const at::Tensor iouLoss =
                at::mse_loss(out.iouPredictions.to(at::kFloat), Impl::hardIou(logits, b.targets));
            const at::Tensor loss = seg + iouLoss;
            d->setLearningRate(state.step);
            d->optimizer->zero_grad();
            loss.backward();
            d->optimizer->step();
            ++state.step;
            const double l = loss.item<double>();
            lossSum += l * double(idx.size(0));
            seen += idx.size(0);
            if (cb.step)
                cb.step(epoch, s + 1, steps, l);
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EpochReport r;
        r.epoch = epoch;
        r.trainLoss = lossSum / double(std::max<int64_t>(1, seen));
        r.seconds = seconds;
        r.samplesPerSecond = double(seen) / std::max(seconds, 1e-9);
        const bool validateNow =
            epoch % std::max(1, d->opt.validateEvery) == 0 || epoch == d->opt.epochs;
        r.valDice = validateNow ? validate(val) : state.bestDice;
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
    return state;
}

} // namespace dermsam
