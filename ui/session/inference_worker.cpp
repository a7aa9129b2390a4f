#include "ui/session/inference_worker.h"

#include "core/auto_segment.h"
#include "core/evaluation.h"
#include "core/image_tensor.h"
#include "io/files.h"
#include "model/device.h"
#include "model/embedding_cache.h"
#include "model/gradcam.h"
#include "model/model_error.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/test_time_augmentation.h"
#include "ui/session/image_loader.h"
#include "ui/session/image_views.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QtGlobal>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <optional>

namespace dermsam {

namespace {

constexpr std::size_t kMaxCachedImages = 3;

// The image encoder named as `dermsam-cli info` names it, for the status bar: a user who picked
// a LiteMedSAM checkpoint sees that its TinyViT encoder is the one running.
QString encoderName(const SamArchitecture& a) {
    const std::string name = a.name();
    if (a.encoder == "tinyvit")
        return name == "litemedsam" ? QStringLiteral("tinyvit (LiteMedSAM)")
                                    : QStringLiteral("tinyvit");
    if (a.encoder == "vit" && name.rfind("vit_", 0) == 0)
        return QString::fromStdString(name); // vit_b, vit_l, vit_h
    return QString::fromStdString(a.encoder);
}

// The conversions themselves are core's (core/image_tensor.h), shared with the CLI: these only
// wrap QImage's pixels.
at::Tensor pixelsOf(const QImage& image) {
    const QImage rgb = asRgb888(image);
    Image wrapped;
    wrapped.pixels = matView(rgb);
    return imageToTensor(wrapped);
}

// (H, W) mask tensor -> Grayscale8 0/255.
QImage maskImageOf(const at::Tensor& mask) {
    return imageFromMat(tensorToMask(mask));
}

// An edited mask (any format; non-zero = lesion) -> (H, W) uint8 0/1.
at::Tensor maskTensorOf(const QImage& mask) {
    return maskToTensor(matView(asGrey8(mask)));
}

// The mask's box as `dermsam-cli eval` makes it (core/evaluation: non-zero pixels, the last
// lesion column and row inclusive), so one mask prompts the model alike in the viewer and the
// CLI; nullopt when the mask is empty.
std::optional<BoxPrompt> maskBox(const QImage& mask) {
    const QImage grey = asGrey8(mask);
    BoxPrompt box;
    if (!maskBoundingBox(matView(grey), box))
        return std::nullopt;
    return box;
}

// A request's mask prompt as decoder logits, undefined without one. With no other prompt, the
// mask's bounding box becomes the box prompt.
at::Tensor maskPromptInput(const QImage& maskPrompt, const ImageEmbedding& embedding,
                           const Predictor& predictor, Prompts& prompts) {
    if (maskPrompt.isNull())
        return {};
    if (prompts.empty()) {
        if (auto box = maskBox(maskPrompt))
            prompts.boxes.push_back(*box);
    }
    return maskPromptLogits(maskTensorOf(maskPrompt), embedding.geometry, embedding.profile,
                            predictor.maskInputSize());
}

// [0, 1] floats (row-major) -> Grayscale8 0..255.
QImage heatToImage(const std::vector<float>& heat, int w, int h) {
    QImage out(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y) {
        uchar* line = out.scanLine(y);
        const float* row = heat.data() + static_cast<std::size_t>(y) * w;
        for (int x = 0; x < w; ++x)
            line[x] = static_cast<uchar>(std::clamp(row[x], 0.0f, 1.0f) * 255.0f + 0.5f);
    }
    return out;
}

} // namespace

struct InferenceWorker::Private {
    std::shared_ptr<InferenceFlags> flags;
    std::shared_ptr<const SamModel> model;
    std::optional<Predictor> predictor;
    std::optional<CamEngine> cams; // heatmaps, replayed from CUDA graphs on a GPU
    ModelInfo info;

