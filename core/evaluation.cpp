#include "core/evaluation.h"

#include "core/core_error.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "io/atomic_file.h"
#include "io/files.h"
#include "model/embedding_cache.h"
#include "model/model_error.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <QCoreApplication>
#include <QStandardPaths>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dermsam {

namespace {

// 53 random bits -> [0, 1): the same on every platform (std distributions are not).
double unitDraw(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

} // namespace

const char* evalPromptName(EvalPrompt prompt) {
    switch (prompt) {
    case EvalPrompt::Box:
        return "box";
    case EvalPrompt::JitteredBox:
        return "jitter";
    case EvalPrompt::CenterPoint:
        return "center";
    case EvalPrompt::Auto:
        return "auto";
    }
    return "box";
}

bool evalPromptFromName(const std::string& name, EvalPrompt& prompt) {
    if (name == "box")
        prompt = EvalPrompt::Box;
    else if (name == "jitter" || name == "jittered-box")
        prompt = EvalPrompt::JitteredBox;
    else if (name == "center" || name == "centre" || name == "point")
        prompt = EvalPrompt::CenterPoint;
    else if (name == "auto")
        prompt = EvalPrompt::Auto;
    else
        return false;
    return true;
}

bool maskBoundingBox(const cv::Mat& mask, BoxPrompt& box) {
    std::vector<cv::Point> nz;
    cv::findNonZero(mask, nz);
    if (nz.empty())
        return false;
    const cv::Rect r = cv::boundingRect(nz);
    box = {static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.x + r.width - 1),
           static_cast<float>(r.y + r.height - 1)};
    return true;
}

