#include "core/metrics.h"

#include "core/core_error.h"
#include "core/mask_io.h"
#include "core/statistics.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace dermsam {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Boundary pixels: inside pixels with a 4-neighbour outside (the border counts as outside).
cv::Mat boundaryOf(const cv::Mat& inside) {
    cv::Mat boundary = cv::Mat::zeros(inside.size(), CV_8UC1);
    const int rows = inside.rows;
    const int cols = inside.cols;
    for (int r = 0; r < rows; ++r) {
        const uchar* up = r > 0 ? inside.ptr<uchar>(r - 1) : nullptr;
        const uchar* row = inside.ptr<uchar>(r);
        const uchar* down = r + 1 < rows ? inside.ptr<uchar>(r + 1) : nullptr;
        uchar* out = boundary.ptr<uchar>(r);
        for (int c = 0; c < cols; ++c) {
            if (!row[c])
                continue;
            const bool edge = !up || !down || c == 0 || c + 1 == cols || !up[c] || !down[c] ||
                              !row[c - 1] || !row[c + 1];
            out[c] = edge ? 255 : 0;
        }
    }
    return boundary;
}

// One-dimensional squared Euclidean distance transform of f (0 at features, +inf elsewhere)
// with grid step `step` (Felzenszwalb & Huttenlocher's lower envelope of parabolas).
void distance1d(const double* f, double* out, int n, double step, std::vector<int>& v,
                std::vector<double>& z) {
    int k = -1;
    for (int q = 0; q < n; ++q) {
        if (!std::isfinite(f[q]))
            continue;
        const double xq = q * step;
        while (k >= 0) {
            const double xp = v[k] * step;
            const double s = ((f[q] + xq * xq) - (f[v[k]] + xp * xp)) / (2.0 * (xq - xp));
            if (s <= z[k]) {
                --k;
                continue;
            }
            break;
        }
        ++k;
        v[k] = q;
        if (k == 0) {
            z[0] = -kInf;
        } else {
            const double xp = v[k - 1] * step;
            z[k] = ((f[q] + xq * xq) - (f[v[k - 1]] + xp * xp)) / (2.0 * (xq - xp));
        }
        z[k + 1] = kInf;
    }
    if (k < 0) {
        std::fill(out, out + n, kInf);
        return;
    }
    int j = 0;
    for (int q = 0; q < n; ++q) {
        const double x = q * step;
        while (z[j + 1] < x)
            ++j;
        const double dx = x - v[j] * step;
        out[q] = dx * dx + f[v[j]];
    }
}

// Squared distance (in spacing units) from every pixel to the nearest non-zero feature pixel.
cv::Mat squaredDistanceTo(const cv::Mat& features, double spacingRow, double spacingCol) {
    const int rows = features.rows;
    const int cols = features.cols;
    cv::Mat dist(rows, cols, CV_64FC1);
    for (int r = 0; r < rows; ++r) {
        const uchar* in = features.ptr<uchar>(r);
        double* out = dist.ptr<double>(r);
        for (int c = 0; c < cols; ++c)
            out[c] = in[c] ? 0.0 : kInf;
    }
    const int longest = std::max(rows, cols);
    std::vector<int> v(static_cast<size_t>(longest));
    std::vector<double> z(static_cast<size_t>(longest) + 1);
    std::vector<double> f(static_cast<size_t>(longest));
    std::vector<double> g(static_cast<size_t>(longest));
    for (int c = 0; c < cols; ++c) { // along each column: steps of one row
        for (int r = 0; r < rows; ++r)
            f[r] = dist.at<double>(r, c);
        distance1d(f.data(), g.data(), rows, spacingRow, v, z);
        for (int r = 0; r < rows; ++r)
            dist.at<double>(r, c) = g[r];
    }
    for (int r = 0; r < rows; ++r) { // along each row: steps of one column
        double* row = dist.ptr<double>(r);
        std::copy(row, row + cols, f.begin());
        distance1d(f.data(), row, cols, spacingCol, v, z);
    }
    return dist;
}

std::vector<double> directedDistances(const cv::Mat& fromBoundary, const cv::Mat& toSquared) {
    std::vector<double> d;
    for (int r = 0; r < fromBoundary.rows; ++r) {
        const uchar* b = fromBoundary.ptr<uchar>(r);
        const double* s = toSquared.ptr<double>(r);
        for (int c = 0; c < fromBoundary.cols; ++c)
            if (b[c])
                d.push_back(std::sqrt(s[c]));
    }
    return d;
}

MetricSummary summarize(const std::vector<ImageMetrics>& perImage, double ImageMetrics::*field,
                        int resamples, uint64_t seed) {
    std::vector<double> values;
    values.reserve(perImage.size());
    for (const ImageMetrics& m : perImage)
        values.push_back(m.*field);
    return summarizeMetric(values, resamples, seed);
}

} // namespace

ConfusionCounts confusionCounts(const cv::Mat& predictionBinary, const cv::Mat& truthBinary) {
    ConfusionCounts c;
    const int64_t total = static_cast<int64_t>(truthBinary.total());
    cv::Mat both;
    cv::bitwise_and(predictionBinary, truthBinary, both);
    c.tp = cv::countNonZero(both);
    const int64_t predicted = cv::countNonZero(predictionBinary);
    const int64_t actual = cv::countNonZero(truthBinary);
    c.fp = predicted - c.tp;
    c.fn = actual - c.tp;
    c.tn = total - c.tp - c.fp - c.fn;
    return c;
}