    struct Entry {
        at::Tensor image; // (H, W, 3) uint8
        std::optional<ImageEmbedding> embedding;
        // Test-time augmentation's other views, made when first needed (not for heatmaps).
        std::vector<std::pair<ViewTransform, ImageEmbedding>> extraViews;
        quint64 lastUse = 0;
    };
    TtaMode tta = TtaMode::Off;
    std::map<quint64, Entry> images;
    quint64 useCounter = 0;
    HeatmapOptions heatmap;
    std::vector<EmbeddingCache> diskCaches; // the viewer's own first, then read-only ones
    quint64 diskCacheLimit = 0;
    // Where the last stopped prefetch got to, and of which file (path, size, time): a prefetch
    // goes on from there instead of starting the encoder again.
    QString resumeFile;
    EncodeResume resume;

    bool cancelled(quint64 requestId) const { return requestId <= flags->cancelledUpTo.load(); }
    bool heatmapSuperseded(quint64 requestId) const {
        return cancelled(requestId) ||
               (flags->coalesce.load() && requestId < flags->latestHeatmapRequest.load());
    }

    // Grad-CAM of the decoded prompts on the cached embedding (DESIGN.md, Explainability).
    // A failure comes back as a response with its error: the mask itself is already delivered.
    void emitHeatmap(InferenceWorker* worker, quint64 requestId, quint64 imageId,
                     const Entry& entry, const Prompts& prompts, const at::Tensor& maskInput,
                     DecoderHead head) {
        if (!model || !entry.embedding || heatmapSuperseded(requestId))
            return;
        try {
            QElapsedTimer timer;
            timer.start();
            CamOptions options;
            options.method = camMethodFromName(heatmap.method.toStdString());
            options.block = heatmap.block;
            options.maxSide = HeatmapResponse::kMaxSide;
            options.head = head;
            const CamResult cam =
                cams->compute(*entry.embedding, prompts, options, entry.image, maskInput);
            flags->heatmapCount.fetch_add(1);
            HeatmapResponse r;
            r.requestId = requestId;
            r.imageId = imageId;
            r.heat = heatToImage(cam.heatmap, cam.width, cam.height);
            r.method = QString::fromStdString(camMethodName(cam.method));
            r.block = cam.block;
            r.peak = QPoint(cam.peakX, cam.peakY);
            r.milliseconds = static_cast<double>(timer.nsecsElapsed()) / 1e6;
            if (!cancelled(requestId))
                Q_EMIT worker->heatmapReady(r);
        } catch (const std::exception& e) {
            HeatmapResponse r;
            r.requestId = requestId;
            r.imageId = imageId;
            r.error = QString::fromUtf8(e.what());
            if (!cancelled(requestId))
                Q_EMIT worker->heatmapReady(r);
        }
    }

    bool diskCacheUsable() const { return !diskCaches.empty() && !info.sha256.isEmpty(); }

    // Looks the image up in the disk caches, else encodes it and stores the result in the
    // viewer's own, pruned to its limit (one directory listing per new entry, about a
    // millisecond for a thousand files, keeps the bound exact). The embedding is always rounded
    // to float16, whether it came from the disk or not, so an image gives the same masks on
    // every visit (and the same as `dermsam-cli segment`).
    ImageEmbedding encodeToDisk(const at::Tensor& image, bool& hit,
                                const std::function<bool()>& stop = {},
                                EncodeResume* resumeFrom = nullptr) {
        std::vector<const EmbeddingCache*> caches;
        for (const EmbeddingCache& c : diskCaches)
            caches.push_back(&c);
        ImageEmbedding e = encodeCached(*predictor, image, caches, info.sha256.toStdString(), &hit,
                                        stop, resumeFrom);
        if (!hit)
            diskCaches.front().prune(diskCacheLimit);
        return e;
    }

    // Through the disk cache when there is one and the model has a file hash to key it by.
    void encode(Entry& entry) {
        if (!diskCacheUsable()) {
            entry.embedding = predictor->encode(entry.image);
            flags->encodeCount.fetch_add(1);
            return;
        }
        bool hit = false;
        entry.embedding = encodeToDisk(entry.image, hit);
        (hit ? flags->diskCacheHits : flags->encodeCount).fetch_add(1);
    }

