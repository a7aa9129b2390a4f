#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace dermsam {

// The pointing game (Zhang et al. 2018) in TorchRay's reference form (DESIGN.md,
// Explainability): the heatmap's maximum is found at the ground truth's resolution, and the image
// is a hit when some ground-truth pixel lies within the tolerance of it (squared distance
// < tolerance^2, 15 px by default). Accuracy = hits / images evaluated.
constexpr int kPointingTolerancePx = 15;

// A one-line description of the variant, for reports.
std::string pointingGameVariant(int tolerancePx = kPointingTolerancePx);

struct PointingOutcome {
    bool evaluated = false; // false when the ground truth is empty (nothing to point at)
    bool hit = false;
    int peakX = 0; // the heatmap's maximum in ground-truth pixels (first in row-major order)
    int peakY = 0;
};

// heatmap: single-channel, any numeric depth and any size (resized bilinearly to the ground
// truth's size when it differs); groundTruth: single-channel, non-zero = lesion. Throws
// CoreError(BadArgument) on empty or multi-channel input.
PointingOutcome pointingGame(const cv::Mat& heatmap, const cv::Mat& groundTruth,
                             int tolerancePx = kPointingTolerancePx);

struct PointingImage {
    std::string id;
    PointingOutcome outcome;
};

struct PointingSummary {
    int n = 0; // images evaluated
    int hits = 0;
    int skipped = 0; // empty ground truth
    double accuracy = 0.0;
};

PointingSummary summarisePointing(const std::vector<PointingImage>& images);

} // namespace dermsam
