#include "model/preprocess.h"

#include "model/model_error.h"
#include "model/sam_architecture.h"

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

// One tap of OpenCV's area table: destination index d takes source index s with weight alpha.
struct AreaTap {
    int64_t d, s;
    float alpha;
};

// OpenCV's computeResizeAreaTab: the source cells each destination cell covers, with the
// fraction of the cell each covers (partial cells at both ends).
std::vector<AreaTap> areaTaps(int64_t ssize, int64_t dsize, double scale) {
    std::vector<AreaTap> taps;
    for (int64_t dx = 0; dx < dsize; ++dx) {
        const double fsx1 = static_cast<double>(dx) * scale;
        const double fsx2 = fsx1 + scale;
        const double cellWidth = std::min(scale, static_cast<double>(ssize) - fsx1);
        int64_t sx1 = static_cast<int64_t>(std::ceil(fsx1));
        int64_t sx2 = static_cast<int64_t>(std::floor(fsx2));
        sx2 = std::min(sx2, ssize - 1);
        sx1 = std::min(sx1, sx2);
        if (static_cast<double>(sx1) - fsx1 > 1e-3)
            taps.push_back(
                {dx, sx1 - 1, static_cast<float>((static_cast<double>(sx1) - fsx1) / cellWidth)});
        for (int64_t sx = sx1; sx < sx2; ++sx)
            taps.push_back({dx, sx, static_cast<float>(1.0 / cellWidth)});
        if (fsx2 - static_cast<double>(sx2) > 1e-3)
            taps.push_back(
                {dx, sx2,
                 static_cast<float>(
                     std::min(std::min(fsx2 - static_cast<double>(sx2), 1.0), cellWidth) /
                     cellWidth)});
    }
    return taps;
}

// saturate_cast<uchar>(float): nearest, halves to even (the default rounding mode), clamped.
float roundToByte(float v) {
    return std::clamp(std::nearbyint(v), 0.0f, 255.0f);
}

// OpenCV's area-mode weights for enlarging along one axis, in 11-bit fixed point: (source
// index, weight of it, weight of the next).
struct FixedTap {
    int64_t s0, s1;
    int32_t w0, w1;
};

std::vector<FixedTap> enlargeTaps(int64_t ssize, int64_t dsize) {
    const double inv = static_cast<double>(dsize) / static_cast<double>(ssize);
    const double scale = 1.0 / inv;
    std::vector<FixedTap> taps(static_cast<size_t>(dsize));
    for (int64_t d = 0; d < dsize; ++d) {
        int64_t sx = static_cast<int64_t>(std::floor(static_cast<double>(d) * scale));
        float fx =
            static_cast<float>(static_cast<double>(d + 1) - static_cast<double>(sx + 1) * inv);
        fx = fx <= 0 ? 0.f : fx - std::floor(fx);
        if (sx < 0) {
            fx = 0;
            sx = 0;
        }
        if (sx >= ssize - 1) {
            fx = 0;
            sx = ssize - 1;
        }
        const auto w0 = static_cast<int32_t>(std::lrint((1.f - fx) * 2048.f));
        const auto w1 = static_cast<int32_t>(std::lrint(fx * 2048.f));
        taps[static_cast<size_t>(d)] = {sx, std::min(sx + 1, ssize - 1), w0, w1};
    }
    return taps;
}

} // namespace

