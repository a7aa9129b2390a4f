#pragma once

#include "model/predictor.h"
#include "model/prompts.h"
#include "model/test_time_augmentation.h"

#include <opencv2/core/mat.hpp>

#include <functional>

namespace dermsam {

// "Auto": a mask of the main lesion with no prompt from the user. The model is prompted with a
// box over the whole frame (less a margin), the largest connected part of that mask gives a
// tight box, and the box is decoded again, `iterations` times (the model was trained on
// boxes around lesions, so a tight box is the prompt it answers best). The defaults are the
// candidate with the best Dice on the validation split of ISIC 2018 (docs/model-card.md).
struct AutoOptions {
    int iterations = 2;       // tight-box decodes after the whole-frame one (0 = frame only)
    double margin = 0.0;      // fraction of the width / height left out on each side at first
    bool centrePoint = false; // a foreground click at the image centre with the first box
    bool largestOnly = false; // keep only the largest connected part of the final mask
};

struct AutoResult {
    MaskResult result; // of the last decode (masks (1, H, W) uint8 0/1 at the image size)
    Prompts prompts;   // the prompts of that decode: one box, in image pixels
    int decodes = 0;
    bool found = false; // false: the model found nothing (the mask is empty)
};

// One decode of prompts in image pixels.
using DecodeFunction = std::function<MaskResult(const Prompts&)>;

AutoResult autoSegment(const DecodeFunction& decode, int width, int height,
                       const AutoOptions& options = {});
// On the views of one image (one view without test-time augmentation).
AutoResult autoSegment(const Predictor& predictor, const ViewEmbeddings& views,
                       const AutoOptions& options = {});

// The tight box (max inclusive, as maskBoundingBox) of the largest 8-connected part of a
// CV_8UC1 mask (non-zero = lesion). False when the mask is empty.
bool largestComponentBox(const cv::Mat& mask, BoxPrompt& box);
// The mask with only its largest 8-connected part (0/255).
cv::Mat largestComponent(const cv::Mat& mask);

} // namespace dermsam
