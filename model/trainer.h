#pragma once

#include "model/augment.h"
#include "model/preprocess.h"
#include "model/tensor_map.h"
#include "model/training_data.h"

#include <c10/core/ScalarType.h>

#include <functional>
#include <string>
#include <vector>

namespace dermsam {

class SamModel;

// Which decoder outputs a point-prompted batch trains. SAM trains the three multimask outputs
// and keeps the best for one ambiguous click; single-output inference (eval's centre click) reads
// the fourth, unambiguous output, which then only learns from boxes unless it is trained too.
enum class PointMasks { BestOfThree, Single, Both };

// Where the training set lives during fit(): resident on the training device (batches gathered
// by index there, no copy per step) or staged per batch through pinned host memory. Auto keeps
// it resident when it fits with a margin; on the CPU it is always resident.
enum class DataPlacement { Auto, Device, Host };

struct TrainOptions {
    int epochs = 10;
    double lr = 1e-4;
    double weightDecay = 0.01;
    int batchSize = 8;
    double boxJitter = 20;        // max px per box side, in the 1024 frame (scaled to the input)
    double boxJitterFraction = 0; // extra jitter as a fraction of the box side
    double pointFraction = 0;     // fraction of batches prompted with points instead of a box
    // Fraction of batches prompted with a box over the whole frame, Auto's no-prompt start
    // (core/auto_segment.h), so that the decoder learns to answer it with the main lesion
    // rather than with most of the frame. Drawn after the point batches.
    double frameFraction = 0;
    PointMasks pointMasks = PointMasks::BestOfThree;
    int seed = 42;
    int patience = 5;    // epochs without validation gain before stopping; 0 = never
    int warmupSteps = 0; // linear warm-up, then cosine decay when > 0 (else constant)
    bool cosineSchedule = false;
    bool trainImageEncoder = false; // PEFT default: only the mask decoder trains
    bool trainPromptEncoder = false;
    AugmentOptions augment; // used when training from images
    int validateEvery = 1;  // epochs
    // Validation score = the mean of box-prompt Dice and one-click Dice (a foreground point drawn
    // with a fixed seed, single-mask output) instead of box Dice alone, so that checkpoint
    // selection sees what point training is for.
    bool validatePoints = false;
    // Adds the whole-frame box's Dice (the first step of Auto) to the validation score's mean.
    bool validateFrame = false;
    // Trains only the model's Auto decoder (SamModel::addAutoDecoder: started as a copy of the
    // mask decoder when the model has none), every batch prompted with the whole frame; the
    // mask decoder, and so every box and click answer, stays as it was. Implies frame batches
    // and frame validation (on the Auto decoder).
    bool trainAutoDecoder = false;
    // Trains only what answers a mask prompt (the viewer's Refine: the edited mask sent back):
    // the prompt encoder's mask path (mask_downscaling) and the model's Refine decoder
    // (SamModel::addRefineDecoder: started as a copy of the mask decoder when the model has
    // none), which answers every decode with a mask prompt. A model trained on boxes and clicks
    // alone never learnt that path, and answers any mask prompt with noise. Every batch is a
    // jittered box with a mask prompt drawn as a user's edit would be; the target is the
    // expert mask. Nothing else changes, so every answer without a mask prompt stays
    // bit-identical. Implies mask validation.
    bool trainMaskPrompt = false;
    double timeLimitSeconds = 0; // > 0: fit the epochs (and the cosine schedule) into this time
    DataPlacement dataPlacement = DataPlacement::Auto;
    // Autocast precision of the forward pass (kBFloat16 or kHalf; the CLI and the wizard offer
    // it on CUDA only); kFloat = off. The weights and the optimizer stay float32.
    c10::ScalarType autocast = c10::ScalarType::Float;
    // Box-prompted steps of full batches run as one function (forward, backward, AdamW) that on
    // a GPU is captured once as a CUDA graph and replayed (elsewhere it runs eagerly): a decoder
    // step was about two thousand small kernels, whose launches, not the card, bounded it.
    // Applies when only the mask decoder trains; off runs every step the ordinary way.
    bool cudaGraphs = true;
};

std::string pointMasksName(PointMasks m);
PointMasks pointMasksFromName(const std::string& name); // throws ModelError(BadArgument)
std::string dataPlacementName(DataPlacement p);
DataPlacement dataPlacementFromName(const std::string& name); // throws ModelError(BadArgument)

struct EpochReport {
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double valDice = 0;       // the validation score: box Dice, or its mean with point Dice
    double valBoxDice = 0;    // mean Dice on the validation set, ground-truth box prompts
    double valPointDice = -1; // mean Dice with one foreground click (-1: not measured)
    double valFrameDice = -1; // mean Dice with a box over the whole frame (-1: not measured)
    double valMaskDice = -1;  // mean Dice with a box and a disturbed mask prompt (-1: not measured)
    double seconds = 0;
    double samplesPerSecond = 0;
    bool improved = false;
};

struct TrainState {
    int epochsDone = 0;
    double bestDice = -1;
    int bestEpoch = 0;
    int epochsWithoutGain = 0;
    int64_t step = 0;
};

struct TrainCallbacks {
    // `loss` is the latest value read from the device: every step on the CPU, every few steps
    // and at the end of each epoch on CUDA, where reading it forces a host synchronisation.
    std::function<void(int epoch, int64_t step, int64_t stepsPerEpoch, double loss)> step;
    std::function<void(const EpochReport&)> epoch;
    std::function<bool()> cancelled; // checked between steps
    // Called with the model's state when validation improves (best) and after every epoch (last).
    std::function<void(const TrainState&, bool best)> checkpoint;
};

// Decoder training (PEFT) on cached embeddings, or full training from images when the image
// encoder is trainable. Loss = Dice on the sigmoid with squared denominators + BCE with logits,
// plus the IoU head's MSE; AdamW.
class Trainer {
public:
    Trainer(SamModel& model, PreprocessProfile profile, TrainOptions options);
    ~Trainer();

    // Runs the remaining epochs (from state.epochsDone). Returns the final state; stops early on
    // patience or cancellation.
    TrainState fit(const TrainingSet& train, const TrainingSet& val, TrainState state,
                   const TrainCallbacks& callbacks);
    // The validation score (see TrainOptions::validatePoints).
    double validate(const TrainingSet& val);
    struct Validation {
        double score = 0, boxDice = 0, pointDice = -1, frameDice = -1, maskDice = -1;
    };
    Validation validateDetailed(const TrainingSet& val);

    // Optimizer state for resuming (torch's own archive format).
    void saveOptimizer(const std::string& path) const;
    void loadOptimizer(const std::string& path);

    // Names of the tensors that train (state-dict keys).
    std::vector<std::string> trainableNames() const;

    // Whether the last fit() kept its training set resident on the device (false: staged).
    bool dataResident() const;
    // How the last fit() ran its box-prompted steps: "graph" (replayed from a CUDA graph),
    // "eager" (not on CUDA, or switched off) or "eager: <why the capture failed>".
    std::string stepMode() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace dermsam
