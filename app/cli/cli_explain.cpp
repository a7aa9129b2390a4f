// explain and pointing-game: Grad-CAM heatmaps of the mask (DESIGN.md, Explainability).
#include "app/cli/cli_explain.h"

#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "app/cli/cli_eval.h"
#include "app/cli/cli_model_args.h"
#include "io/json_writer.h"

#include "core/dataset_split.h"
#include "core/evaluation.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/pointing_game.h"
#include "io/atomic_file.h"
#include "io/files.h"
#include "model/gradcam.h"
#include "model/model_error.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/serialization/npy.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace dermsam::cli {

namespace {

CamOptions camOptionsFromArgs(const Args& args) {
    CamOptions o;
    try {
        o.method = camMethodFromName(args.valueOr("method", "gradcam"));
        o.block = camLayerFromName(args.valueOr("layer", "embedding"));
    } catch (const ModelError& e) {
        throw UsageError(e.detail());
    }
    return o;
}

int colormapFromName(const std::string& name) {
    if (name == "turbo")
        return cv::COLORMAP_TURBO;
    if (name == "jet")
        return cv::COLORMAP_JET;
    if (name == "viridis")
        return cv::COLORMAP_VIRIDIS;
    throw UsageError("unknown --colormap '" + name + "' (turbo, jet or viridis)");
}

cv::Mat heatmapMat(const CamResult& r) {
    return cv::Mat(r.height, r.width, CV_32F, const_cast<float*>(r.heatmap.data())).clone();
}

// RGB8 image + heatmap in [0, 1] -> BGR overlay: (1 - a) * image + a * colour(heat).
cv::Mat overlay(const cv::Mat& rgb8, const cv::Mat& heat, int colormap, double opacity) {
    cv::Mat heat8;
    heat.convertTo(heat8, CV_8U, 255.0);
    cv::Mat colour;
    cv::applyColorMap(heat8, colour, colormap); // BGR
    cv::Mat bgr;
    cv::cvtColor(rgb8, bgr, cv::COLOR_RGB2BGR);
    cv::Mat out;
    cv::addWeighted(bgr, 1.0 - opacity, colour, opacity, 0.0, out);
    return out;
}

// Encoded in memory, then written through a temporary and renamed: a killed process never
// leaves a half-written picture under the name the user asked for.
void writePictureAtomically(const std::string& path, const cv::Mat& picture) {
    const std::string ext = std::filesystem::path(path).extension().string();
    std::vector<uchar> bytes;
    bool encoded = false;
    try {
        encoded = !ext.empty() && cv::imencode(ext, picture, bytes);
    } catch (const cv::Exception&) {
        encoded = false;
    }
    if (!encoded)
        throw UsageError("cannot write " + path + ": unknown picture type (use .png or .jpg)");
    io::writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

int runExplain(const std::vector<std::string>& argv) {
    const Args args(argv, {"json", "multimask"});
    args.allowOnly({"model", "image", "box", "point", "multimask", "out", "method", "layer", "raw",
                    "colormap", "opacity", "profile", "base", "device", "precision", "tf32",
                    "threads", "json", "max-megapixels"});
    const Prompts prompts = parsePromptArgs(args);
    if (prompts.empty())
        throw UsageError("give a prompt: --box x0,y0,x1,y1 or --point x,y,label");
    const std::string imagePath = args.value("image");
    const std::string out = args.value("out");
    const CamOptions options = camOptionsFromArgs(args);
    const int colormap = colormapFromName(args.valueOr("colormap", "turbo"));
    const double opacity = args.doubleValue("opacity", 0.5);
    if (!(opacity >= 0.0 && opacity <= 1.0))
        throw UsageError("--opacity must lie in [0, 1]");
    checkPlacementArgs(args);
    const Image image = loadImage(imagePath, imageLimitsFromArgs(args));
    const LoadedModel m = loadModelOnDevice(args);

    const at::Tensor pixels = imageToTensor(image);
    const Predictor predictor(m.model, m.profile);

    c10::InferenceMode guard;
    auto t0 = std::chrono::steady_clock::now();
    const ImageEmbedding emb = predictor.encode(pixels);
    const double encodeMs = msSince(t0);
    t0 = std::chrono::steady_clock::now();
    const CamResult r = computeCam(*m.model, emb, prompts, options, pixels);
    const double camMs = msSince(t0);

    io::makeParentDirectories(out);
    const cv::Mat picture = overlay(toRgb8(image), heatmapMat(r), colormap, opacity);
    writePictureAtomically(out, picture);
    const std::string raw = args.valueOr("raw", "");
    if (!raw.empty()) {
        io::makeParentDirectories(raw);
        const at::Tensor t =
            at::from_blob(const_cast<float*>(r.raw.data()), {r.rawHeight, r.rawWidth}, at::kFloat)
                .clone();
        writeNpy(raw, t);
    }
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject().field("out", out).key("raw");
        if (raw.empty())
            j.null();
        else
            j.value(raw);
        j.field("method", camMethodName(r.method))
            .field("layer", camLayerName(r.block))
            .field("width", r.width)
            .field("height", r.height)
            .field("raw_width", r.rawWidth)
            .field("raw_height", r.rawHeight)
            .key("peak")
            .beginArray()
            .value(r.peakX)
            .value(r.peakY)
            .endArray()
            .field("target", r.target)
            .field("candidate", r.candidate)
            .field("encode_ms", encodeMs)
            .field("cam_ms", camMs)
            .endObject();
        std::printf("%s\n", j.str().c_str());
    } else {
        std::printf("wrote %s (%s at %s, %d x %d, peak at %d,%d)\n", out.c_str(),
                    camMethodName(r.method).c_str(), camLayerName(r.block).c_str(), r.width,
                    r.height, r.peakX, r.peakY);
    }
    return 0;
}

// --split FILE:NAME, --split FILE [--split-name NAME] (default test), or --split-name NAME
// alone (the dataset's own splits.txt): the same rules as eval.
void splitFromArgs(const Args& args, std::string& file, std::string& name) {
    if (args.has("split")) {
        const std::string v = args.value("split");
        const auto colon = v.rfind(':');
        SplitName dummy;
        if (colon != std::string::npos && splitNameFromString(v.substr(colon + 1), dummy)) {
            file = v.substr(0, colon);
            name = v.substr(colon + 1);
        } else {
            file = v;
            name = "test";
        }
        if (file.empty())
            throw UsageError("--split needs a file: --split FILE:NAME");
    }
    if (args.has("split-name"))
        name = args.value("split-name");
}

int runPointingGame(const std::vector<std::string>& argv) {
    const Args args(argv, {"json"});
    args.allowOnly({"model", "data", "split", "split-name", "json", "limit", "method", "layer",
                    "tolerance", "profile", "base", "device", "precision", "tf32", "threads"});
    const std::string dataDir = args.value("data");
    const CamOptions options = camOptionsFromArgs(args);
    const int tolerance = args.intValue("tolerance", kPointingTolerancePx);
    if (tolerance < 0)
        throw UsageError("--tolerance must be >= 0");
    const int limit = args.intValue("limit", 0);
    if (limit < 0)
        throw UsageError("--limit must be >= 0");
    std::string splitFile, splitName;
    splitFromArgs(args, splitFile, splitName);
    const LoadedModel m = loadModelOnDevice(args);
    const Predictor predictor(m.model, m.profile);
    const PairSource pairs = openPairs(dataDir, splitFile, splitName, static_cast<size_t>(limit));

    c10::InferenceMode guard;
    // Many one-box CAMs on one model: on a GPU, replayed from a captured graph.
    const CamEngine cams(m.model);
    std::vector<PointingImage> results;
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < pairs.count; ++i) {
        const ImageMaskPair pair = pairs.load(i);
        const at::Tensor gtT = pair.mask.to(at::kByte).contiguous();
        const cv::Mat gt(static_cast<int>(gtT.size(0)), static_cast<int>(gtT.size(1)), CV_8U,
                         gtT.data_ptr<uint8_t>());
        PointingImage pi;
        pi.id = pair.id;
        Prompts prompts;
        // Box prompt from the ground truth, as eval's default.
        if (promptFromMask(gt, EvalPrompt::Box, pair.id, 0, gt.cols, gt.rows, prompts)) {
            const ImageEmbedding emb = predictor.encode(pair.image);
            const CamResult r = cams.compute(emb, prompts, options, pair.image);
            pi.outcome = pointingGame(heatmapMat(r), gt, tolerance);
        }
        results.push_back(pi);
        std::fprintf(stderr, "\r[%zu/%zu] %s %s", i + 1, pairs.count, pair.id.c_str(),
                     !pi.outcome.evaluated ? "skipped (empty mask)"
                     : pi.outcome.hit      ? "hit"
                                           : "miss");
        std::fflush(stderr);
    }
    if (pairs.count > 0)
        std::fprintf(stderr, "\n");
    const PointingSummary s = summarisePointing(results);
    const std::string variant = pointingGameVariant(tolerance) + "; " +
                                camMethodName(options.method) + " at " +
                                camLayerName(options.block) + ", box prompt from the ground truth";
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject()
            .field("n", s.n)
            .field("hits", s.hits)
            .field("accuracy", s.accuracy)
            .field("skipped", s.skipped)
            .field("tolerance_px", tolerance)
            .field("method", camMethodName(options.method))
            .field("layer", camLayerName(options.block))
            .field("variant", variant)
            .field("seconds", msSince(t0) / 1000.0)
            .key("per_image")
            .beginArray();
        for (const PointingImage& p : results) {
            j.beginObject().field("id", p.id).key("hit");
            if (p.outcome.evaluated)
                j.value(p.outcome.hit);
            else
                j.null();
            j.key("peak")
                .beginArray()
                .value(p.outcome.peakX)
                .value(p.outcome.peakY)
                .endArray()
                .endObject();
        }
        j.endArray().endObject();
        std::printf("%s\n", j.str().c_str());
    } else {
        std::printf("pointing game: %d / %d hits, accuracy %.4f (%d skipped)\n%s\n", s.hits, s.n,
                    s.accuracy, s.skipped, variant.c_str());
    }
    return 0;
}

} // namespace

