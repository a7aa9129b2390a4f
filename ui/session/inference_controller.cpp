#include "ui/session/inference_controller.h"

#include "ui/session/inference_worker.h"

namespace dermsam {

namespace {
void registerTypes() {
    static const bool done = [] {
        qRegisterMetaType<ModelSpec>();
        qRegisterMetaType<EmbeddingCacheSpec>();
        qRegisterMetaType<ModelInfo>();
        qRegisterMetaType<MaskRequest>();
        qRegisterMetaType<MaskResponse>();
        qRegisterMetaType<InferenceError>();
        qRegisterMetaType<InferenceStage>();
        qRegisterMetaType<HeatmapOptions>();
        qRegisterMetaType<HeatmapResponse>();
        return true;
    }();
    Q_UNUSED(done);
}
} // namespace

InferenceController::InferenceController(QObject* parent)
    : QObject(parent)
    , m_flags(std::make_shared<InferenceFlags>()) {
    registerTypes();
    m_thread.setObjectName(QStringLiteral("inference"));
    m_worker = new InferenceWorker(m_flags);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    connect(this, &InferenceController::modelRequested, m_worker, &InferenceWorker::loadModel);
    connect(this, &InferenceController::embeddingCacheSubmitted, m_worker,
            &InferenceWorker::setEmbeddingCache);
    connect(this, &InferenceController::imageSubmitted, m_worker, &InferenceWorker::setImage);
    connect(this, &InferenceController::maskRequested, m_worker, &InferenceWorker::predict);
    connect(this, &InferenceController::imageForgotten, m_worker, &InferenceWorker::forgetImage);
    connect(this, &InferenceController::heatmapOptionsSubmitted, m_worker,
            &InferenceWorker::setHeatmapOptions);
    connect(this, &InferenceController::heatmapRequested, m_worker, &InferenceWorker::explain);
    connect(this, &InferenceController::ttaSubmitted, m_worker,
            &InferenceWorker::setTestTimeAugmentation);
    connect(m_worker, &InferenceWorker::heatmapReady, this, &InferenceController::onHeatmapReady);
    connect(this, &InferenceController::prefetchRequested, m_worker, &InferenceWorker::prefetch);
    connect(m_worker, &InferenceWorker::prefetchFinished, this,
            [this](const QString& path, bool stopped) {
                m_prefetchRunning = false;
                if (!stopped && path == m_prefetchPath)
                    m_prefetchPath.clear();
                if (!m_prefetchPath.isEmpty() && !isBusy())
                    m_prefetchTimer.start();
                Q_EMIT prefetchFinished(path, stopped);
            });

    connect(m_worker, &InferenceWorker::modelLoaded, this, [this](const ModelInfo& info) {
        m_hasModel = true;
        m_info = info;
        onRequestFinished(m_loadRequest);
        Q_EMIT modelLoaded(info);
    });
    connect(m_worker, &InferenceWorker::modelFailed, this, [this](const InferenceError& error) {
        onRequestFinished(m_loadRequest);
        Q_EMIT modelFailed(error);
    });
    connect(m_worker, &InferenceWorker::maskReady, this, &InferenceController::onMaskReady);
    connect(m_worker, &InferenceWorker::requestFailed, this, [this](const InferenceError& e) {
        if (e.requestId == 0 || e.requestId >= m_latestMask)
            Q_EMIT requestFailed(e);
    });
    connect(m_worker, &InferenceWorker::imageEncoded, this, &InferenceController::imageEncoded);
    connect(m_worker, &InferenceWorker::stageChanged, this, &InferenceController::onStageChanged);
    connect(m_worker, &InferenceWorker::requestFinished, this,
            &InferenceController::onRequestFinished);

    m_progressTimer.setSingleShot(true);
    m_progressTimer.setInterval(1000);
    connect(&m_progressTimer, &QTimer::timeout, this, [this] {
        if (isBusy() && !m_progressVisible) {
            m_progressVisible = true;
            Q_EMIT progressChanged(true, m_stage);
        }
    });
    // Long enough that a burst of clicks and the brush strokes between them do not each stop a
    // prefetch encode; short against the time spent reviewing one image.
    m_prefetchTimer.setSingleShot(true);
    m_prefetchTimer.setInterval(2000);
    connect(&m_prefetchTimer, &QTimer::timeout, this, &InferenceController::startPrefetch);
    m_thread.start();
}

InferenceController::~InferenceController() {
    m_flags->cancelledUpTo.store(m_nextRequest);
    m_flags->interruptions.fetch_add(1);
    m_thread.quit();
    m_thread.wait();
}

quint64 InferenceController::begin() {
    const quint64 id = ++m_nextRequest;
    m_flags->interruptions.fetch_add(1); // a prefetch under way gives way at its next block
    m_prefetchTimer.stop();
    const bool wasBusy = isBusy();
    m_pending.insert(id);
    if (!wasBusy) {
        Q_EMIT busyChanged(true);
        m_progressTimer.start();
    }
    return id;
}

void InferenceController::loadModel(const ModelSpec& spec) {
    m_loadRequest = begin();
    m_stage = InferenceStage::LoadingModel;
    m_hasModel = false;
    Q_EMIT modelRequested(spec);
}

void InferenceController::useModel(std::shared_ptr<SamModel> model, const QString& profile,
                                   const QString& name) {
    m_loadRequest = begin();
    m_stage = InferenceStage::LoadingModel;
    InferenceWorker* worker = m_worker;
    ModelInfo info;
    info.name = name;
    QMetaObject::invokeMethod(
        m_worker, [worker, model, profile, info] { worker->installModel(model, profile, info); },
        Qt::QueuedConnection);
}

void InferenceController::setEmbeddingCache(const EmbeddingCacheSpec& spec) {
    Q_EMIT embeddingCacheSubmitted(spec);
}

quint64 InferenceController::setImage(quint64 imageId, const QImage& rgb) {
    m_currentImage = imageId;
    m_flags->currentImage.store(imageId);
    const quint64 id = begin();
    Q_EMIT imageSubmitted(id, imageId, rgb);
    return id;
}

quint64 InferenceController::requestMask(quint64 imageId, const Prompts& prompts,
                                         const QImage& maskPrompt) {
    return submitMask(MaskRequest{0, imageId, prompts, maskPrompt, false});
}

quint64 InferenceController::requestAuto(quint64 imageId) {
    return submitMask(MaskRequest{0, imageId, {}, {}, true});
}

quint64 InferenceController::submitMask(MaskRequest request) {
    const quint64 id = begin();
    m_latestMask = id;
    m_flags->latestMaskRequest.store(id);
    if (m_heatmapOptions.enabled) {
        m_latestHeatmap = id;
        m_flags->latestHeatmapRequest.store(id);
    }
    request.requestId = id;
    Q_EMIT maskRequested(request);
    return id;
}

void InferenceController::setTestTimeAugmentation(const QString& mode) {
    Q_EMIT ttaSubmitted(mode);
}

void InferenceController::setPrefetch(const QString& path) {
    m_prefetchPath = path;
    if (!path.isEmpty() && !isBusy())
        m_prefetchTimer.start();
}

void InferenceController::startPrefetch() {
    if (m_prefetchPath.isEmpty() || m_prefetchRunning || isBusy() || !m_hasModel)
        return;
    m_prefetchRunning = true;
    Q_EMIT prefetchRequested(m_prefetchPath, m_flags->interruptions.load());
}

void InferenceController::forgetImage(quint64 imageId) {
    Q_EMIT imageForgotten(imageId);
}

void InferenceController::setHeatmapOptions(const HeatmapOptions& options) {
    m_heatmapOptions = options;
    if (!options.enabled)
        m_latestHeatmap = m_nextRequest + 1; // heatmaps still on their way are now stale
    Q_EMIT heatmapOptionsSubmitted(options);
}

quint64 InferenceController::requestHeatmap(quint64 imageId, const Prompts& prompts,
                                            const QImage& maskPrompt, DecoderHead head) {
    const quint64 id = begin();
    m_latestHeatmap = id;
    m_flags->latestHeatmapRequest.store(id);
    MaskRequest request{id, imageId, prompts, maskPrompt};
    request.head = head;
    Q_EMIT heatmapRequested(request);
    return id;
}

void InferenceController::cancel() {
    m_flags->cancelledUpTo.store(m_nextRequest);
    m_flags->interruptions.fetch_add(1);
    m_latestMask = m_nextRequest + 1; // every result issued so far is now stale
    m_latestHeatmap = m_nextRequest + 1;
}

void InferenceController::dropHeatmaps() {
    m_latestHeatmap = m_nextRequest + 1;
}

void InferenceController::onHeatmapReady(const HeatmapResponse& response) {
    if (!m_heatmapOptions.enabled || response.requestId != m_latestHeatmap ||
        response.imageId != m_currentImage) {
        Q_EMIT staleHeatmapDropped(response.requestId);
        return;
    }
    Q_EMIT heatmapReady(response);
}

void InferenceController::onMaskReady(const MaskResponse& response) {
    if (response.requestId != m_latestMask || response.imageId != m_currentImage) {
        Q_EMIT staleResultDropped(response.requestId);
        return;
    }
    Q_EMIT maskReady(response);
}

void InferenceController::onStageChanged(quint64 requestId, InferenceStage stage) {
    Q_UNUSED(requestId);
    m_stage = stage;
    if (m_progressVisible)
        Q_EMIT progressChanged(true, stage);
}

void InferenceController::onRequestFinished(quint64 requestId) {
    if (!m_pending.remove(requestId))
        return;
    if (isBusy())
        return;
    m_stage = InferenceStage::Idle;
    m_progressTimer.stop();
    if (m_progressVisible) {
        m_progressVisible = false;
        Q_EMIT progressChanged(false, InferenceStage::Idle);
    }
    Q_EMIT busyChanged(false);
    if (!m_prefetchPath.isEmpty())
        m_prefetchTimer.start();
}

} // namespace dermsam