bool maskCenterPoint(const cv::Mat& mask, PointPrompt& point) {
    if (cv::countNonZero(mask) == 0)
        return false;
    // A background frame makes the image border count as the lesion's boundary.
    cv::Mat padded;
    cv::copyMakeBorder(mask != 0, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::Mat dist;
    cv::distanceTransform(padded, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
    double maxVal = 0;
    cv::Point maxLoc;
    cv::minMaxLoc(dist, nullptr, &maxVal, nullptr, &maxLoc);
    point = {static_cast<float>(maxLoc.x - 1), static_cast<float>(maxLoc.y - 1), 1};
    return true;
}

BoxPrompt jitterBox(const BoxPrompt& box, int width, int height, std::mt19937_64& rng,
                    double maxJitter1024) {
    const double sx = width / 1024.0;
    const double sy = height / 1024.0;
    const double d0 = unitDraw(rng) * maxJitter1024 * sx;
    const double d1 = unitDraw(rng) * maxJitter1024 * sy;
    const double d2 = unitDraw(rng) * maxJitter1024 * sx;
    const double d3 = unitDraw(rng) * maxJitter1024 * sy;
    BoxPrompt b;
    b.x0 = static_cast<float>(std::max(0.0, box.x0 - d0));
    b.y0 = static_cast<float>(std::max(0.0, box.y0 - d1));
    b.x1 = static_cast<float>(std::min(width - 1.0, box.x1 + d2));
    b.y1 = static_cast<float>(std::min(height - 1.0, box.y1 + d3));
    return b;
}

bool promptFromMask(const cv::Mat& mask, EvalPrompt mode, const std::string& id, uint64_t seed,
                    int width, int height, Prompts& prompts) {
    prompts = {};
    const double sx = mask.cols > 0 ? static_cast<double>(width) / mask.cols : 1.0;
    const double sy = mask.rows > 0 ? static_cast<double>(height) / mask.rows : 1.0;
    if (mode == EvalPrompt::Auto)
        return cv::countNonZero(mask) > 0;
    if (mode == EvalPrompt::CenterPoint) {
        PointPrompt p;
        if (!maskCenterPoint(mask, p))
            return false;
        p.x = static_cast<float>(p.x * sx);
        p.y = static_cast<float>(p.y * sy);
        prompts.points.push_back(p);
        return true;
    }
    BoxPrompt b;
    if (!maskBoundingBox(mask, b))
        return false;
    if (sx != 1.0 || sy != 1.0)
        b = {static_cast<float>(b.x0 * sx), static_cast<float>(b.y0 * sy),
             static_cast<float>(b.x1 * sx), static_cast<float>(b.y1 * sy)};
    if (mode == EvalPrompt::JitteredBox) {
        std::mt19937_64 rng(seed ^ fnv1a(id));
        b = jitterBox(b, width, height, rng);
    }
    prompts.boxes.push_back(b);
    return true;
}

ImageEmbedding encodeCached(const Predictor& predictor, const at::Tensor& image,
                            const EmbeddingCache& cache, const std::string& modelHash,
                            bool* cacheHit) {
    return encodeCached(predictor, image, std::vector<const EmbeddingCache*>{&cache}, modelHash,
                        cacheHit);
}

ImageEmbedding encodeCached(const Predictor& predictor, const at::Tensor& image,
                            const std::vector<const EmbeddingCache*>& caches,
                            const std::string& modelHash, bool* cacheHit,
                            const std::function<bool()>& stop, EncodeResume* resume) {
    const SamModel& model = predictor.model();
    const SamArchitecture& arch = model.architecture();
    const std::vector<int64_t> shape{1, arch.outChans, arch.embeddingSize(), arch.embeddingSize()};
    const std::string key =
        EmbeddingCache::key(modelHash, profileName(predictor.profile()), image, model.dtype());
    at::Tensor half;
    for (const EmbeddingCache* cache : caches) {
        half = cache->load(key, shape);
        if (half.defined())
            break;
    }
    if (cacheHit)
        *cacheHit = half.defined();
    ImageEmbedding e;
    if (half.defined()) {
        // The geometry alone: no resampling, no encoder.
        e.geometry = imageGeometry(image, predictor.profile(), arch.imgSize);
        e.profile = predictor.profile();
    } else {
        e = predictor.encode(image, stop, resume);
        half = e.embedding.to(at::kCPU, at::kHalf);
        if (!caches.empty())
            caches.front()->store(key, half);
    }
    e.embedding = half.to(model.device(), at::kFloat);
    return e;
}

ViewEmbeddings encodeViewsCached(const Predictor& predictor, const at::Tensor& image,
                                 const std::vector<const EmbeddingCache*>& caches,
                                 const std::string& modelHash, TtaMode tta, bool* cacheHit,
                                 const std::function<bool()>& stop, EncodeResume* resume) {
    ViewEmbeddings v;
    v.views = ttaViews(tta);
    v.height = static_cast<int>(image.size(0));
    v.width = static_cast<int>(image.size(1));
    bool all = true;
    for (const ViewTransform& view : v.views) {
        bool hit = false;
        // The resume state belongs to the image itself: the other views start afresh.
        v.embeddings.push_back(
            encodeCached(predictor, view.identity() ? image : transformImage(image, view), caches,
                         modelHash, &hit, stop, view.identity() ? resume : nullptr));
        all = all && hit;
    }
    if (cacheHit)
        *cacheHit = all;
    return v;
}

std::string defaultEmbeddingCacheDir() {
    // The command line has no QCoreApplication: use the GUI's names so both share one cache.
    if (QCoreApplication::instance() == nullptr) {
        QCoreApplication::setApplicationName(QStringLiteral("DermSAM"));
        QCoreApplication::setOrganizationName(QStringLiteral("DermSAM"));
    }
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                        QStringLiteral("/embeddings");
    try {
        io::makeDirectories(dir.toStdString());
    } catch (const io::FileError&) {
        // The cache is optional: a folder that cannot be made shows as a failed cache write.
    }
    return dir.toStdString();
}

EvalRun runEvaluation(const Predictor& predictor, const std::string& modelHash,
                      const std::vector<DatasetItem>& items, const EvalOptions& options,
                      const EvalCallbacks& callbacks) {
    c10::InferenceMode guard;
    rethrowAsCoreError([&] { io::makeDirectories(options.cacheDir); });
    const EmbeddingCache cache(options.cacheDir);
    EvalRun run;
    const auto skip = [&](const DatasetItem& item, const std::string& path,
                          const std::string& reason) {
        EvalSkip s{item.id, path, reason};
        if (callbacks.skipped)
            callbacks.skipped(s);
        run.skipped.push_back(std::move(s));
    };
    for (size_t i = 0; i < items.size(); ++i) {
        const DatasetItem& item = items[i];
        if (callbacks.cancelled && callbacks.cancelled())
            throw ModelError(ErrorCode::Cancelled, {}, "evaluation cancelled");
        Image image;
        cv::Mat truth;
        try {
            image = loadImage(item.imagePath, options.imageLimits);
        } catch (const CoreError& e) {
            skip(item, item.imagePath, coreErrorCodeName(e.code()));
            continue;
        }
        try {
            truth = loadMask(item.maskPath, options.imageLimits);
        } catch (const CoreError& e) {
            skip(item, item.maskPath, coreErrorCodeName(e.code()));
            continue;
        }
        EvalImageResult r;
        if (!promptFromMask(truth, options.prompt, item.id, options.seed, image.width(),
                            image.height(), r.prompt)) {
            skip(item, item.maskPath, "empty-mask");
            continue;
        }
        const at::Tensor pixels = imageToTensor(image);
        const ViewEmbeddings views =
            encodeViewsCached(predictor, pixels, {&cache}, modelHash, options.tta, &r.cacheHit);
        run.cacheHits += r.cacheHit ? 1 : 0;
        MaskResult res;
        if (options.prompt == EvalPrompt::Auto) {
            AutoResult a = autoSegment(predictor, views, options.autoOptions);
            r.prompt = a.prompts;
            res = std::move(a.result);
        } else {
            res = decodeViews(predictor, views, r.prompt);
        }
        r.predictedIou = res.iou.empty() ? 0.0 : res.iou.front();
        cv::Mat prediction = tensorToMask(res.masks[0]);
        if (prediction.size() != truth.size()) {
            cv::Mat resized;
            cv::resize(prediction, resized, truth.size(), 0, 0, cv::INTER_NEAREST);
            prediction = resized;
        }
        const bool sameFrame = image.width() == truth.cols && image.height() == truth.rows;
        r.metrics = computeImageMetrics(prediction, truth, sameFrame ? image.spacingRowMm : 0,
                                        sameFrame ? image.spacingColMm : 0);
        r.metrics.id = item.id;
        run.images.push_back(std::move(r));
        if (callbacks.progress)
            callbacks.progress(i + 1, items.size(), item.id);
    }
    std::vector<ImageMetrics> all;
    all.reserve(run.images.size());
    for (const auto& r : run.images)
        all.push_back(r.metrics);
    run.summary = summarizeImages(all, options.resamples);
    return run;
}

std::vector<double> metricValues(const EvalRun& run, double ImageMetrics::*field) {
    std::vector<double> v;
    v.reserve(run.images.size());
    for (const auto& r : run.images)
        v.push_back(r.metrics.*field);
    return v;
}

} // namespace dermsam
