#include "core/auto_segment.h"

#include "core/image_tensor.h"

#include <ATen/ATen.h>

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace dermsam {

namespace {

// Label of the largest 8-connected part (0 when the mask is empty) and the labels and stats.
int largestLabel(const cv::Mat& mask, cv::Mat& labels, cv::Mat& stats) {
    cv::Mat centroids;
    const int n = cv::connectedComponentsWithStats(mask != 0, labels, stats, centroids, 8, CV_32S);
    int best = 0;
    for (int i = 1; i < n; ++i) {
        if (best == 0 || stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(best, cv::CC_STAT_AREA))
            best = i;
    }
    return best;
}

bool sameBox(const BoxPrompt& a, const BoxPrompt& b) {
    return std::abs(a.x0 - b.x0) < 0.5f && std::abs(a.y0 - b.y0) < 0.5f &&
           std::abs(a.x1 - b.x1) < 0.5f && std::abs(a.y1 - b.y1) < 0.5f;
}

} // namespace

bool largestComponentBox(const cv::Mat& mask, BoxPrompt& box) {
    cv::Mat labels, stats;
    const int best = largestLabel(mask, labels, stats);
    if (best == 0)
        return false;
    const int x = stats.at<int>(best, cv::CC_STAT_LEFT);
    const int y = stats.at<int>(best, cv::CC_STAT_TOP);
    const int w = stats.at<int>(best, cv::CC_STAT_WIDTH);
    const int h = stats.at<int>(best, cv::CC_STAT_HEIGHT);
    box = {static_cast<float>(x), static_cast<float>(y), static_cast<float>(x + w - 1),
           static_cast<float>(y + h - 1)};
    return true;
}

cv::Mat largestComponent(const cv::Mat& mask) {
    cv::Mat labels, stats;
    const int best = largestLabel(mask, labels, stats);
    cv::Mat out = cv::Mat::zeros(mask.size(), CV_8UC1);
    if (best != 0)
        out.setTo(255, labels == best);
    return out;
}

AutoResult autoSegment(const DecodeFunction& decode, int width, int height,
                       const AutoOptions& options) {
    AutoResult a;
    const float mx = static_cast<float>(options.margin * width);
    const float my = static_cast<float>(options.margin * height);
    Prompts p;
    p.boxes.push_back(
        {mx, my, static_cast<float>(width - 1) - mx, static_cast<float>(height - 1) - my});
    if (options.centrePoint)
        p.points.push_back({(width - 1) / 2.0f, (height - 1) / 2.0f, 1});
    a.result = decode(p);
    a.prompts = p;
    a.decodes = 1;
    cv::Mat mask = tensorToMask(a.result.masks[0]);
    for (int i = 0; i < options.iterations; ++i) {
        BoxPrompt box;
        if (!largestComponentBox(mask, box))
            break;
        // Converged: the same box gives the same mask again.
        if (a.prompts.points.empty() && sameBox(box, a.prompts.boxes.front()))
            break;
        Prompts next;
        next.boxes.push_back(box);
        MaskResult r = decode(next);
        const cv::Mat m = tensorToMask(r.masks[0]);
        // A tight box that loses the lesion altogether is worse than the mask it came from.
        if (cv::countNonZero(m) == 0)
            break;
        a.result = std::move(r);
        a.prompts = next;
        mask = m;
        ++a.decodes;
    }
    a.found = cv::countNonZero(mask) > 0;
    if (a.found && options.largestOnly) {
        const cv::Mat kept = largestComponent(mask);
        a.result.masks = a.result.masks.clone();
        a.result.masks[0].copy_(maskToTensor(kept));
    }
    return a;
}

AutoResult autoSegment(const Predictor& predictor, const ViewEmbeddings& views,
                       const AutoOptions& options) {
    return autoSegment([&](const Prompts& p) { return decodeViews(predictor, views, p); },
                       views.width, views.height, options);
}

} // namespace dermsam
