#pragma once

#include "model/augment.h"
#include "model/preprocess.h"
#include "model/tensor_map.h"
#include "model/training_data.h"

#include <functional>
#include <string>
#include <vector>

namespace dermsam {

class SamModel;

struct TrainOptions {
    int epochs = 10;
    double lr = 1e-4;
    double weightDecay = 0.01;
    int batchSize = 8;
    double boxJitter = 20;        // max px per box side, in the 1024 frame (scaled to the input)
    double boxJitterFraction = 0; // extra jitter as a fraction of the box side
    double pointFraction = 0;     // fraction of batches prompted with points instead of a box
    int seed = 42;
    int patience = 5;    // epochs without validation gain before stopping; 0 = never
    int warmupSteps = 0; // linear warm-up, then cosine decay when > 0 (else constant)
    bool cosineSchedule = false;
    bool trainImageEncoder = false; // PEFT default: only the mask decoder trains
    bool trainPromptEncoder = false;
    AugmentOptions augment;      // used when training from images
    int validateEvery = 1;       // epochs
    double timeLimitSeconds = 0; // > 0: fit the epochs (and the cosine schedule) into this time
};

struct EpochReport {
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double valDice = 0; // mean Dice on the validation set, ground-truth box prompts
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
    double validate(const TrainingSet& val);

    // Optimizer state for resuming (torch's own archive format).
    void saveOptimizer(const std::string& path) const;
    void loadOptimizer(const std::string& path);

    // Names of the tensors that train (state-dict keys).
    std::vector<std::string> trainableNames() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace dermsam
