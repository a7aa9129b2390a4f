#include "core/auto_segment.h"

#include "core/image_tensor.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
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

const char* autoStartName(AutoStart start) {
    return start == AutoStart::CentrePoint ? "point" : "frame";
}

bool autoStartFromName(const std::string& name, AutoStart& start) {
    if (name == "frame")
        start = AutoStart::Frame;
    else if (name == "point" || name == "centre" || name == "center")
        start = AutoStart::CentrePoint;
    else
        return false;
    return true;
}

bool autoStartsFromText(const std::string& text, std::vector<AutoStart>& starts) {
    std::vector<AutoStart> parsed;
    size_t from = 0;
    while (from <= text.size()) {
        const size_t comma = std::min(text.find(',', from), text.size());
        AutoStart start;
        if (!autoStartFromName(text.substr(from, comma - from), start))
            return false;
        parsed.push_back(start);
        from = comma + 1;
    }
    starts = std::move(parsed);
    return true;
}

std::string autoStartsText(const std::vector<AutoStart>& starts) {
    std::string out;
    for (AutoStart s : starts)
        out += (out.empty() ? "" : ",") + std::string(autoStartName(s));
    return out;
}

AutoOptions withModelStarts(AutoOptions options, const MetadataMap& meta) {
    if (!options.starts.empty())
        return options;
    const auto it = meta.find(kAutoStartMetadataKey);
    if (it == meta.end() || !autoStartsFromText(it->second, options.starts))
        options.starts = {AutoStart::CentrePoint};
    return options;
}

namespace {

// The candidate with the highest predicted IoU alone (a point gives three).
MaskResult bestCandidate(MaskResult r) {
    if (r.iou.size() < 2 || r.masks.size(0) != static_cast<int64_t>(r.iou.size()))
        return r;
    const auto best =
        static_cast<int64_t>(std::max_element(r.iou.begin(), r.iou.end()) - r.iou.begin());
    MaskResult one;
    one.masks = r.masks.slice(0, best, best + 1).contiguous();
    one.lowResLogits = r.lowResLogits.slice(0, best, best + 1).contiguous();
    one.iou = {r.iou[static_cast<size_t>(best)]};
    return one;
}

BoxPrompt grown(const BoxPrompt& b, double fraction, int width, int height) {
    const double dx = fraction * (b.x1 - b.x0 + 1);
    const double dy = fraction * (b.y1 - b.y0 + 1);
    return {static_cast<float>(std::max(0.0, b.x0 - dx)),
            static_cast<float>(std::max(0.0, b.y0 - dy)),
            static_cast<float>(std::min(width - 1.0, b.x1 + dx)),
            static_cast<float>(std::min(height - 1.0, b.y1 + dy))};
}

AutoResult searchFrom(AutoStart start, const DecodeFunction& decode, int width, int height,
                      const AutoOptions& options) {
    AutoResult a;
    Prompts p;
    const PointPrompt centre{(width - 1) / 2.0f, (height - 1) / 2.0f, 1};
    if (start == AutoStart::CentrePoint) {
        p.points.push_back(centre);
        p.multimask = true;
    } else {
        const float mx = static_cast<float>(options.margin * width);
        const float my = static_cast<float>(options.margin * height);
        p.boxes.push_back(
            {mx, my, static_cast<float>(width - 1) - mx, static_cast<float>(height - 1) - my});
        if (options.centrePoint)
            p.points.push_back(centre);
    }
    a.result = bestCandidate(decode(p));
    a.prompts = p;
    a.prompts.multimask = false;
    a.decodes = 1;
    cv::Mat mask = tensorToMask(a.result.masks[0]);
    for (int i = 0; i < options.iterations; ++i) {
        BoxPrompt box;
        if (!largestComponentBox(mask, box))
            break;
        if (options.expand > 0)
            box = grown(box, options.expand, width, height);
        // Converged: the same box gives the same mask again.
        if (a.prompts.points.empty() && !a.prompts.boxes.empty() &&
            sameBox(box, a.prompts.boxes.front()))
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

} // namespace

AutoResult autoSegment(const DecodeFunction& decode, int width, int height,
                       const AutoOptions& options, const DecodeFunction& frameDecode) {
    AutoResult best;
    int decodes = 0;
    bool first = true;
    const std::vector<AutoStart> starts =
        options.starts.empty() ? std::vector<AutoStart>{AutoStart::CentrePoint} : options.starts;
    for (AutoStart start : starts) {
        const DecodeFunction& d = start == AutoStart::Frame && frameDecode ? frameDecode : decode;
        AutoResult a = searchFrom(start, d, width, height, options);
        a.head = &d == &frameDecode ? DecoderHead::Auto : DecoderHead::Main;
        decodes += a.decodes;
        const float iou = a.result.iou.empty() ? 0.0f : a.result.iou.front();
        const float bestIou = best.result.iou.empty() ? 0.0f : best.result.iou.front();
        // A search that found something beats one that did not, then the predicted IoU.
        if (first || (a.found && !best.found) || (a.found == best.found && iou > bestIou))
            best = std::move(a);
        first = false;
    }
    best.decodes = decodes;
    return best;
}

AutoResult autoSegment(const Predictor& predictor, const ViewEmbeddings& views,
                       const AutoOptions& options) {
    // A whole-frame search runs every decode on the model's Auto decoder when it has one: it was
    // trained for that start, and its own tight-box steps scored better on validation than the
    // mask decoder's (docs/model-card.md, "Auto"). A centre-click search keeps the mask decoder,
    // which was trained on clicks.
    const DecodeFunction main = [&](const Prompts& p) { return decodeViews(predictor, views, p); };
    DecodeFunction frame;
    if (predictor.model().hasAutoDecoder())
        frame = [&](const Prompts& p) {
            return decodeViews(predictor, views, p, {}, DecoderHead::Auto);
        };
    return autoSegment(main, views.width, views.height, options, frame);
}

} // namespace dermsam
