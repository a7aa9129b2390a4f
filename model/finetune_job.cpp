#include "model/finetune_job.h"

#include "io/atomic_file.h"
#include "io/files.h"
#include "io/json_writer.h"
#include "model/embedding_cache.h"
#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/serialization/pth_writer.h"
#include "model/serialization/safetensors.h"

#include "dermsam_version.h"

#include <ATen/ATen.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace dermsam {
namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string stem(const std::string& path) {
    for (const char* ext : {".safetensors", ".pth", ".pt"})
        if (endsWith(path, ext))
            return path.substr(0, path.size() - std::string(ext).size());
    return path;
}

std::string optionsJson(const TrainOptions& o) {
    io::JsonWriter j;
    j.beginObject()
        .field("epochs", o.epochs)
        .field("lr", o.lr)
        .field("weight_decay", o.weightDecay)
        .field("batch_size", o.batchSize)
        .field("box_jitter_px_1024", o.boxJitter)
        .field("box_jitter_fraction", o.boxJitterFraction)
        .field("point_fraction", o.pointFraction)
        .field("point_masks", pointMasksName(o.pointMasks))
        .field("validate_points", o.validatePoints)
        .field("frame_fraction", o.frameFraction)
        .field("validate_frame", o.validateFrame)
        .field("train_auto_decoder", o.trainAutoDecoder)
        .field("train_mask_prompt", o.trainMaskPrompt)
        .field("autocast", o.autocast == c10::ScalarType::Float
                               ? std::string("off")
                               : std::string(c10::toString(o.autocast)))
        .field("seed", o.seed)
        .field("patience", o.patience)
        .field("warmup_steps", o.warmupSteps)
        .field("cosine", o.cosineSchedule)
        .field("train_image_encoder", o.trainImageEncoder)
        .field("train_prompt_encoder", o.trainPromptEncoder)
        .field("augment", o.augment.enabled)
        .endObject();
    return j.str();
}

void writeState(const std::string& path, const TrainState& s) {
    std::ostringstream out;
    out << s.epochsDone << " " << s.bestDice << " " << s.bestEpoch << " " << s.epochsWithoutGain
        << " " << s.step << "\n";
    // Synced like the checkpoints it describes: a resume must never read a state newer or older
    // than the weights beside it because one of them was lost in a crash.
    rethrowAsModelError([&] { io::writeFileAtomically(path, out.str()); });
}

TrainState readState(const std::string& path) {
    std::string text;
    try {
        text = io::readFile(path);
    } catch (const io::FileError& e) {
        throw ModelError(ErrorCode::FileUnreadable, path,
                         "no resumable training state (" + e.detail() + ")");
    }
    std::istringstream in(text);
    TrainState s;
    if (!(in >> s.epochsDone >> s.bestDice >> s.bestEpoch >> s.epochsWithoutGain >> s.step))
        throw ModelError(ErrorCode::FileUnreadable, path, "no resumable training state");
    return s;
}

// (H, W[, C]) -> (3, S, S) uint8, squashed like the medsam / compact profiles.
at::Tensor squashImage(const at::Tensor& image, int size) {
    at::Tensor x = image.dim() == 2 ? image.unsqueeze(2) : image;
    if (x.size(2) == 4)
        x = x.slice(2, 0, 3);
    at::Tensor f = x.to(at::kFloat);
    if (image.scalar_type() == at::kInt)
        f = f / 257.0;
    if (f.size(2) == 1)
        f = f.expand({-1, -1, 3});
    f = f.permute({2, 0, 1}).unsqueeze(0).contiguous();
    f = at::_upsample_bilinear2d_aa(f, {size, size}, false);
    return f.round().clamp(0, 255).to(at::kByte)[0];
}

at::Tensor squashMask(const at::Tensor& mask, int size) {
    const at::Tensor m = (mask > 0).to(at::kFloat).unsqueeze(0).unsqueeze(0);
    return (at::upsample_bilinear2d(m, {size, size}, false) > 0.5).to(at::kByte)[0];
}

} // namespace

bool isPthPath(const std::string& path) {
    return endsWith(path, ".pth") || endsWith(path, ".pt");
}

size_t writeCheckpointFile(const std::string& path, const TensorMap& tensors,
                           const MetadataMap& metadata) {
    if (!isPthPath(path)) {
        writeSafetensors(path, tensors, metadata);
        return 0;
    }
    TensorMap upstream;
    size_t leftOut = 0;
    for (const auto& kv : tensors) {
        if (isAutoDecoderKey(kv.first) || isRefineDecoderKey(kv.first))
            ++leftOut;
        else
            upstream.emplace(kv.first, kv.second);
    }
    writePth(path, upstream);
    return leftOut;
}

