// Commands that read images (OpenCV, DCMTK through core): segment and embed.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "app/cli/cli_eval.h"
#include "app/cli/cli_explain.h"
#include "app/cli/cli_model_args.h"
#include "io/files.h"
#include "io/json_writer.h"
#include "model/gradcam.h"

#include "core/auto_segment.h"
#include "core/core_error.h"
#include "core/dataset.h"
#include "core/evaluation.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "model/embedding_cache.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/test_time_augmentation.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <opencv2/core.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace dermsam::cli {

namespace {

std::string baseName(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

EmbeddingCache openCache(const std::string& dir) {
    io::makeDirectories(dir);
    return EmbeddingCache(dir);
}

// --heatmap: the Grad-CAM overlay of the same prompts and decoder on the cached embedding
// (DESIGN.md, Explainability), written next to the mask.
void writeSegmentExtras(const Args& args, const Predictor& predictor,
                        const ImageEmbedding& embedding, const Prompts& prompts, DecoderHead head,
                        const at::Tensor& pixels) {
    if (!args.has("heatmap"))
        return;
    CamOptions o;
    o.method = camMethodFromName(args.valueOr("method", "gradcam"));
    o.head = head;
    writeHeatmapPng(args.value("heatmap"), predictor, embedding, prompts, o, pixels);
}

// One mask from the decoder's candidates: with --multimask on one prompt the candidate with the
// highest predicted IoU, otherwise the union of the masks of every box.
cv::Mat chooseMask(const MaskResult& r, bool multimask, size_t& chosen) {
    const at::Tensor masks = r.masks.to(at::kByte).contiguous();
    const int64_t count = masks.size(0);
    at::Tensor m;
    chosen = 0;
    if (multimask && count > 1 && r.iou.size() == static_cast<size_t>(count)) {
        for (size_t i = 1; i < r.iou.size(); ++i)
            if (r.iou[i] > r.iou[chosen])
                chosen = i;
        m = masks[static_cast<int64_t>(chosen)].contiguous();
    } else {
        m = masks.amax(0).contiguous();
    }
    return tensorToMask(m);
}

int runSegment(const std::vector<std::string>& argv) {
    const Args args(argv, {"json", "multimask", "no-cache", "no-sidecar", "auto"});
    args.allowOnly({"model",
                    "image",
                    "box",
                    "point",
                    "out",
                    "profile",
                    "base",
                    "device",
                    "threads",
                    "json",
                    "precision",
                    "tf32",
                    "multimask",
                    "cache",
                    "no-cache",
                    "no-sidecar",
                    "heatmap",
                    "method",
                    "max-megapixels",
                    "auto",
                    "tta",
                    "auto-iterations",
                    "auto-margin",
                    "auto-centre",
                    "auto-largest",
                    "auto-expand",
                    "auto-start"});
    const bool automatic = args.flag("auto");
    Prompts prompts = parsePromptArgs(args);
    if (automatic && !prompts.empty())
        throw UsageError("--auto takes no --box or --point: it finds the lesion itself");
    if (!automatic && prompts.empty())
        throw UsageError("give a prompt: --box x0,y0,x1,y1, --point x,y,label or --auto");
    const AutoOptions autoOptions = autoOptionsFromArgs(args);
    const std::string imagePath = args.value("image");
    const std::string out = args.value("out");
    // The image before the model: a file that cannot be read fails at once, not after seconds
    // of loading weights.
    checkPlacementArgs(args);
    const Image image = loadImage(imagePath, imageLimitsFromArgs(args));
    const LoadedModel m = loadModelOnDevice(args);
    // Resolved once: the search and the JSON must name the same start.
    const AutoOptions autoRun = withModelStarts(autoOptions, m.metadata);
    const TtaMode tta = ttaFromArgs(args, m.profile);

    const at::Tensor pixels = imageToTensor(image);
    const Predictor predictor(m.model, m.profile);
    const EmbeddingCache cache = openCache(cacheDirFromArgs(args));

    c10::InferenceMode guard;
    auto t0 = std::chrono::steady_clock::now();
    bool hit = false;
    const ViewEmbeddings views =
        encodeViewsCached(predictor, pixels, {&cache}, m.sha256, tta, &hit);
    const ImageEmbedding& emb = views.original();
    const double encodeMs = msSince(t0);
    t0 = std::chrono::steady_clock::now();
    MaskResult r;
    int decodes = 1;
    DecoderHead head = DecoderHead::Main;
    if (automatic) {
        AutoResult a = autoSegment(predictor, views, autoRun);
        r = std::move(a.result);
        prompts = a.prompts;
        decodes = a.decodes;
        head = a.head;
    } else {
        r = decodeViews(predictor, views, prompts);
    }
    const double decodeMs = msSince(t0);
    size_t chosen = 0;
    const cv::Mat mask = chooseMask(r, prompts.multimask, chosen);
    const double iou = r.iou.empty() ? 0.0 : r.iou[chosen];

    const bool sidecar = !args.has("no-sidecar");
    io::makeParentDirectories(out);
    if (sidecar) {
        MaskSidecar s;
        s.prompts = prompts;
        s.sourceImage = baseName(imagePath);
        s.modelFile = m.isDefault ? "default" : baseName(m.path);
        s.modelHash = m.sha256;
        s.preprocessingProfile = profileName(m.profile);
        s.predictedIou = iou;
        s.decoder = head;
        saveMask(out, mask, s);
    } else {
        saveMaskPng(out, mask);
    }
    writeSegmentExtras(args, predictor, emb, prompts, head, pixels);

    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject().field("out", out).key("sidecar");
        if (sidecar)
            j.value(sidecarPathFor(out));
        else
            j.null();
        j.field("width", mask.cols)
            .field("height", mask.rows)
            .field("area", cv::countNonZero(mask))
            .field("masks", r.iou.size())
            .field("chosen", chosen)
            .key("iou")
            .beginArray();
        for (const double v : r.iou)
            j.value(v);
        j.endArray().field("predicted_iou", iou);
        // The prompt the mask came from: the user's, or for --auto the box it ended with
        // (then "box" and "decodes" follow "prompt" at the top level, as they always have).
        j.field("prompt", automatic ? "auto" : "given");
        if (automatic && !prompts.boxes.empty()) {
            const BoxPrompt& b = prompts.boxes.front();
            j.key("box")
                .beginArray()
                .value(static_cast<double>(b.x0))
                .value(static_cast<double>(b.y0))
                .value(static_cast<double>(b.x1))
                .value(static_cast<double>(b.y1))
                .endArray()
                .field("decodes", decodes)
                .field("auto_start", autoStartsText(autoRun.starts));
        }
        j.field("tta", ttaModeName(tta))
            .field("views", views.views.size())
            .field("profile", profileName(m.profile))
            .field("model", m.isDefault ? std::string("default") : m.path)
            .field("cache_hit", hit)
            .field("encode_ms", encodeMs)
            .field("decode_ms", decodeMs)
            .endObject();
        std::printf("%s\n", j.str().c_str());
    } else {
        std::printf("wrote %s (%d x %d, %d lesion pixels, predicted IoU %.3f)\n", out.c_str(),
                    mask.cols, mask.rows, cv::countNonZero(mask), iou);
    }
    return 0;
}

int runEmbed(const std::vector<std::string>& argv) {
    const Args args(argv, {"json"});
    args.allowOnly({"model", "data", "cache", "device", "precision", "tf32", "threads", "profile",
                    "base", "json", "limit", "max-megapixels"});
    const std::string data = args.value("data");
    const int limit = args.intValue("limit", 0);
    if (limit < 0)
        throw UsageError("--limit must be zero (all) or positive");
    if (args.has("cache") && args.value("cache").empty())
        throw UsageError("--cache needs a folder");
    const ImageLimits imageLimits = imageLimitsFromArgs(args);
    const LoadedModel m = loadModelOnDevice(args);

    // Every image of the dataset, masks or not (an image without a mask is still worth caching).
    const Dataset ds = scanDataset(data);
    std::vector<std::pair<std::string, std::string>> images; // id, path
    for (const DatasetItem& item : ds.items)
        images.emplace_back(item.id, item.imagePath);
    for (const DatasetProblem& p : ds.problems)
        if (p.kind == ProblemKind::MissingMask)
            images.emplace_back(p.id, p.path);
    if (limit > 0 && images.size() > static_cast<size_t>(limit))
        images.resize(static_cast<size_t>(limit));
    if (images.empty())
        throw UsageError("no images in '" + data + "'");

    const std::string cacheDir = cacheDirFromArgs(args);
    const EmbeddingCache cache = openCache(cacheDir);
    const Predictor predictor(m.model, m.profile);
    c10::InferenceMode guard;
    size_t encoded = 0, cached = 0, failed = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < images.size(); ++i) {
        const auto& [id, path] = images[i];
        const char* what = "encoded";
        try {
            const at::Tensor pixels = imageToTensor(loadImage(path, imageLimits));
            bool hit = false;
            encodeCached(predictor, pixels, cache, m.sha256, &hit);
            if (hit) {
                ++cached;
                what = "cached";
            } else {
                ++encoded;
            }
        } catch (const CoreError& e) {
            ++failed;
            std::fprintf(stderr, "skipped %s (%s): %s\n", id.c_str(), coreErrorCodeName(e.code()),
                         path.c_str());
            continue;
        }
        std::fprintf(stderr, "embed %zu/%zu %s (%s)\n", i + 1, images.size(), id.c_str(), what);
    }
    const double seconds = msSince(t0) / 1000.0;
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject()
            .field("images", images.size())
            .field("encoded", encoded)
            .field("cached", cached)
            .field("failed", failed)
            .field("cache", cacheDir)
            .field("seconds", seconds)
            .endObject();
        std::printf("%s\n", j.str().c_str());
    } else {
        std::printf("%zu images: %zu encoded, %zu already cached, %zu failed (%s)\n", images.size(),
                    encoded, cached, failed, cacheDir.c_str());
    }
    return failed == images.size() ? 1 : 0;
}

} // namespace

void registerImageCommands(CommandTable& table) {
    table["segment"] = {runSegment, "segment one image from a box or points; writes a 0/255 PNG"};
    table["embed"] = {runEmbed, "precompute image embeddings of a dataset into the cache"};
}

} // namespace dermsam::cli
