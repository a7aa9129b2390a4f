#pragma once

#include <vector>

namespace dermsam {

// Prompt value types, free of Torch so the UI and core can hold them. Coordinates are in the
// frame of whatever the caller passes to: the original image for Predictor, the 1024 model input
// frame for SamModel::decode.
struct PointPrompt {
    float x = 0;
    float y = 0;
    int label = 1; // 1 foreground, 0 background
};

struct BoxPrompt {
    float x0 = 0;
    float y0 = 0;
    float x1 = 0;
    float y1 = 0;
    float width() const { return x1 - x0; }
    float height() const { return y1 - y0; }
};

// Which mask decoder answers: the model's own, or its Auto decoder when it has one (a second
// decoder trained only for Auto's no-prompt search; the main one when there is none).
enum class DecoderHead { Main, Auto };

// Several boxes form a batch of independent prompts; points join the single box (or stand
// alone when there is no box), as in upstream SamPredictor.
struct Prompts {
    std::vector<BoxPrompt> boxes;
    std::vector<PointPrompt> points;
    bool multimask = false;
    bool empty() const { return boxes.empty() && points.empty(); }
};

} // namespace dermsam