    // Every view the TTA setting asks for (just the image when off, or when the model's profile
    // pads); the image's own embedding must be there already.
    ViewEmbeddings views(Entry& entry) {
        ViewEmbeddings v;
        v.height = static_cast<int>(entry.image.size(0));
        v.width = static_cast<int>(entry.image.size(1));
        const TtaMode mode = ttaSupported(predictor->profile()) ? tta : TtaMode::Off;
        for (const ViewTransform& t : ttaViews(mode)) {
            v.views.push_back(t);
            if (t.identity()) {
                v.embeddings.push_back(*entry.embedding);
                continue;
            }
            auto it =
                std::find_if(entry.extraViews.begin(), entry.extraViews.end(), [&](const auto& e) {
                    return e.first.flipX == t.flipX && e.first.quarterTurns == t.quarterTurns;
                });
            if (it == entry.extraViews.end()) {
                const at::Tensor image = transformImage(entry.image, t);
                ImageEmbedding e;
                if (diskCacheUsable()) {
                    bool hit = false;
                    e = encodeToDisk(image, hit);
                    (hit ? flags->diskCacheHits : flags->encodeCount).fetch_add(1);
                } else {
                    e = predictor->encode(image);
                    flags->encodeCount.fetch_add(1);
                }
                entry.extraViews.emplace_back(t, std::move(e));
                it = std::prev(entry.extraViews.end());
            }
            v.embeddings.push_back(it->second);
        }
        return v;
    }

