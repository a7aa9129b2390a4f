#pragma once

#include "model/predictor.h"
#include "model/prompts.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace dermsam {

// Test-time augmentation: the image is also encoded flipped (and, in "d4", rotated), each view
// is decoded with the prompt moved along, each view's low-res logits are brought back to the
// original orientation and the logits are averaged before the threshold (logit space, so one
// confident view is not flattened by a sigmoid). Only exact for the profiles that squash the
// image to a square input with no padding (compact, medsam): there a flip or a quarter turn of
// the image is the same flip or turn of the low-res frame. The sam profile pads, so TTA
// refuses it (ttaSupported).
enum class TtaMode {
    Off,   // one view, the image as it is
    HFlip, // + left-right mirror (2 views)
    Flips, // + left-right, + up-down (3 views)
    D4,    // the 8 flips and quarter turns of the square (8 views)
};
const char* ttaModeName(TtaMode mode); // "off", "hflip", "flips", "d4"
bool ttaModeFromName(const std::string& name, TtaMode& mode);
bool ttaSupported(PreprocessProfile profile);

// A view of the image: mirrored left-right first (flipX), then turned quarterTurns times by
// 90 degrees counter-clockwise (torch.rot90 over rows and columns).
struct ViewTransform {
    bool flipX = false;
    int quarterTurns = 0; // 0..3
    bool identity() const { return !flipX && quarterTurns == 0; }
};
std::vector<ViewTransform> ttaViews(TtaMode mode); // the identity first

// (H, W) or (H, W, C) image -> the view (contiguous).
at::Tensor transformImage(const at::Tensor& image, const ViewTransform& view);
// Prompts in the pixel coordinates of a width x height image -> the view's pixel coordinates
// (pixel indices: the mirror of column x is width - 1 - x, as eval's inclusive boxes need).
Prompts transformPrompts(const Prompts& prompts, const ViewTransform& view, int width, int height);
// A square frame (..., S, S) (low-res logits, a mask prompt) into the view, and back.
at::Tensor transformFrame(const at::Tensor& frame, const ViewTransform& view);
at::Tensor untransformFrame(const at::Tensor& frame, const ViewTransform& view);

// The embeddings of every view of one image (views[0] is the identity, the image itself).
struct ViewEmbeddings {
    std::vector<ViewTransform> views;
    std::vector<ImageEmbedding> embeddings;
    int width = 0; // of the original image
    int height = 0;
    const ImageEmbedding& original() const { return embeddings.front(); }
};

// Decodes prompts (original image coordinates) on every view and averages the un-transformed
// logits (and the predicted IoUs). One identity view is exactly Predictor::decode.
// maskInputLogits: as Predictor::decode's, in the original orientation. Throws
// ModelError(BadArgument) for several views on a profile that pads.
MaskResult decodeViews(const Predictor& predictor, const ViewEmbeddings& views,
                       const Prompts& prompts, const at::Tensor& maskInputLogits = {},
                       DecoderHead head = DecoderHead::Main);

} // namespace dermsam
