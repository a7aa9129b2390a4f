#pragma once

#include "ui/session/heatmap_types.h"
#include "ui/session/inference_types.h"

#include <QImage>
#include <QObject>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <memory>

namespace dermsam {

class InferenceWorker;
class SamModel;
struct InferenceFlags;

// GUI-thread side of inference. Owns a QThread running one long-lived InferenceWorker (the Qt
// documentation pattern). Requests go out as queued signals with a request id; results come back
// the same way and are dropped when stale; a newer prompt supersedes older ones still queued.
// Never blocks the GUI thread (except when destroyed, which waits for the current stage).
class InferenceController : public QObject {
    Q_OBJECT
public:
    explicit InferenceController(QObject* parent = nullptr);
    ~InferenceController() override;

    void loadModel(const ModelSpec& spec);
    // Installs a model already built (tests, tools); the worker takes shared ownership.
    void useModel(std::shared_ptr<SamModel> model, const QString& profile, const QString& name);

    // The on-disk embedding cache for the encodes that follow (off until this is called).
    void setEmbeddingCache(const EmbeddingCacheSpec& spec);
    // Makes imageId the current image and starts encoding it. Returns the request id.
    quint64 setImage(quint64 imageId, const QImage& rgb);
    // Decodes prompts (and an optional mask prompt) on imageId; only the newest request's result
    // is delivered. Returns the request id.
    quint64 requestMask(quint64 imageId, const Prompts& prompts, const QImage& maskPrompt = {});
    // A mask of the main lesion with no prompt ("Auto"), delivered like requestMask's (the
    // newest request wins either way). Returns the request id.
    quint64 requestAuto(quint64 imageId);
    // Test-time augmentation for the decodes that follow: "off", "hflip", "flips", "d4"
    // (model/test_time_augmentation.h); models whose profile pads run without it.
    void setTestTimeAugmentation(const QString& mode);
    void forgetImage(quint64 imageId);
    // Heatmap after every mask while enabled; the worker gets the options before later requests.
    void setHeatmapOptions(const HeatmapOptions& options);
    const HeatmapOptions& heatmapOptions() const { return m_heatmapOptions; }
    // A heatmap alone for prompts already decoded (toggled on, method changed). Returns the id.
    quint64 requestHeatmap(quint64 imageId, const Prompts& prompts, const QImage& maskPrompt = {},
                           DecoderHead head = DecoderHead::Main);
    // The image the user will probably open next (the next worklist image; empty = none). Once
    // the worker has been idle for the prefetch delay it encodes that image into the disk
    // cache, giving way to any request between encoder blocks and resuming when idle again.
    void setPrefetch(const QString& path);
    void setPrefetchDelay(int milliseconds) { m_prefetchTimer.setInterval(milliseconds); }
    // The image still to prefetch (empty once done).
    const QString& pendingPrefetch() const { return m_prefetchPath; }
    // Cancels everything issued so far (checked between stages).
    void cancel();
    // Heatmaps on their way are of a mask no longer on screen (an undo): drop them.
    void dropHeatmaps();

    bool isBusy() const { return !m_pending.isEmpty(); }
    bool hasModel() const { return m_hasModel; }
    const ModelInfo& modelInfo() const { return m_info; }
    quint64 currentImage() const { return m_currentImage; }
    // How long work must run before the progress indicator appears (default 1000 ms).
    void setProgressDelay(int milliseconds) { m_progressTimer.setInterval(milliseconds); }
    InferenceFlags& flags() { return *m_flags; }

Q_SIGNALS:
    void modelLoaded(const dermsam::ModelInfo& info);
    void modelFailed(const dermsam::InferenceError& error);
    void maskReady(const dermsam::MaskResponse& response);
    void requestFailed(const dermsam::InferenceError& error);
    void imageEncoded(quint64 imageId, double milliseconds);
    void staleResultDropped(quint64 requestId);
    // Only the newest request's heatmap, for the current image, while enabled, is delivered;
    // a mask request's heatmap always comes after its maskReady.
    void heatmapReady(const dermsam::HeatmapResponse& response);
    void staleHeatmapDropped(quint64 requestId);
    void busyChanged(bool busy);
    // A prefetch ended: done (or impossible), or stopped by a request (tried again later).
    void prefetchFinished(const QString& path, bool stopped);
    // After the progress delay while still busy: show (true) or hide (false) a progress
    // indicator; stage says what runs.
    void progressChanged(bool visible, dermsam::InferenceStage stage);

    // To the worker (queued across threads); not meant for other receivers.
    void modelRequested(const dermsam::ModelSpec& spec);
    void embeddingCacheSubmitted(const dermsam::EmbeddingCacheSpec& spec);
    void imageSubmitted(quint64 requestId, quint64 imageId, const QImage& rgb);
    void maskRequested(const dermsam::MaskRequest& request);
    void imageForgotten(quint64 imageId);
    void heatmapOptionsSubmitted(const dermsam::HeatmapOptions& options);
    void ttaSubmitted(const QString& mode);
    void heatmapRequested(const dermsam::MaskRequest& request);
    void prefetchRequested(const QString& path, quint64 interruptionsAtStart);

private:
    void startPrefetch();
    quint64 begin();
    quint64 submitMask(MaskRequest request);
    void onRequestFinished(quint64 requestId);
    void onMaskReady(const dermsam::MaskResponse& response);
    void onHeatmapReady(const dermsam::HeatmapResponse& response);
    void onStageChanged(quint64 requestId, dermsam::InferenceStage stage);

    QThread m_thread;
    InferenceWorker* m_worker = nullptr;
    std::shared_ptr<InferenceFlags> m_flags;
    QTimer m_progressTimer;
    QTimer m_prefetchTimer;
    QString m_prefetchPath;
    bool m_prefetchRunning = false;
    QSet<quint64> m_pending;
    quint64 m_nextRequest = 0;
    quint64 m_latestMask = 0;
    quint64 m_latestHeatmap = 0;
    HeatmapOptions m_heatmapOptions;
    quint64 m_currentImage = 0;
    quint64 m_loadRequest = 0;
    bool m_hasModel = false;
    bool m_progressVisible = false;
    InferenceStage m_stage = InferenceStage::Idle;
    ModelInfo m_info;
};

} // namespace dermsam
