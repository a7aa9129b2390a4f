#pragma once

#include "core/auto_segment.h"
#include "core/dataset.h"
#include "core/image_limits.h"
#include "core/metrics.h"
#include "model/predictor.h"
#include "model/prompts.h"
#include "model/test_time_augmentation.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace dermsam {

class EmbeddingCache;

// How an evaluation prompts the model from each ground-truth mask (DESIGN.md "Fine-tuning").
enum class EvalPrompt {
    Box,         // the mask's tight bounding box (max inclusive)
    JitteredBox, // each side moved outward by U(0, 20) px in the 1024 frame, seeded per image
    CenterPoint, // one foreground click where the mask is farthest from its boundary
    Auto,        // no prompt from the mask: core/auto_segment (the mask only scores)
};
const char* evalPromptName(EvalPrompt prompt); // "box", "jitter", "center", "auto"
bool evalPromptFromName(const std::string& name, EvalPrompt& prompt);

// The tight bounding box of the non-zero pixels (x1, y1 = the last lesion column and row).
// False when the mask is empty.
bool maskBoundingBox(const cv::Mat& mask, BoxPrompt& box);
// The lesion pixel farthest from the lesion's boundary (exact Euclidean distance transform;
// outside the image counts as background); the first in raster order on ties. False when empty.
bool maskCenterPoint(const cv::Mat& mask, PointPrompt& point);
// Moves each side outward by an independent U(0, maxJitter1024) pixels of the 1024 frame,
// scaled per axis to a width x height image, and clamps to the image. Portable draws.
BoxPrompt jitterBox(const BoxPrompt& box, int width, int height, std::mt19937_64& rng,
                    double maxJitter1024 = 20);
// The prompt for one ground truth, in the frame of a width x height image (the mask is
// rescaled when the sizes differ). The generator is seeded from (seed, id), so every model sees
// the same prompts whatever the order or subset of images. False when the mask is empty.
// Auto takes nothing from the mask: prompts stay empty (true unless the mask is empty).
bool promptFromMask(const cv::Mat& mask, EvalPrompt mode, const std::string& id, uint64_t seed,
                    int width, int height, Prompts& prompts);

// Encodes through the disk cache (key = model hash, profile, pixels). The embedding is always
// rounded to float16, as the cache stores it, so a cached and a fresh run give identical masks.
// cacheHit (optional) tells whether the encoder was skipped.
ImageEmbedding encodeCached(const Predictor& predictor, const at::Tensor& image,
                            const EmbeddingCache& cache, const std::string& modelHash,
                            bool* cacheHit = nullptr);
// The same over several caches: looked up in order, a new embedding stored in the first (the
// viewer writes its own, size-limited cache and reads the command line's too).
// stop, resume: as Predictor::encode's (ModelError(Cancelled); nothing is stored).
ImageEmbedding encodeCached(const Predictor& predictor, const at::Tensor& image,
                            const std::vector<const EmbeddingCache*>& caches,
                            const std::string& modelHash, bool* cacheHit = nullptr,
                            const std::function<bool()>& stop = {}, EncodeResume* resume = nullptr);

// Every view of test-time augmentation through the caches (each view keyed by its own pixels);
// one identity view when tta is Off. cacheHit: every view came from a cache.
ViewEmbeddings encodeViewsCached(const Predictor& predictor, const at::Tensor& image,
                                 const std::vector<const EmbeddingCache*>& caches,
                                 const std::string& modelHash, TtaMode tta,
                                 bool* cacheHit = nullptr, const std::function<bool()>& stop = {},
                                 EncodeResume* resume = nullptr);

// The per-user cache folder for embeddings (QStandardPaths::CacheLocation + "/embeddings").
std::string defaultEmbeddingCacheDir();

struct EvalOptions {
    EvalPrompt prompt = EvalPrompt::Box;
    uint64_t seed = 0;
    std::string cacheDir; // empty = no disk cache
    double maxJitter = 20;
    int resamples = 2000;    // bootstrap
    ImageLimits imageLimits; // images and masks above it are skipped (image-too-large)
    TtaMode tta = TtaMode::Off;
    AutoOptions autoOptions; // for EvalPrompt::Auto
};

struct EvalImageResult {
    ImageMetrics metrics; // at the ground truth's resolution; id set
    Prompts prompt;       // in image coordinates; for Auto the box it ended with
    double predictedIou = 0;
    bool cacheHit = false;
};

struct EvalSkip {
    std::string id;
    std::string path;
    std::string reason; // machine words: "empty-mask", an error code and detail, ...
};

struct EvalRun {
    std::vector<EvalImageResult> images; // in the items' order, skipped ones left out
    std::vector<EvalSkip> skipped;
    MetricsReport summary;
    size_t cacheHits = 0;
};

struct EvalCallbacks {
    std::function<void(size_t done, size_t total, const std::string& id)> progress;
    std::function<void(const EvalSkip&)> skipped;
    std::function<bool()> cancelled; // checked between images
};

// Loads each image and mask, prompts from the mask, runs the model and scores the prediction
// against the ground truth. An unreadable pair or an empty mask is skipped and reported, never
// thrown; model errors (bad device, ...) propagate. Cancellation throws
// ModelError(Cancelled).
EvalRun runEvaluation(const Predictor& predictor, const std::string& modelHash,
                      const std::vector<DatasetItem>& items, const EvalOptions& options,
                      const EvalCallbacks& callbacks = {});

// The per-image values of one metric ("dice", "iou", ...) in run order.
std::vector<double> metricValues(const EvalRun& run, double ImageMetrics::*field);

} // namespace dermsam