void writeHeatmapPng(const std::string& path, const Predictor& predictor,
                     const ImageEmbedding& embedding, const Prompts& prompts,
                     const CamOptions& options, const at::Tensor& rgbPixels,
                     const std::string& colormap, double opacity) {
    const int map = colormapFromName(colormap);
    const CamResult r = computeCam(predictor.model(), embedding, prompts, options, rgbPixels);
    const cv::Mat heat = heatmapMat(r);
    cv::Mat picture;
    if (rgbPixels.defined() && rgbPixels.dim() == 3 && rgbPixels.size(2) == 3 &&
        rgbPixels.scalar_type() == at::kByte) {
        const at::Tensor px = rgbPixels.contiguous();
        const cv::Mat rgb(static_cast<int>(px.size(0)), static_cast<int>(px.size(1)), CV_8UC3,
                          px.data_ptr<uint8_t>());
        picture = overlay(rgb, heat, map, opacity);
    } else {
        cv::Mat heat8;
        heat.convertTo(heat8, CV_8U, 255.0);
        cv::applyColorMap(heat8, picture, map);
    }
    io::makeParentDirectories(path);
    writePictureAtomically(path, picture);
}

void registerExplainCommands(CommandTable& table) {
    table["explain"] = {runExplain,
                        "Grad-CAM heatmap of one mask over its image (PNG overlay, --raw .npy)"};
    table["pointing-game"] = {runPointingGame,
                              "pointing-game accuracy of the heatmaps on a dataset (GT boxes)"};
}

} // namespace dermsam::cli
