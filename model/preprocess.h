#pragma once

#include "model/prompts.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace dermsam {

// How an image becomes the encoder input and how logits become a mask (DESIGN.md).
enum class PreprocessProfile {
    MedSam,  // 1024x1024 ignoring aspect (bicubic), min-max to [0,1]; sigmoid > 0.5
    Sam,     // longest side 1024 (bilinear), mean/std, pad bottom/right; logits > 0
    Compact, // built-in model: S x S ignoring aspect (antialiased bilinear), mean/std; logits > 0
    // LiteMedSAM: longest side S (OpenCV's INTER_AREA, to 8 bits), min-max of the resized image
    // to [0,1], pad bottom/right; boxes truncated to whole pixels of the S frame; logits cropped
    // to the resized image, bilinear to the image, sigmoid > 0.5
    LiteMedSam,
};

std::string profileName(PreprocessProfile p);
PreprocessProfile profileFromName(const std::string& name); // throws ModelError(BadArgument)

struct ImageGeometry {
    int originalHeight = 0;
    int originalWidth = 0;
    int inputHeight = 0; // the resized image inside the square input, before padding
    int inputWidth = 0;
    int inputSize = 1024;
};

struct PreprocessResult {
    at::Tensor input; // (1, 3, S, S) float32
    ImageGeometry geometry;
};

// image: (H, W) or (H, W, C) with C in {1, 3, 4}, uint8 or int16/uint16-in-int32 or float.
// 16-bit images are scaled to 8-bit range; alpha is dropped; grey is replicated. device: where
// the resampling runs and the input is made (the image, usually far smaller than the input, is
// copied there first); the CPU by default.
PreprocessResult preprocessImage(const at::Tensor& image, PreprocessProfile profile,
                                 int inputSize = 1024, const c10::Device& device = c10::kCPU);

// The geometry preprocessImage reports, without resampling anything: what a cached embedding
// needs (the resampling took 25-30 ms per 512 x 512 image on the 2-core development machine). image
// as for preprocessImage; throws the same ModelError(BadImage) for shapes it refuses.
ImageGeometry imageGeometry(const at::Tensor& image, PreprocessProfile profile,
                            int inputSize = 1024);

// Converts a prompt in original image coordinates to the input frame. Boxes are clamped to the
// image first; a box with zero area after clamping throws ModelError(BadPrompt).
Prompts promptsToInputFrame(const Prompts& prompts, const ImageGeometry& g,
                            PreprocessProfile profile);

// (N, M, 256, 256) logits -> (N, M, H, W) probabilities-or-logits at the original size, and the
// binary mask per the profile's rule.
at::Tensor postprocessLogits(const at::Tensor& lowResLogits, const ImageGeometry& g,
                             PreprocessProfile profile);
at::Tensor binarize(const at::Tensor& postprocessed, PreprocessProfile profile);

// binarize(postprocessLogits(...)) as (N, M, H, W) uint8 0/1, what callers keep. On the CPU the
// last, full-size bilinear resampling is not formed: a pixel whose four source values lie on
// the same side of the threshold takes that side (a bilinear value is their convex
// combination), and only pixels between source values of both sides are interpolated. For a
// 24-megapixel photo that is about 1 % of the pixels (the float resampling alone took 125 ms
// per mask on the 2-core development machine). A pixel can differ from the float resampling
// only where that value lies within rounding of the threshold.
at::Tensor postprocessMasks(const at::Tensor& lowResLogits, const ImageGeometry& g,
                            PreprocessProfile profile);

// An (H, W) mask at the original size (non-zero = inside) -> (1, 1, size, size) logits of
// +-kMaskPromptLogit in the decoder's low-res frame, for a mask prompt ("refine"): the image's
// own resize (aspect kept and padded for SAM, squashed for MedSAM and the built-in model), so
// postprocessLogits maps it back onto the mask. size is the model's mask input size
// (Predictor::maskInputSize(): 256 for a 1024 input).
constexpr float kMaskPromptLogit = 10.0f;
at::Tensor maskPromptLogits(const at::Tensor& mask, const ImageGeometry& g,
                            PreprocessProfile profile, int64_t size);

// (H, W) float plane -> (h, w), resampled as OpenCV's cv::resize with INTER_AREA resamples an
// 8-bit image (LiteMedSAM's preprocessing): when shrinking, each output pixel is the
// area-weighted mean of the source pixels it covers, accumulated in float in OpenCV's order and
// rounded to a whole number (halves to even; the 2 x 2 case rounds halves up, as OpenCV's
// vectorised path); when enlarging, OpenCV's area-mode bilinear weights in its 11-bit fixed
// point. Throws ModelError(BadImage) for empty sizes.
at::Tensor resizeAreaLikeOpenCv(const at::Tensor& plane, int64_t h, int64_t w);

// The model's default profile when a checkpoint names none: LiteMedSAM's for a TinyViT encoder,
// the built-in model's for the compact one, MedSAM's otherwise.
struct SamArchitecture;
PreprocessProfile defaultProfileFor(const SamArchitecture& arch);

// (B, 3, H, W) in 0..255 -> SAM's per-channel mean/std normalisation.
at::Tensor normaliseMeanStd(const at::Tensor& x);

} // namespace dermsam