at::Tensor resizeAreaLikeOpenCv(const at::Tensor& plane, int64_t h, int64_t w) {
    if (plane.dim() != 2 || plane.size(0) < 1 || plane.size(1) < 1 || h < 1 || w < 1)
        throw ModelError(ErrorCode::BadImage, {}, "area resampling of an empty image");
    const at::Tensor src = plane.to(at::kCPU, at::kFloat).contiguous();
    const int64_t H = src.size(0), W = src.size(1);
    const float* in = src.data_ptr<float>();
    at::Tensor out = at::empty({h, w}, at::kFloat);
    float* dst = out.data_ptr<float>();
    // As cv::resize: scale = 1 / (dsize / ssize), not ssize / dsize (they can differ in the
    // last bit, which moves the cells' edges).
    const double scaleX = 1.0 / (static_cast<double>(w) / static_cast<double>(W));
    const double scaleY = 1.0 / (static_cast<double>(h) / static_cast<double>(H));
    if (scaleX >= 1 && scaleY >= 1) {
        const auto ix = static_cast<int64_t>(std::lround(scaleX));
        const auto iy = static_cast<int64_t>(std::lround(scaleY));
        if (std::abs(scaleX - static_cast<double>(ix)) < 2.220446049250313e-16 &&
            std::abs(scaleY - static_cast<double>(iy)) < 2.220446049250313e-16) {
            // Whole-number factors: integer sums over each block (OpenCV's resizeAreaFast).
            const float inverse = 1.f / static_cast<float>(ix * iy);
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x) {
                    int64_t sum = 0;
                    for (int64_t sy = 0; sy < iy; ++sy)
                        for (int64_t sx = 0; sx < ix; ++sx)
                            sum += static_cast<int64_t>(in[(y * iy + sy) * W + x * ix + sx]);
                    dst[y * w + x] = ix == 2 && iy == 2
                                         ? static_cast<float>((sum + 2) >> 2)
                                         : roundToByte(static_cast<float>(sum) * inverse);
                }
            return out;
        }
        // General factors: each source row is summed across (horizontal taps), and the rows
        // are summed into the destination row, in float, in OpenCV's order.
        const std::vector<AreaTap> xs = areaTaps(W, w, scaleX), ys = areaTaps(H, h, scaleY);
        std::vector<float> buf(static_cast<size_t>(w)), sum(static_cast<size_t>(w));
        int64_t prev = -1;
        for (const AreaTap& ty : ys) {
            std::fill(buf.begin(), buf.end(), 0.f);
            const float* row = in + ty.s * W;
            for (const AreaTap& tx : xs)
                buf[static_cast<size_t>(tx.d)] += row[tx.s] * tx.alpha;
            if (ty.d != prev) {
                if (prev >= 0)
                    for (int64_t x = 0; x < w; ++x)
                        dst[prev * w + x] = roundToByte(sum[static_cast<size_t>(x)]);
                for (int64_t x = 0; x < w; ++x)
                    sum[static_cast<size_t>(x)] = ty.alpha * buf[static_cast<size_t>(x)];
                prev = ty.d;
            } else {
                for (int64_t x = 0; x < w; ++x)
                    sum[static_cast<size_t>(x)] += ty.alpha * buf[static_cast<size_t>(x)];
            }
        }
        for (int64_t x = 0; x < w; ++x)
            dst[prev * w + x] = roundToByte(sum[static_cast<size_t>(x)]);
        return out;
    }
    // Enlarging: bilinear with area-mode weights, horizontal then vertical, in fixed point
    // (2^11 per axis), rounded once at the end.
    const std::vector<FixedTap> xs = enlargeTaps(W, w), ys = enlargeTaps(H, h);
    std::vector<int32_t> row0(static_cast<size_t>(w)), row1(static_cast<size_t>(w));
    const auto horizontal = [&](int64_t sy, std::vector<int32_t>& r) {
        const float* row = in + sy * W;
        for (int64_t x = 0; x < w; ++x) {
            const FixedTap& t = xs[static_cast<size_t>(x)];
            r[static_cast<size_t>(x)] =
                static_cast<int32_t>(row[t.s0]) * t.w0 + static_cast<int32_t>(row[t.s1]) * t.w1;
        }
    };
    for (int64_t y = 0; y < h; ++y) {
        const FixedTap& t = ys[static_cast<size_t>(y)];
        horizontal(t.s0, row0);
        horizontal(t.s1, row1);
        for (int64_t x = 0; x < w; ++x) {
            const int64_t v = int64_t{row0[static_cast<size_t>(x)]} * t.w0 +
                              int64_t{row1[static_cast<size_t>(x)]} * t.w1;
            dst[y * w + x] = static_cast<float>(std::clamp<int64_t>((v + (1 << 21)) >> 22, 0, 255));
        }
    }
    return out;
}

PreprocessProfile defaultProfileFor(const SamArchitecture& arch) {
    if (arch.encoder == "tinyvit")
        return PreprocessProfile::LiteMedSam;
    if (arch.encoder == "compact")
        return PreprocessProfile::Compact;
    return PreprocessProfile::MedSam;
}

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
    case PreprocessProfile::LiteMedSam:
        return "litemedsam";
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
    if (name == "litemedsam")
        return PreprocessProfile::LiteMedSam;
    throw ModelError(ErrorCode::BadArgument, {}, "unknown preprocessing profile '" + name + "'");
}