TrainingSet prepareTrainingSet(SamModel& model, PreprocessProfile profile, const PairSource& source,
                               bool forEncoderTraining, const std::string& cacheDir,
                               const std::string& modelHash,
                               const std::function<void(size_t, size_t)>& progress,
                               const std::function<bool()>& cancelled) {
    TrainingSet set;
    const int inputSize = model.architecture().imgSize;
    const int lowRes = 4 * model.architecture().embeddingSize();
    std::vector<at::Tensor> a, b;
    const EmbeddingCache cache(forEncoderTraining ? std::string() : cacheDir);
    const std::vector<int64_t> shape{1, model.architecture().outChans,
                                     model.architecture().embeddingSize(),
                                     model.architecture().embeddingSize()};
    for (size_t i = 0; i < source.count; ++i) {
        if (cancelled && cancelled())
            throw ModelError(ErrorCode::Cancelled, {}, "cancelled while preparing data");
        const ImageMaskPair p = source.load(i);
        set.ids.push_back(p.id);
        if (forEncoderTraining) {
            // A margin above the input size leaves room for zoom augmentation.
            const int stored = inputSize + inputSize / 8;
            a.push_back(squashImage(p.image, stored));
            b.push_back(squashMask(p.mask, stored));
        } else {
            const std::string key =
                EmbeddingCache::key(modelHash, profileName(profile), p.image, model.dtype());
            at::Tensor e = cache.load(key, shape);
            if (!e.defined()) {
                // Resampled only when the encoder must run (cache hits need the geometry alone).
                const PreprocessResult pre =
                    preprocessImage(p.image, profile, inputSize, model.device());
                at::NoGradGuard ng;
                e = model.encode(pre.input).to(at::kCPU, at::kHalf);
                cache.store(key, e);
            }
            // Into one preallocated tensor: a list of rows stacked at the end would hold the
            // whole set twice at its peak (20 GB for 4800 embeddings instead of 10).
            if (!set.embeddings.defined())
                set.embeddings =
                    at::empty({static_cast<int64_t>(source.count), e.size(1), e.size(2), e.size(3)},
                              e.options());
            set.embeddings[static_cast<int64_t>(i)].copy_(e[0]);
            b.push_back(
                lowResTarget(p.mask, imageGeometry(p.image, profile, inputSize), profile, lowRes));
        }
        if (progress)
            progress(i + 1, source.count);
    }
    if (b.empty())
        return set;
    if (forEncoderTraining)
        set.images = at::stack(a);
    set.masks = at::stack(b);
    return set;
}

FineTuneResult runFineTune(SamModel& model, PreprocessProfile profile, const PairSource& train,
                           const PairSource& val, const FineTuneSettings& settings,
                           const FineTuneCallbacks& cb) {
    if (settings.outPath.empty())
        throw ModelError(ErrorCode::BadArgument, {}, "no output checkpoint path");
    rethrowAsModelError([&] { io::makeParentDirectories(settings.outPath); });
    const bool encoderTrains = settings.train.trainImageEncoder;
    FineTuneResult result;
    result.bestPath = settings.outPath;
    const std::string base = stem(settings.outPath);
    result.lastPath = base + ".last.safetensors";
    const std::string optimPath = base + ".optim.pt";
    const std::string statePath = base + ".state";

    auto stageProgress = [&](const std::string& stage) {
        return [&cb, stage](size_t done, size_t total) {
            if (cb.progress)
                cb.progress(stage, done, total);
        };
    };
    const TrainingSet trainSet = prepareTrainingSet(
        model, profile, train, encoderTrains, settings.cacheDir, settings.baseModelHash,
        stageProgress("prepare-train"), cb.train.cancelled);
    const TrainingSet valSet = prepareTrainingSet(model, profile, val, encoderTrains,
                                                  settings.cacheDir, settings.baseModelHash,
                                                  stageProgress("prepare-val"), cb.train.cancelled);
    result.trainCount = static_cast<size_t>(trainSet.size());
    result.valCount = static_cast<size_t>(valSet.size());

    Trainer trainer(model, profile, settings.train);
    TrainState state;
    if (settings.resume) {
        state = readState(statePath);
        model.loadStateDict(readSafetensors(result.lastPath).tensors);
        trainer.loadOptimizer(optimPath);
    } else {
        state.bestDice = trainer.validate(valSet); // the starting point (zero-shot) is a candidate
    }

    MetadataMap meta;
    meta["format"] = "dermsam-checkpoint-1";
    meta["dermsam_version"] = DERMSAM_VERSION_STRING;
    meta["architecture"] = model.architecture().toJson();
    meta["profile"] = profileName(profile);
    meta["base_model_sha256"] = settings.baseModelHash;
    meta["base_model"] = settings.baseModelName;
    meta["training"] = optionsJson(settings.train);
    // A decoder trained on frame batches, or an Auto decoder (which was, and which any other
    // training here leaves as it is), answers Auto's whole-frame box with the lesion: Auto
    // starts there with this model (core/auto_segment.h reads the key).
    if (settings.train.frameFraction > 0 || settings.train.trainAutoDecoder ||
        model.hasAutoDecoder())
        meta[kAutoStartMetadataKey] = "frame";
    meta["data"] = io::JsonWriter()
                       .beginObject()
                       .field("train", result.trainCount)
                       .field("val", result.valCount)
                       .endObject()
                       .str();
    if (!settings.resume) {
        MetadataMap m = meta;
        m["val_dice"] = std::to_string(state.bestDice);
        m["epoch"] = "0";
        writeCheckpointFile(settings.outPath, model.stateDict(), m);
    }

    TrainCallbacks callbacks = cb.train;
    callbacks.checkpoint = [&](const TrainState& s, bool best) {
        MetadataMap m = meta;
        m["val_dice"] = std::to_string(best ? s.bestDice : s.bestDice);
        m["epoch"] = std::to_string(best ? s.bestEpoch : s.epochsDone);
        if (best) {
            writeCheckpointFile(settings.outPath, model.stateDict(), m);
        } else {
            writeSafetensors(result.lastPath, model.stateDict(), m);
            trainer.saveOptimizer(optimPath);
            writeState(statePath, s);
        }
        if (cb.train.checkpoint)
            cb.train.checkpoint(s, best);
    };
    result.state = trainer.fit(trainSet, valSet, state, callbacks);
    return result;
}

} // namespace dermsam
