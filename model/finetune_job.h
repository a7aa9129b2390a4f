#pragma once

#include "model/preprocess.h"
#include "model/serialization/npy_dataset.h"
#include "model/tensor_map.h"
#include "model/trainer.h"

#include <functional>
#include <memory>
#include <string>

namespace dermsam {

class SamModel;

// Images are loaded on demand so a dataset never has to fit in memory as decoded pixels.
struct PairSource {
    size_t count = 0;
    std::function<ImageMaskPair(size_t index)> load;
};

struct FineTuneSettings {
    TrainOptions train;
    std::string outPath;       // .safetensors (with metadata) or .pth (upstream-loadable)
    std::string cacheDir;      // embedding cache; empty = no disk cache
    std::string baseModelHash; // sha256 of the base checkpoint, recorded in metadata
    std::string baseModelName;
    bool resume = false; // continue from <out>.last.safetensors + optimizer + state
};

struct FineTuneCallbacks {
    std::function<void(const std::string& stage, size_t done, size_t total)> progress;
    TrainCallbacks train;
};

struct FineTuneResult {
    TrainState state;
    std::string bestPath;
    std::string lastPath;
    size_t trainCount = 0;
    size_t valCount = 0;
};

// The whole PEFT / training run behind `dermsam-cli finetune` and the wizard: embeddings (or
// images) prepared once, epochs with validation, best and last checkpoints, resumable.
FineTuneResult runFineTune(SamModel& model, PreprocessProfile profile, const PairSource& train,
                           const PairSource& val, const FineTuneSettings& settings,
                           const FineTuneCallbacks& callbacks);

// Writes a checkpoint by extension: .safetensors with metadata, .pth as a plain state dict.
// A .pth is for upstream's code, whose strict load_state_dict rejects keys it does not know, so
// it holds upstream's modules only: the Auto decoder ("auto_decoder.*") is left out. Returns the
// number of tensors left out.
size_t writeCheckpointFile(const std::string& path, const TensorMap& tensors,
                           const MetadataMap& metadata);
// True for the extensions writeCheckpointFile writes as a .pth.
bool isPthPath(const std::string& path);

// Builds the in-memory training set: cached embeddings when the encoder is frozen, squashed
// uint8 images when it trains. Exposed for tests.
TrainingSet prepareTrainingSet(SamModel& model, PreprocessProfile profile, const PairSource& source,
                               bool forEncoderTraining, const std::string& cacheDir,
                               const std::string& modelHash,
                               const std::function<void(size_t, size_t)>& progress,
                               const std::function<bool()>& cancelled);

} // namespace dermsam