ImageGeometry imageGeometry(const at::Tensor& image, PreprocessProfile profile, int inputSize) {
    checkImageShape(image);
    ImageGeometry g;
    g.originalHeight = static_cast<int>(image.size(0));
    g.originalWidth = static_cast<int>(image.size(1));
    g.inputSize = inputSize;
    if (profile != PreprocessProfile::Sam && profile != PreprocessProfile::LiteMedSam) {
        g.inputHeight = g.inputWidth = inputSize;
        return g;
    }
    // SAM and LiteMedSAM: longest side to inputSize with ResizeLongestSide's rounding.
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
    if (profile == PreprocessProfile::LiteMedSam) {
        // On the CPU, as OpenCV does it (8-bit results), then moved: the image is small.
        const int newH = r.geometry.inputHeight, newW = r.geometry.inputWidth;
        const at::Tensor resized =
            resampledChannels(image.to(at::kCPU), [newH, newW](const at::Tensor& x) {
                return resizeAreaLikeOpenCv(x[0][0], newH, newW).unsqueeze(0).unsqueeze(0);
            });
        const at::Tensor lo = resized.min();
        const at::Tensor norm = (resized - lo) / (resized.max() - lo).clamp_min(1e-8);
        r.input =
            at::constant_pad_nd(norm, {0, inputSize - newW, 0, inputSize - newH}, 0).to(device);
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
                            PreprocessProfile profile) {
    // inputWidth/inputHeight is the resized image inside the square for every profile.
    float sx = static_cast<float>(g.inputWidth) / g.originalWidth;
    float sy = static_cast<float>(g.inputHeight) / g.originalHeight;
    // LiteMedSAM scales both axes by S / max(H, W) (not by the rounded resized size) and
    // truncates box corners to whole pixels: int(v * 256 / max(H, W)) in double.
    const bool lite = profile == PreprocessProfile::LiteMedSam;
    const double liteRatio =
        static_cast<double>(g.inputSize) / std::max(g.originalHeight, g.originalWidth);
    if (lite)
        sx = sy = static_cast<float>(liteRatio);
    const auto liteBox = [liteRatio](float v) {
        return static_cast<float>(std::floor(static_cast<double>(v) * liteRatio));
    };
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
        if (lite)
            out.boxes.push_back({liteBox(b.x0), liteBox(b.y0), liteBox(b.x1), liteBox(b.y1)});
        else
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

namespace {

// LiteMedSAM's crop of the low-res logits to the resized image (the logits' frame is the input
// square, 256 x 256 for a 256 input).
at::Tensor liteCrop(const at::Tensor& logits, const ImageGeometry& g) {
    const double k = static_cast<double>(logits.size(2)) / g.inputSize;
    const int64_t h = std::clamp<int64_t>(std::llround(g.inputHeight * k), 1, logits.size(2));
    const int64_t w = std::clamp<int64_t>(std::llround(g.inputWidth * k), 1, logits.size(3));
    return logits.narrow(2, 0, h).narrow(3, 0, w);
}

} // namespace

at::Tensor postprocessLogits(const at::Tensor& lowResLogits, const ImageGeometry& g,
                             PreprocessProfile profile) {
    const at::Tensor x = lowResLogits.to(at::kFloat);
    if (profile == PreprocessProfile::MedSam) {
        return at::upsample_bilinear2d(at::sigmoid(x), {g.originalHeight, g.originalWidth}, false);
    }
    if (profile == PreprocessProfile::Compact)
        return at::upsample_bilinear2d(x, {g.originalHeight, g.originalWidth}, false);
    if (profile == PreprocessProfile::LiteMedSam)
        return at::sigmoid(
            at::upsample_bilinear2d(liteCrop(x, g), {g.originalHeight, g.originalWidth}, false));
    at::Tensor up = at::upsample_bilinear2d(x, {g.inputSize, g.inputSize}, false);
    up = up.slice(2, 0, g.inputHeight).slice(3, 0, g.inputWidth);
    return at::upsample_bilinear2d(up, {g.originalHeight, g.originalWidth}, false);
}

at::Tensor binarize(const at::Tensor& postprocessed, PreprocessProfile profile) {
    return profile == PreprocessProfile::MedSam || profile == PreprocessProfile::LiteMedSam
               ? postprocessed > 0.5
               : postprocessed > 0.0;
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
    } else if (profile == PreprocessProfile::LiteMedSam) {
        // sigmoid(v) > 0.5 exactly when v > 0: the logits are resampled, not probabilities.
        source = liteCrop(x, g);
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
    if (profile == PreprocessProfile::Sam || profile == PreprocessProfile::LiteMedSam) {
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
