#include "model/preprocess.h"

#include "model/model_error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

namespace dermsam {
namespace {

void checkImageShape(const at::Tensor& image) {
    if (image.dim() != 2 && image.dim() != 3)
        throw ModelError(ErrorCode::BadImage, {}, "image must be (H, W) or (H, W, C)");
    const int64_t c = image.dim() == 2 ? 1 : image.size(2);
    if (c != 1 && c != 3 && c != 4)
        throw ModelError(ErrorCode::BadImage, {}, "image must have 1, 3 or 4 channels");
    if (image.size(0) < 1 || image.size(1) < 1)
        throw ModelError(ErrorCode::BadImage, {}, "empty image");
}

// One channel (H, W) in any supported dtype -> (H, W) float in the 0..255 range.
at::Tensor channelToFloat(const at::Tensor& plane) {
    switch (plane.scalar_type()) {
    case at::kByte:
    case at::kFloat:
    case at::kDouble:
        return plane.to(at::kFloat);
    case at::kShort:
    case at::kInt:
    case at::kLong:
        // 16-bit images: map 0..65535 onto 0..255 so both profiles see the usual range.
        return plane.to(at::kFloat) / 257.0;
    default:
        throw ModelError(ErrorCode::BadImage, {}, "unsupported pixel type");
    }
}

// (H, W[, C]) -> (1, 3, h, w): each colour channel as float in 0..255, resampled by `resize`
// from (1, 1, H, W), one channel at a time. The whole photo as float would be 288 MB for 24
// megapixels, and its channels-first copy as much again; resampling works plane by plane
// anyway, so the result is the same. Grey is resampled once and repeated; alpha is dropped.
at::Tensor resampledChannels(const at::Tensor& image,
                             const std::function<at::Tensor(const at::Tensor&)>& resize) {
    checkImageShape(image);
    const at::Tensor x = image.dim() == 2 ? image.unsqueeze(2) : image;
    if (x.size(2) == 1) {
        const at::Tensor grey = resize(channelToFloat(x.select(2, 0)).unsqueeze(0).unsqueeze(0));
        return grey.expand({1, 3, -1, -1}).contiguous();
    }
    std::vector<at::Tensor> planes;
    for (int64_t k = 0; k < 3; ++k)
        planes.push_back(resize(channelToFloat(x.select(2, k)).unsqueeze(0).unsqueeze(0)));
    return at::cat(planes, 1);
}

} // namespace

at::Tensor normaliseMeanStd(const at::Tensor& x) {
    const auto opts = at::TensorOptions().dtype(x.scalar_type()).device(x.device());
    const at::Tensor mean = at::tensor({123.675f, 116.28f, 103.53f}, opts).view({1, 3, 1, 1});
    const at::Tensor stdv = at::tensor({58.395f, 57.12f, 57.375f}, opts).view({1, 3, 1, 1});
    return (x - mean) / stdv;
}

std::string profileName(PreprocessProfile p) {
    switch (p) {
    case PreprocessProfile::MedSam:
        return "medsam";
    case PreprocessProfile::Sam:
        return "sam";
    case PreprocessProfile::Compact:
        return "compact";
    }
    return "medsam";
}

PreprocessProfile profileFromName(const std::string& name) {
    if (name == "medsam")
        return PreprocessProfile::MedSam;
    if (name == "sam")
        return PreprocessProfile::Sam;
    if (name == "compact")
        return PreprocessProfile::Compact;
    throw ModelError(ErrorCode::BadArgument, {}, "unknown preprocessing profile '" + name + "'");
}

ImageGeometry imageGeometry(const at::Tensor& image, PreprocessProfile profile, int inputSize) {
    checkImageShape(image);
    ImageGeometry g;
    g.originalHeight = static_cast<int>(image.size(0));
    g.originalWidth = static_cast<int>(image.size(1));
    g.inputSize = inputSize;
    if (profile != PreprocessProfile::Sam) {
        g.inputHeight = g.inputWidth = inputSize;
        return g;
    }
    // SAM: longest side to inputSize with ResizeLongestSide's rounding.
    const double scale =
        static_cast<double>(inputSize) / std::max(g.originalHeight, g.originalWidth);
    g.inputHeight = static_cast<int>(g.originalHeight * scale + 0.5);
    g.inputWidth = static_cast<int>(g.originalWidth * scale + 0.5);
    return g;
}

PreprocessResult preprocessImage(const at::Tensor& image, PreprocessProfile profile, int inputSize,
                                 const c10::Device& device) {
    const at::Tensor onDevice = image.to(device);
    PreprocessResult r;
    r.geometry = imageGeometry(image, profile, inputSize);
    if (profile == PreprocessProfile::MedSam) {
        at::Tensor resized = resampledChannels(onDevice, [inputSize](const at::Tensor& x) {
                                 return at::upsample_bicubic2d(x, {inputSize, inputSize}, false);
                             }).clamp(0.0, 255.0);
        // On the tensor's device: no host read (one would wait for the resampling).
        const at::Tensor lo = resized.min();
        r.input = (resized - lo) / (resized.max() - lo).clamp_min(1e-8);
        return r;
    }
    if (profile == PreprocessProfile::Compact) {
        at::Tensor resized = resampledChannels(onDevice, [inputSize](const at::Tensor& x) {
            return at::_upsample_bilinear2d_aa(x, {inputSize, inputSize}, false);
        });
        r.input = normaliseMeanStd(resized.clamp(0.0, 255.0));
        return r;
    }
    // SAM: longest side to inputSize (imageGeometry), PIL-like antialiased bilinear rounded to
    // 8 bits, mean/std, zero padding bottom/right.
    const int newH = r.geometry.inputHeight, newW = r.geometry.inputWidth;
    at::Tensor resized = resampledChannels(onDevice, [newH, newW](const at::Tensor& x) {
        return at::_upsample_bilinear2d_aa(x, {newH, newW}, false);
    });
    resized = resized.round().clamp(0.0, 255.0);
    const at::Tensor norm = normaliseMeanStd(resized);
    r.input = at::constant_pad_nd(norm, {0, inputSize - newW, 0, inputSize - newH}, 0);
    return r;
}

Prompts promptsToInputFrame(const Prompts& prompts, const ImageGeometry& g,
                            PreprocessProfile /*profile*/) {
    // inputWidth/inputHeight is the resized image inside the square for every profile.
    const float sx = static_cast<float>(g.inputWidth) / g.originalWidth;
    const float sy = static_cast<float>(g.inputHeight) / g.originalHeight;
    const float w = static_cast<float>(g.originalWidth);
    const float h = static_cast<float>(g.originalHeight);
    Prompts out;
    out.multimask = prompts.multimask;
    for (BoxPrompt b : prompts.boxes) {
        if (!std::isfinite(b.x0) || !std::isfinite(b.y0) || !std::isfinite(b.x1) ||
            !std::isfinite(b.y1))
            throw ModelError(ErrorCode::BadPrompt, {}, "box has a non-finite coordinate");
        if (b.x0 > b.x1)
            std::swap(b.x0, b.x1);
        if (b.y0 > b.y1)
            std::swap(b.y0, b.y1);
        b.x0 = std::clamp(b.x0, 0.0f, w);
        b.x1 = std::clamp(b.x1, 0.0f, w);
        b.y0 = std::clamp(b.y0, 0.0f, h);
        b.y1 = std::clamp(b.y1, 0.0f, h);
        if (b.width() <= 0 || b.height() <= 0)
            throw ModelError(ErrorCode::BadPrompt, {}, "box has zero area inside the image");
        out.boxes.push_back({b.x0 * sx, b.y0 * sy, b.x1 * sx, b.y1 * sy});
    }
    for (PointPrompt p : prompts.points) {
        if (!std::isfinite(p.x) || !std::isfinite(p.y))
            throw ModelError(ErrorCode::BadPrompt, {}, "point has a non-finite coordinate");
        if (p.label != 0 && p.label != 1)
            throw ModelError(ErrorCode::BadPrompt, {}, "point label must be 0 or 1");
        p.x = std::clamp(p.x, 0.0f, w) * sx;
        p.y = std::clamp(p.y, 0.0f, h) * sy;
        out.points.push_back(p);
    }
    return out;
}

at::Tensor postprocessLogits(const at::Tensor& lowResLogits, const ImageGeometry& g,
                             PreprocessProfile profile) {
    const at::Tensor x = lowResLogits.to(at::kFloat);
    if (profile == PreprocessProfile::MedSam) {
        return at::upsample_bilinear2d(at::sigmoid(x), {g.originalHeight, g.originalWidth}, false);
    }
    if (profile == PreprocessProfile::Compact)
        return at::upsample_bilinear2d(x, {g.originalHeight, g.originalWidth}, false);
    at::Tensor up = at::upsample_bilinear2d(x, {g.inputSize, g.inputSize}, false);
    up = up.slice(2, 0, g.inputHeight).slice(3, 0, g.inputWidth);
    return at::upsample_bilinear2d(up, {g.originalHeight, g.originalWidth}, false);
}

at::Tensor binarize(const at::Tensor& postprocessed, PreprocessProfile profile) {
    return profile == PreprocessProfile::MedSam ? postprocessed > 0.5 : postprocessed > 0.0;
}

namespace {

// Source index and weights of one output coordinate of upsample_bilinear2d (align_corners
// false), computed as LibTorch's CPU kernel does, in float.
struct LinearTap {
    int64_t i0 = 0, i1 = 0;
    float w0 = 1, w1 = 0;
};

std::vector<LinearTap> linearTaps(int64_t inSize, int64_t outSize) {
    std::vector<LinearTap> taps(static_cast<size_t>(outSize));
    const float scale = static_cast<float>(inSize) / static_cast<float>(outSize);
    for (int64_t o = 0; o < outSize; ++o) {
        float src = scale * (static_cast<float>(o) + 0.5f) - 0.5f;
        src = std::max(src, 0.0f);
        LinearTap& t = taps[static_cast<size_t>(o)];
        t.i0 = std::min(static_cast<int64_t>(src), inSize - 1);
        t.i1 = t.i0 + (t.i0 < inSize - 1 ? 1 : 0);
        t.w1 = std::min(src - static_cast<float>(t.i0), 1.0f);
        t.w0 = 1.0f - t.w1;
    }
    return taps;
}

// (P, h, w) float source planes -> (P, H, W) uint8, 1 where the bilinear value exceeds
// threshold. Output columns come in runs that share their source columns; a run whose 2 x 2
// source block lies on one side of the threshold is filled without interpolating.
at::Tensor thresholdedResample(const at::Tensor& source, int64_t H, int64_t W, float threshold) {
    const at::Tensor src = source.contiguous();
    const int64_t P = src.size(0), h = src.size(1), w = src.size(2);
    const std::vector<LinearTap> rows = linearTaps(h, H), cols = linearTaps(w, W);
    struct Run {
        int64_t begin, end, c0, c1;
    };
    std::vector<Run> runs;
    for (int64_t x = 0; x < W; ++x) {
        const LinearTap& t = cols[static_cast<size_t>(x)];
        if (runs.empty() || runs.back().c0 != t.i0)
            runs.push_back({x, x + 1, t.i0, t.i1});
        else
            runs.back().end = x + 1;
    }
    at::Tensor out = at::empty({P, H, W}, at::kByte);
    const float* in = src.data_ptr<float>();
    uint8_t* dst = out.data_ptr<uint8_t>();
    at::parallel_for(0, P * H, 16, [&](int64_t begin, int64_t end) {
        for (int64_t py = begin; py < end; ++py) {
            const int64_t p = py / H, y = py % H;
            const LinearTap& r = rows[static_cast<size_t>(y)];
            const float* row0 = in + (p * h + r.i0) * w;
            const float* row1 = in + (p * h + r.i1) * w;
            uint8_t* o = dst + py * W;
            for (const Run& run : runs) {
                const bool a = row0[run.c0] > threshold, b = row0[run.c1] > threshold;
                const bool c = row1[run.c0] > threshold, d = row1[run.c1] > threshold;
                if (a == b && a == c && a == d) {
                    std::memset(o + run.begin, a ? 1 : 0, static_cast<size_t>(run.end - run.begin));
                    continue;
                }
                for (int64_t x = run.begin; x < run.end; ++x) {
                    const LinearTap& t = cols[static_cast<size_t>(x)];
                    const float top = row0[run.c0] * t.w0 + row0[run.c1] * t.w1;
                    const float bottom = row1[run.c0] * t.w0 + row1[run.c1] * t.w1;
                    o[x] = top * r.w0 + bottom * r.w1 > threshold ? 1 : 0;
                }
            }
        }
    });
    return out;
}

} // namespace

at::Tensor postprocessMasks(const at::Tensor& lowResLogits, const ImageGeometry& g,
                            PreprocessProfile profile) {
    if (!lowResLogits.device().is_cpu())
        return binarize(postprocessLogits(lowResLogits, g, profile), profile).to(at::kByte);
    const at::Tensor x = lowResLogits.to(at::kFloat);
    const int64_t N = x.size(0), M = x.size(1);
    // The grid the last resampling starts from, as postprocessLogits forms it.
    at::Tensor source;
    float threshold = 0.0f;
    if (profile == PreprocessProfile::MedSam) {
        source = at::sigmoid(x);
        threshold = 0.5f;
    } else if (profile == PreprocessProfile::Compact) {
        source = x;
    } else {
        source = at::upsample_bilinear2d(x, {g.inputSize, g.inputSize}, false)
                     .slice(2, 0, g.inputHeight)
                     .slice(3, 0, g.inputWidth);
    }
    const at::Tensor planes = source.reshape({N * M, source.size(2), source.size(3)});
    return thresholdedResample(planes, g.originalHeight, g.originalWidth, threshold)
        .view({N, M, g.originalHeight, g.originalWidth});
}

at::Tensor maskPromptLogits(const at::Tensor& mask, const ImageGeometry& g,
                            PreprocessProfile profile, int64_t size) {
    if (mask.dim() != 2 || mask.size(0) != g.originalHeight || mask.size(1) != g.originalWidth)
        throw ModelError(ErrorCode::BadPrompt, {}, "mask prompt must have the image's size");
    if (size < 1)
        throw ModelError(ErrorCode::BadPrompt, {}, "mask prompt size must be positive");
    const at::Tensor m = mask.ne(0).to(at::kFloat).unsqueeze(0).unsqueeze(0);
    at::Tensor low;
    if (profile == PreprocessProfile::Sam) {
        const double scale = static_cast<double>(size) / g.inputSize;
        const int64_t lh = std::clamp<int64_t>(std::llround(g.inputHeight * scale), 1, size);
        const int64_t lw = std::clamp<int64_t>(std::llround(g.inputWidth * scale), 1, size);
        low = at::constant_pad_nd(at::upsample_bilinear2d(m, {lh, lw}, false),
                                  {0, size - lw, 0, size - lh}, 0.0);
    } else {
        low = at::upsample_bilinear2d(m, {size, size}, false);
    }
    return (low.gt(0.5).to(at::kFloat) * 2.0f - 1.0f) * kMaskPromptLogit;
}

} // namespace dermsam
