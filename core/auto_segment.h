#pragma once

#include "model/predictor.h"
#include "model/prompts.h"
#include "model/tensor_map.h"
#include "model/test_time_augmentation.h"

#include <opencv2/core/mat.hpp>

#include <functional>
#include <string>
#include <vector>

namespace dermsam {

// "Auto": a mask of the main lesion with no prompt from the user. Dermoscopy photos are taken
// with the lesion in the middle, so the search starts from one foreground click at the image
// centre (the best of the decoder's three candidates); the largest connected part of that mask
// gives a tight box, grown by 5 % of its side, and that box is decoded again, `iterations` times
// (the model was trained on boxes jittered outward, and it answers such boxes best:
// box-prompted Dice 0.94 on validation against 0.89 for this search). A box over
// the whole frame is the other start: the model then outlines most of the frame (validation
// Dice 0.50). The defaults are the variant with the best Dice on the validation split of ISIC
// 2018; the sweep is in docs/model-card.md ("Auto").

// Where one search starts.
enum class AutoStart {
    Frame,       // a box over the whole frame less the margin (+ centre click if centrePoint)
    CentrePoint, // one foreground click at the image centre, the best of three candidates
};
const char* autoStartName(AutoStart start); // "frame", "point"
bool autoStartFromName(const std::string& name, AutoStart& start);

struct AutoOptions {
    int iterations = 2;       // tight-box decodes after the first one (0 = the first only)
    double margin = 0.0;      // Frame: fraction of the width / height left out on each side
    bool centrePoint = false; // Frame: a foreground click at the image centre with the box
    bool largestOnly = false; // keep only the largest connected part of the final mask
    // Each tight box grown by this fraction of its side on every side (clamped to the image)
    // before it is decoded, so a lesion cut by the first prompt can still grow to its edge.
    double expand = 0.05;
    // One search per start; the result with the highest predicted IoU is kept. Empty: the
    // model's own (withModelStarts), the centre click when it names none.
    std::vector<AutoStart> starts;
};

// Parses "frame", "point" or a comma-separated list of them; false on anything else.
bool autoStartsFromText(const std::string& text, std::vector<AutoStart>& starts);
std::string autoStartsText(const std::vector<AutoStart>& starts);
// The options with their starts filled in when empty: the checkpoint metadata's
// (kAutoStartMetadataKey; an unreadable value is ignored), else the centre click.
AutoOptions withModelStarts(AutoOptions options, const MetadataMap& meta);

struct AutoResult {
    MaskResult result; // of the last decode (masks (1, H, W) uint8 0/1 at the image size)
    Prompts prompts;   // the prompts of that decode: one box, in image pixels
    int decodes = 0;
    bool found = false; // false: the model found nothing (the mask is empty)
    // The decoder of the last decode (Auto: frameDecode made it), which a heatmap explains.
    DecoderHead head = DecoderHead::Main;
};

// One decode of prompts in image pixels.
using DecodeFunction = std::function<MaskResult(const Prompts&)>;

// frameDecode, when given, makes every decode of a whole-frame search (the model's Auto decoder,
// trained for that start); the centre-click search always uses `decode`.
AutoResult autoSegment(const DecodeFunction& decode, int width, int height,
                       const AutoOptions& options = {}, const DecodeFunction& frameDecode = {});
// On the views of one image (one view without test-time augmentation).
AutoResult autoSegment(const Predictor& predictor, const ViewEmbeddings& views,
                       const AutoOptions& options = {});

// The tight box (max inclusive, as maskBoundingBox) of the largest 8-connected part of a
// CV_8UC1 mask (non-zero = lesion). False when the mask is empty.
bool largestComponentBox(const cv::Mat& mask, BoxPrompt& box);
// The mask with only its largest 8-connected part (0/255).
cv::Mat largestComponent(const cv::Mat& mask);

} // namespace dermsam