    void trimCache() {
        while (images.size() > kMaxCachedImages) {
            auto oldest = images.end();
            for (auto it = images.begin(); it != images.end(); ++it) {
                if (it->first == flags->currentImage.load())
                    continue;
                if (oldest == images.end() || it->second.lastUse < oldest->second.lastUse)
                    oldest = it;
            }
            if (oldest == images.end())
                return;
            images.erase(oldest);
        }
    }
};

InferenceWorker::InferenceWorker(std::shared_ptr<InferenceFlags> flags, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>()) {
    d->flags = std::move(flags);
}

InferenceWorker::~InferenceWorker() = default;

// No InferenceMode while a model is loaded or installed: parameters made under it are inference
// tensors, which autograd refuses to save, and the heatmap differentiates through the decoder.
void InferenceWorker::installModel(std::shared_ptr<SamModel> model, const QString& profile,
                                   const ModelInfo& info) {
    const PreprocessProfile p = profileFromName(profile.toStdString());
    d->model = std::move(model);
    d->predictor.emplace(d->model, p);
    d->cams.emplace(d->model);
    d->info = info;
    d->info.profile = QString::fromStdString(profileName(p));
    d->info.device = QString::fromStdString(d->model->device().str());
    if (d->info.precision.isEmpty())
        d->info.precision = QString::fromStdString(dtypeName(d->model->dtype()));
    d->info.encoderBlocks = camBlockCount(*d->model);
    if (d->info.architecture.isEmpty())
        d->info.architecture = QString::fromStdString(d->model->architecture().name());
    d->info.encoder = encoderName(d->model->architecture());
    for (auto& [id, entry] : d->images) {
        entry.embedding.reset();
        entry.extraViews.clear();
    }
    d->resumeFile.clear();
    d->resume = EncodeResume{};
    Q_EMIT modelLoaded(d->info);
}

void InferenceWorker::loadModel(const ModelSpec& spec) {
    at::NoGradGuard noGrad;
    InferenceError error;
    error.kind = InferenceError::Kind::ModelLoad;
    error.path = spec.checkpoint;
    try {
        std::string path = spec.checkpoint.toStdString();
        if (path.empty()) {
            if (defaultModelPath().empty()) {
                error.kind = InferenceError::Kind::NoModel;
                error.code = QStringLiteral("no-model");
                Q_EMIT modelFailed(error);
                return;
            }
            path = "default";
        }
        const c10::Device device = resolveDevice(spec.device.toStdString());
        const int threads = configureThreads(spec.threads);
        LoadOptions options;
        if (!spec.profile.isEmpty())
            options.profile = profileFromName(spec.profile.toStdString());
        LoadedModel loaded = dermsam::loadModel(path, options);
        // Reduced precision and TF32 are GPU settings; on the CPU the model runs in float32.
        c10::ScalarType dtype = c10::kFloat;
        QString precision = QStringLiteral("float32");
        if (device.is_cuda()) {
            const bool tf32 = spec.precision == QLatin1String("tf32");
            if (!tf32)
                dtype = resolveDtype(spec.precision.toStdString(), device);
            configureCuda(tf32);
            precision = tf32 ? QStringLiteral("tf32") : QString::fromStdString(dtypeName(dtype));
        }
        loaded.model->to(device, dtype);
        ModelInfo info;
        info.precision = precision;
        info.path = QString::fromStdString(loaded.path);
        info.name = loaded.isDefault ? QStringLiteral("default") : QFileInfo(info.path).fileName();
        info.sha256 = QString::fromStdString(loaded.sha256);
        info.architecture = QString::fromStdString(loaded.model->architecture().name());
        info.threads = threads;
        const auto autoStart = loaded.metadata.find(kAutoStartMetadataKey);
        if (autoStart != loaded.metadata.end())
            info.autoStart = QString::fromStdString(autoStart->second);
        installModel(loaded.model, QString::fromStdString(profileName(loaded.profile)), info);
    } catch (const ModelError& e) {
        error.code = QString::fromLatin1(errorCodeName(e.code()));
        if (!e.path().empty())
            error.path = QString::fromStdString(e.path());
        error.detail = QString::fromStdString(e.detail());
        Q_EMIT modelFailed(error);
    } catch (const std::exception& e) {
        error.code = QStringLiteral("internal");
        error.detail = QString::fromUtf8(e.what());
        Q_EMIT modelFailed(error);
    }
}

void InferenceWorker::setEmbeddingCache(const EmbeddingCacheSpec& spec) {
    d->diskCaches.clear();
    d->diskCacheLimit = spec.limitBytes > 0 ? static_cast<quint64>(spec.limitBytes) : 0;
    if (spec.dir.isEmpty() || spec.limitBytes <= 0)
        return;
    try {
        io::makeDirectories(QFile::encodeName(spec.dir).toStdString());
        d->diskCaches.emplace_back(spec.dir.toStdString());
        for (const QString& dir : spec.readDirs) {
            if (!dir.isEmpty() && dir != spec.dir)
                d->diskCaches.emplace_back(dir.toStdString());
        }
        d->diskCaches.front().prune(d->diskCacheLimit);
    } catch (const std::exception& e) {
        // Only slower without it: say so in the log, never in the user's way.
        qWarning("embedding cache off: %s", e.what());
        d->diskCaches.clear();
    }
}

void InferenceWorker::setImage(quint64 requestId, quint64 imageId, const QImage& rgb) {
    c10::InferenceMode guard;
    auto& entry = d->images[imageId];
    entry.lastUse = ++d->useCounter;
    if (!entry.image.defined())
        entry.image = pixelsOf(rgb);
    d->trimCache();
    // Encode eagerly, unless the user has already moved on or no model is loaded.
    if (d->predictor && !entry.embedding && !d->cancelled(requestId) &&
        d->flags->currentImage.load() == imageId) {
        Q_EMIT stageChanged(requestId, InferenceStage::Encoding);
        try {
            QElapsedTimer timer;
            timer.start();
            d->encode(entry);
            Q_EMIT imageEncoded(imageId, static_cast<double>(timer.nsecsElapsed()) / 1e6);
        } catch (const std::exception& e) {
            InferenceError error;
            error.kind = InferenceError::Kind::Encode;
            error.requestId = requestId;
            if (const auto* me = dynamic_cast<const ModelError*>(&e))
                error.code = QString::fromLatin1(errorCodeName(me->code()));
            else
                error.code = QStringLiteral("internal");
            error.detail = QString::fromUtf8(e.what());
            Q_EMIT requestFailed(error);
        }
    }
    Q_EMIT requestFinished(requestId);
}

void InferenceWorker::prefetch(const QString& path, quint64 interruptionsAtStart) {
    c10::InferenceMode guard;
    const auto stop = [this, interruptionsAtStart] {
        return d->flags->interruptions.load() != interruptionsAtStart;
    };
    const auto finish = [&](bool stopped) { Q_EMIT prefetchFinished(path, stopped); };
    if (!d->predictor || !d->diskCacheUsable() || path.isEmpty())
        return finish(false);
    if (stop())
        return finish(true);
    // The same reading and conversion as opening the image, so the cache key (its pixels)
    // is the one the viewer will ask for.
    const LoadedImage loaded = loadImageFile(path);
    if (!loaded.ok())
        return finish(false); // the user sees why on opening it
    if (stop())
        return finish(true);
    const QFileInfo file(path);
    const QString fileId = path + QLatin1Char('|') + QString::number(file.size()) +
                           QLatin1Char('|') +
                           QString::number(file.lastModified().toMSecsSinceEpoch());
    if (fileId != d->resumeFile) {
        d->resumeFile = fileId;
        d->resume = EncodeResume{};
    }
    try {
        bool hit = false;
        d->encodeToDisk(pixelsOf(loaded.rgb), hit, stop, &d->resume);
        d->resumeFile.clear();
        d->resume = EncodeResume{};
        if (!hit)
            d->flags->prefetchCount.fetch_add(1);
        finish(false);
    } catch (const ModelError& e) {
        if (e.code() != ErrorCode::Cancelled)
            qWarning("prefetch of %s failed: %s", qPrintable(path), e.what());
        finish(e.code() == ErrorCode::Cancelled);
    } catch (const std::exception& e) {
        qWarning("prefetch of %s failed: %s", qPrintable(path), e.what());
        finish(false);
    }
}

void InferenceWorker::forgetImage(quint64 imageId) {
    d->images.erase(imageId);
}

void InferenceWorker::predict(const MaskRequest& request) {
    c10::InferenceMode guard;
    const auto finish = [&] { Q_EMIT requestFinished(request.requestId); };
    const auto skip = [&] {
        return d->cancelled(request.requestId) ||
               (d->flags->coalesce.load() &&
                request.requestId < d->flags->latestMaskRequest.load());
    };
    InferenceError error;
    error.requestId = request.requestId;
    if (!d->predictor) {
        error.kind = InferenceError::Kind::NoModel;
        error.code = QStringLiteral("no-model");
        Q_EMIT requestFailed(error);
        return finish();
    }
    auto it = d->images.find(request.imageId);
    if (it == d->images.end() || skip())
        return finish();
    auto& entry = it->second;
    entry.lastUse = ++d->useCounter;
    try {
        if (!entry.embedding) {
            error.kind = InferenceError::Kind::Encode;
            Q_EMIT stageChanged(request.requestId, InferenceStage::Encoding);
            QElapsedTimer timer;
            timer.start();
            d->encode(entry);
            Q_EMIT imageEncoded(request.imageId, static_cast<double>(timer.nsecsElapsed()) / 1e6);
            if (skip())
                return finish();
        }
        error.kind = InferenceError::Kind::Decode;
        Q_EMIT stageChanged(request.requestId, InferenceStage::Decoding);
        QElapsedTimer timer;
        timer.start();
        Prompts prompts = request.prompts;
        prompts.multimask = prompts.boxes.empty() && !prompts.points.empty();
        const bool refine = !request.maskPrompt.isNull() && !request.automatic;
        at::Tensor maskInput;
        if (!request.automatic) {
            maskInput =
                maskPromptInput(request.maskPrompt, *entry.embedding, *d->predictor, prompts);
            if (prompts.empty())
                return finish();
        }
        if (d->tta != TtaMode::Off && ttaSupported(d->predictor->profile())) {
            // The other views' encodes, the first time this image is decoded with TTA.
            error.kind = InferenceError::Kind::Encode;
            Q_EMIT stageChanged(request.requestId, InferenceStage::Encoding);
        }
        const ViewEmbeddings views = d->views(entry);
        if (skip())
            return finish();
        error.kind = InferenceError::Kind::Decode;
        Q_EMIT stageChanged(request.requestId, InferenceStage::Decoding);
        MaskResult result;
        bool found = true;
        DecoderHead head = DecoderHead::Main;
        if (request.automatic) {
            const MetadataMap meta{{kAutoStartMetadataKey, d->info.autoStart.toStdString()}};
            AutoResult a = autoSegment(*d->predictor, views, withModelStarts(AutoOptions{}, meta));
            result = std::move(a.result);
            prompts = a.prompts; // the box it ended with: the heatmap's and the sidecar's
            found = a.found;
            head = a.head;
        } else {
            result = decodeViews(*d->predictor, views, prompts, maskInput);
        }
        d->flags->decodeCount.fetch_add(1);
        MaskResponse response;
        response.requestId = request.requestId;
        response.imageId = request.imageId;
        response.prompts = request.automatic ? prompts : request.prompts;
        response.refined = refine;
        response.automatic = request.automatic;
        response.head = head;
        if (!found)
            result.masks = result.masks.slice(0, 0, 0); // no candidate: nothing was found
        for (int64_t i = 0; i < result.masks.size(0); ++i) {
            MaskCandidate c;
            c.mask = maskImageOf(result.masks[i]);
            c.iou = i < static_cast<int64_t>(result.iou.size()) ? result.iou[i] : 0.0f;
            response.candidates.push_back(std::move(c));
        }
        // Best predicted IoU first, as the user sees them.
        std::stable_sort(
            response.candidates.begin(), response.candidates.end(),
            [](const MaskCandidate& a, const MaskCandidate& b) { return a.iou > b.iou; });
        response.decodeMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        if (!d->cancelled(request.requestId))
            Q_EMIT maskReady(response);
        if (d->heatmap.enabled && found)
            d->emitHeatmap(this, request.requestId, request.imageId, entry, prompts, maskInput,
                           head);
    } catch (const std::exception& e) {
        if (const auto* me = dynamic_cast<const ModelError*>(&e))
            error.code = QString::fromLatin1(errorCodeName(me->code()));
        else
            error.code = QStringLiteral("internal");
        error.detail = QString::fromUtf8(e.what());
        Q_EMIT requestFailed(error);
    }
    finish();
}

void InferenceWorker::setHeatmapOptions(const HeatmapOptions& options) {
    d->heatmap = options;
}

void InferenceWorker::setTestTimeAugmentation(const QString& mode) {
    TtaMode m = TtaMode::Off;
    if (!ttaModeFromName(mode.toStdString(), m))
        qWarning("unknown test-time augmentation '%s': off", qPrintable(mode));
    d->tta = m;
}

void InferenceWorker::explain(const MaskRequest& request) {
    c10::InferenceMode guard;
    const auto finish = [&] { Q_EMIT requestFinished(request.requestId); };
    auto it = d->images.find(request.imageId);
    if (!d->predictor || it == d->images.end() || d->heatmapSuperseded(request.requestId))
        return finish();
    auto& entry = it->second;
    entry.lastUse = ++d->useCounter;
    try {
        if (!entry.embedding) {
            Q_EMIT stageChanged(request.requestId, InferenceStage::Encoding);
            d->encode(entry);
        }
        Q_EMIT stageChanged(request.requestId, InferenceStage::Decoding);
        Prompts prompts = request.prompts;
        prompts.multimask = prompts.boxes.empty() && !prompts.points.empty();
        const at::Tensor maskInput =
            maskPromptInput(request.maskPrompt, *entry.embedding, *d->predictor, prompts);
        if (!prompts.empty())
            d->emitHeatmap(this, request.requestId, request.imageId, entry, prompts, maskInput,
                           request.head);
    } catch (const std::exception& e) {
        HeatmapResponse r;
        r.requestId = request.requestId;
        r.imageId = request.imageId;
        r.error = QString::fromUtf8(e.what());
        Q_EMIT heatmapReady(r);
    }
    finish();
}

} // namespace dermsam
