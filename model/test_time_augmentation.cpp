#include "model/test_time_augmentation.h"

#include "model/model_error.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>

namespace dermsam {

const char* ttaModeName(TtaMode mode) {
    switch (mode) {
    case TtaMode::Off:
        return "off";
    case TtaMode::HFlip:
        return "hflip";
    case TtaMode::Flips:
        return "flips";
    case TtaMode::D4:
        return "d4";
    }
    return "off";
}

bool ttaModeFromName(const std::string& name, TtaMode& mode) {
    if (name == "off" || name == "none")
        mode = TtaMode::Off;
    else if (name == "hflip" || name == "on")
        mode = TtaMode::HFlip;
    else if (name == "flips")
        mode = TtaMode::Flips;
    else if (name == "d4")
        mode = TtaMode::D4;
    else
        return false;
    return true;
}

bool ttaSupported(PreprocessProfile profile) {
    return profile == PreprocessProfile::Compact || profile == PreprocessProfile::MedSam;
}

std::vector<ViewTransform> ttaViews(TtaMode mode) {
    std::vector<ViewTransform> v{{false, 0}};
    switch (mode) {
    case TtaMode::Off:
        break;
    case TtaMode::HFlip:
        v.push_back({true, 0});
        break;
    case TtaMode::Flips:
        v.push_back({true, 0});
        v.push_back({true, 2}); // a left-right mirror turned by 180 degrees = up-down mirror
        break;
    case TtaMode::D4:
        for (int k = 1; k < 4; ++k)
            v.push_back({false, k});
        for (int k = 0; k < 4; ++k)
            v.push_back({true, k});
        break;
    }
    return v;
}

at::Tensor transformImage(const at::Tensor& image, const ViewTransform& view) {
    at::Tensor t = image;
    if (view.flipX)
        t = t.flip({1});
    if (view.quarterTurns % 4 != 0)
        t = at::rot90(t, view.quarterTurns % 4, {0, 1});
    return t.contiguous();
}

namespace {

struct Pt {
    float x;
    float y;
};

// One point through the view; w, h: the image the point is in (they swap on each turn).
Pt transformPoint(Pt p, const ViewTransform& view, int w, int h) {
    if (view.flipX)
        p.x = static_cast<float>(w - 1) - p.x;
    for (int k = 0; k < view.quarterTurns % 4; ++k) {
        // torch.rot90(k = 1, dims = {0, 1}): out[i][j] = in[j][w - 1 - i].
        p = {p.y, static_cast<float>(w - 1) - p.x};
        std::swap(w, h);
    }
    return p;
}

} // namespace

Prompts transformPrompts(const Prompts& prompts, const ViewTransform& view, int width, int height) {
    Prompts out;
    out.multimask = prompts.multimask;
    for (const BoxPrompt& b : prompts.boxes) {
        const Pt a = transformPoint({b.x0, b.y0}, view, width, height);
        const Pt c = transformPoint({b.x1, b.y1}, view, width, height);
        out.boxes.push_back(
            {std::min(a.x, c.x), std::min(a.y, c.y), std::max(a.x, c.x), std::max(a.y, c.y)});
    }
    for (const PointPrompt& p : prompts.points) {
        const Pt q = transformPoint({p.x, p.y}, view, width, height);
        out.points.push_back({q.x, q.y, p.label});
    }
    return out;
}

at::Tensor transformFrame(const at::Tensor& frame, const ViewTransform& view) {
    at::Tensor t = frame;
    if (view.flipX)
        t = t.flip({-1});
    if (view.quarterTurns % 4 != 0)
        t = at::rot90(t, view.quarterTurns % 4, {-2, -1});
    return t;
}

at::Tensor untransformFrame(const at::Tensor& frame, const ViewTransform& view) {
    at::Tensor t = frame;
    if (view.quarterTurns % 4 != 0)
        t = at::rot90(t, -(view.quarterTurns % 4), {-2, -1});
    if (view.flipX)
        t = t.flip({-1});
    return t;
}

MaskResult decodeViews(const Predictor& predictor, const ViewEmbeddings& views,
                       const Prompts& prompts, const at::Tensor& maskInputLogits,
                       DecoderHead head) {
    if (views.embeddings.empty() || views.embeddings.size() != views.views.size())
        throw ModelError(ErrorCode::BadArgument, {}, "no image embedding to decode");
    if (views.embeddings.size() == 1 && views.views.front().identity())
        return predictor.decode(views.original(), prompts, maskInputLogits, head);
    if (!ttaSupported(predictor.profile()))
        throw ModelError(ErrorCode::BadArgument, {},
                         "test-time augmentation needs a profile without padding (compact or "
                         "medsam), not " +
                             profileName(predictor.profile()));
    torch::NoGradGuard noGrad;
    at::Tensor sum;
    std::vector<float> iou;
    for (size_t i = 0; i < views.views.size(); ++i) {
        const ViewTransform& v = views.views[i];
        const Prompts p = transformPrompts(prompts, v, views.width, views.height);
        const at::Tensor mask = maskInputLogits.defined()
                                    ? transformFrame(maskInputLogits, v).contiguous()
                                    : at::Tensor();
        const MaskResult r = predictor.decode(views.embeddings[i], p, mask, head);
        const at::Tensor back = untransformFrame(r.lowResLogits, v);
        sum = sum.defined() ? sum + back : back.clone();
        if (iou.empty())
            iou.assign(r.iou.size(), 0.0f);
        for (size_t k = 0; k < iou.size() && k < r.iou.size(); ++k)
            iou[k] += r.iou[k];
    }
    const float n = static_cast<float>(views.views.size());
    MaskResult out;
    out.lowResLogits = (sum / n).contiguous();
    for (float& x : iou)
        x /= n;
    out.iou = std::move(iou);
    const ImageEmbedding& e = views.original();
    out.masks = postprocessMasks(out.lowResLogits.unsqueeze(1), e.geometry, e.profile)
                    .reshape({-1, e.geometry.originalHeight, e.geometry.originalWidth})
                    .contiguous();
    return out;
}

} // namespace dermsam