ImageMetrics metricsFromCounts(const ConfusionCounts& c) {
    ImageMetrics m;
    m.counts = c;
    const int64_t total = c.tp + c.fp + c.fn + c.tn;
    m.accuracy = total > 0 ? static_cast<double>(c.tp + c.tn) / total : 1.0;
    m.sensitivity = c.tp + c.fn == 0 ? 1.0 : static_cast<double>(c.tp) / (c.tp + c.fn);
    m.specificity = c.tn + c.fp == 0 ? 1.0 : static_cast<double>(c.tn) / (c.tn + c.fp);
    const int64_t unionCount = c.tp + c.fp + c.fn;
    m.jaccard = unionCount == 0 ? 1.0 : static_cast<double>(c.tp) / unionCount;
    m.dice = unionCount == 0 ? 1.0 : 2.0 * c.tp / (2.0 * c.tp + c.fp + c.fn);
    m.thresholdedJaccard = m.jaccard >= 0.65 ? m.jaccard : 0.0;
    return m;
}

double hausdorff95(const cv::Mat& a, const cv::Mat& b, double spacingRow, double spacingCol) {
    if (a.size() != b.size())
        throw CoreError(CoreErrorCode::SizeMismatch, {}, "hausdorff95 masks differ in size");
    const cv::Mat insideA = binarizeMask(a, MaskValueRule::NonZero);
    const cv::Mat insideB = binarizeMask(b, MaskValueRule::NonZero);
    const bool emptyA = cv::countNonZero(insideA) == 0;
    const bool emptyB = cv::countNonZero(insideB) == 0;
    if (emptyA && emptyB)
        return 0.0;
    if (emptyA || emptyB)
        return kNaN;
    if (!(spacingRow > 0))
        spacingRow = 1;
    if (!(spacingCol > 0))
        spacingCol = 1;
    const cv::Mat boundaryA = boundaryOf(insideA);
    const cv::Mat boundaryB = boundaryOf(insideB);
    const double ab = percentile(
        directedDistances(boundaryA, squaredDistanceTo(boundaryB, spacingRow, spacingCol)), 95);
    const double ba = percentile(
        directedDistances(boundaryB, squaredDistanceTo(boundaryA, spacingRow, spacingCol)), 95);
    return std::max(ab, ba);
}

ImageMetrics computeImageMetrics(const cv::Mat& prediction, const cv::Mat& groundTruth,
                                 double spacingRowMm, double spacingColMm) {
    if (prediction.size() != groundTruth.size())
        throw CoreError(CoreErrorCode::SizeMismatch, {},
                        "prediction " + std::to_string(prediction.cols) + "x" +
                            std::to_string(prediction.rows) + " vs ground truth " +
                            std::to_string(groundTruth.cols) + "x" +
                            std::to_string(groundTruth.rows));
    const cv::Mat pred = binarizeMask(prediction, MaskValueRule::Auto);
    const cv::Mat truth = binarizeMask(groundTruth, MaskValueRule::Auto);
    ImageMetrics m = metricsFromCounts(confusionCounts(pred, truth));
    m.hd95Px = hausdorff95(pred, truth, 1, 1);
    const bool spacingKnown = spacingRowMm > 0 && spacingColMm > 0;
    if (!spacingKnown)
        m.hd95Mm = kNaN;
    else if (spacingRowMm == spacingColMm)
        m.hd95Mm = m.hd95Px * spacingRowMm;
    else
        m.hd95Mm = hausdorff95(pred, truth, spacingRowMm, spacingColMm);
    return m;
}

MetricSummary summarizeMetric(const std::vector<double>& values, int resamples, uint64_t seed,
                              double level) {
    MetricSummary s;
    std::vector<double> finite;
    finite.reserve(values.size());
    for (double v : values) {
        if (std::isfinite(v))
            finite.push_back(v);
        else
            ++s.missing;
    }
    s.n = static_cast<int>(finite.size());
    s.mean = mean(finite);
    s.sd = sampleStandardDeviation(finite);
    s.median = percentile(finite, 50);
    const ConfidenceInterval ci = bootstrapMeanCi(finite, resamples, seed, level);
    s.ciLow = ci.low;
    s.ciHigh = ci.high;
    return s;
}

MetricsReport summarizeImages(const std::vector<ImageMetrics>& perImage, int resamples,
                              uint64_t seed) {
    MetricsReport r;
    r.images = static_cast<int>(perImage.size());
    r.accuracy = summarize(perImage, &ImageMetrics::accuracy, resamples, seed);
    r.sensitivity = summarize(perImage, &ImageMetrics::sensitivity, resamples, seed);
    r.specificity = summarize(perImage, &ImageMetrics::specificity, resamples, seed);
    r.jaccard = summarize(perImage, &ImageMetrics::jaccard, resamples, seed);
    r.thresholdedJaccard = summarize(perImage, &ImageMetrics::thresholdedJaccard, resamples, seed);
    r.dice = summarize(perImage, &ImageMetrics::dice, resamples, seed);
    r.hd95Px = summarize(perImage, &ImageMetrics::hd95Px, resamples, seed);
    r.hd95Mm = summarize(perImage, &ImageMetrics::hd95Mm, resamples, seed);
    return r;
}

} // namespace dermsam
