#include "core/pointing_game.h"

#include "core/core_error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <limits>

namespace dermsam {

std::string pointingGameVariant(int tolerancePx) {
    return "pointing game (Zhang et al. 2018, TorchRay reference): hit when a ground-truth pixel "
           "lies within " +
           std::to_string(tolerancePx) + " px of the heatmap maximum (squared distance < " +
           std::to_string(tolerancePx * tolerancePx) +
           "), at the ground truth's resolution; empty ground truths skipped";
}

PointingOutcome pointingGame(const cv::Mat& heatmap, const cv::Mat& groundTruth, int tolerancePx) {
    if (heatmap.empty() || groundTruth.empty())
        throw CoreError(CoreErrorCode::BadMask, {}, "pointing game: empty heatmap or mask");
    if (heatmap.channels() != 1 || groundTruth.channels() != 1)
        throw CoreError(CoreErrorCode::BadMask, {},
                        "pointing game: heatmap and mask must have one channel");
    cv::Mat heat;
    heatmap.convertTo(heat, CV_32F);
    if (heat.size() != groundTruth.size())
        cv::resize(heat, heat, groundTruth.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat gt = groundTruth != 0; // CV_8U 0/255

    PointingOutcome out;
    // The first maximum in row-major order (numpy's argmax, as TorchRay uses).
    float best = -std::numeric_limits<float>::infinity();
    for (int y = 0; y < heat.rows; ++y) {
        const float* row = heat.ptr<float>(y);
        for (int x = 0; x < heat.cols; ++x) {
            if (row[x] > best) {
                best = row[x];
                out.peakX = x;
                out.peakY = y;
            }
        }
    }
    if (cv::countNonZero(gt) == 0)
        return out;
    out.evaluated = true;
    const int t = std::max(0, tolerancePx);
    const int y0 = std::max(0, out.peakY - t);
    const int y1 = std::min(gt.rows - 1, out.peakY + t);
    const int x0 = std::max(0, out.peakX - t);
    const int x1 = std::min(gt.cols - 1, out.peakX + t);
    const long long limit = static_cast<long long>(t) * t;
    for (int y = y0; y <= y1 && !out.hit; ++y) {
        const uchar* row = gt.ptr<uchar>(y);
        const long long dy = y - out.peakY;
        for (int x = x0; x <= x1; ++x) {
            const long long dx = x - out.peakX;
            // d^2 < t^2; with t = 0 only the peak pixel itself counts.
            if (row[x] && (dx * dx + dy * dy < limit || (dx == 0 && dy == 0))) {
                out.hit = true;
                break;
            }
        }
    }
    return out;
}

PointingSummary summarisePointing(const std::vector<PointingImage>& images) {
    PointingSummary s;
    for (const auto& im : images) {
        if (!im.outcome.evaluated) {
            ++s.skipped;
            continue;
        }
        ++s.n;
        if (im.outcome.hit)
            ++s.hits;
    }
    s.accuracy = s.n > 0 ? static_cast<double>(s.hits) / s.n : 0.0;
    return s;
}

} // namespace dermsam
