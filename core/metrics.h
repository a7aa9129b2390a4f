#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace dermsam {

// Pixel counts of one prediction against its ground truth (lesion = positive).
struct ConfusionCounts {
    int64_t tp = 0;
    int64_t fp = 0;
    int64_t fn = 0;
    int64_t tn = 0;
};

// Per-image scores of the ISIC 2018 Task 1 scorer (isic-challenge-scoring), plus HD95.
// Undefined ratios follow the scorer: sensitivity is 1 when the ground truth is empty,
// specificity is 1 when the ground truth covers the image, Jaccard and Dice are 1 when both
// masks are empty. HD95 is NaN when exactly one mask is empty, 0 when both are.
struct ImageMetrics {
    std::string id;
    ConfusionCounts counts;
    double accuracy = 0;
    double sensitivity = 0;
    double specificity = 0;
    double jaccard = 0;
    double thresholdedJaccard = 0; // jaccard, or 0 when jaccard < 0.65
    double dice = 0;
    double hd95Px = 0;
    double hd95Mm = 0; // NaN when the spacing is unknown
};

// The masks are binarised with binarizeMask(..., MaskValueRule::Auto) (mask_io.h: the ISIC
// "> 128" threshold for multi-level 8-bit images, non-zero for two-level 0/1 or 0/255 masks).
// Both must have the same size, else CoreError(SizeMismatch). Spacing in mm (row = vertical
// pixel pitch, col = horizontal); 0 = unknown.
ImageMetrics computeImageMetrics(const cv::Mat& prediction, const cv::Mat& groundTruth,
                                 double spacingRowMm = 0, double spacingColMm = 0);

ConfusionCounts confusionCounts(const cv::Mat& predictionBinary, const cv::Mat& truthBinary);
// The ISIC scorer's formulas on counts (jaccard/dice 1 for TP+FP+FN = 0, etc.).
ImageMetrics metricsFromCounts(const ConfusionCounts& counts);

// The 95th percentile Hausdorff distance between the boundaries of two binary masks
// (non-zero = inside). A boundary pixel is a mask pixel with a 4-neighbour outside the mask
// (the image border counts as outside), as MedPy's connectivity-1 erosion. For each boundary
// pixel of one mask the exact Euclidean distance to the other mask's boundary is taken (a
// separable distance transform honouring anisotropic spacing); HD95 = max(P95(A->B), P95(B->A))
// with linear-interpolation percentiles (numpy's default) - the "max of directed percentiles"
// convention of MONAI and DeepMind's surface-distance, not MedPy's pooled percentile.
// Spacing <= 0 means 1 (pixels). NaN when exactly one mask is empty, 0 when both are.
double hausdorff95(const cv::Mat& a, const cv::Mat& b, double spacingRow = 1,
                   double spacingCol = 1);

// The average symmetric surface distance: every boundary pixel of both masks (same definition
// as hausdorff95) with its exact distance to the other mask's boundary, averaged over the
// pooled set, (sum A->B + sum B->A) / (|dA| + |dB|). Spacing <= 0 means 1 (pixels). NaN when
// exactly one mask is empty, 0 when both are. Follow-up registration is judged by it.
double meanBoundaryDistance(const cv::Mat& a, const cv::Mat& b, double spacingRow = 1,
                            double spacingCol = 1);

// Mean, sample SD (n - 1) and a percentile bootstrap CI of the mean over the finite values
// (NaNs are left out and counted in `missing`): bootstrapMeanCi in statistics.h. n = 0 -> all
// NaN; n = 1 -> SD NaN, CI = [value, value].
struct MetricSummary {
    int n = 0;
    int missing = 0;
    double mean = 0;
    double sd = 0;
    double ciLow = 0;
    double ciHigh = 0;
    double median = 0;
};
MetricSummary summarizeMetric(const std::vector<double>& values, int resamples = 2000,
                              uint64_t seed = 20180601, double level = 0.95);

// Macro averages of a run (one MetricSummary per score).
struct MetricsReport {
    int images = 0;
    MetricSummary accuracy, sensitivity, specificity, jaccard, thresholdedJaccard, dice, hd95Px,
        hd95Mm;
};
MetricsReport summarizeImages(const std::vector<ImageMetrics>& perImage, int resamples = 2000,
                              uint64_t seed = 20180601);

} // namespace dermsam
