#pragma once

#include "ui/session/heatmap_types.h"
#include "ui/session/inference_types.h"

#include <QImage>
#include <QObject>

#include <atomic>
#include <memory>

namespace dermsam {

class SamModel;

// State the GUI thread writes and the worker reads between stages (lock-free).
struct InferenceFlags {
    std::atomic<quint64> latestMaskRequest{0}; // newest prompt wins: older ones are skipped
    std::atomic<quint64> cancelledUpTo{0};     // every request id <= this is cancelled
    std::atomic<quint64> currentImage{0};      // an encode for another image is abandoned
    std::atomic<bool> coalesce{true};          // tests switch it off to exercise stale drops
    std::atomic<int> decodeCount{0};           // decodes actually run (for tests and logs)
    std::atomic<int> encodeCount{0};           // encoder runs (disk cache hits excluded)
    std::atomic<int> diskCacheHits{0};
    // Bumped by every request, cancel and shutdown: a prefetch under way gives way to them.
    std::atomic<quint64> interruptions{0};
    std::atomic<int> prefetchCount{0};            // embeddings made ahead of time (stored on disk)
    std::atomic<quint64> latestHeatmapRequest{0}; // newest heatmap wins, like masks
    std::atomic<int> heatmapCount{0};             // heatmaps actually computed
};

// The one long-lived inference object. It lives on the controller's QThread; every slot runs
// there, opens c10::InferenceMode itself and reports back by signals carrying value types.
// Torch types stay in the .cpp (pimpl).
class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(std::shared_ptr<InferenceFlags> flags, QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Worker thread only: installs a model that is already built (tests, tools).
    void installModel(std::shared_ptr<SamModel> model, const QString& profile,
                      const ModelInfo& info);

public Q_SLOTS:
    void loadModel(const dermsam::ModelSpec& spec);
    // Applies to the encodes that follow; prunes the cache to its new limit at once.
    void setEmbeddingCache(const dermsam::EmbeddingCacheSpec& spec);
    // Stores the image and encodes it at once (so the first prompt only decodes).
    void setImage(quint64 requestId, quint64 imageId, const QImage& rgb);
    void predict(const dermsam::MaskRequest& request);
    void forgetImage(quint64 imageId);
    // Heatmap settings for the requests that follow (enabled: one after every mask).
    void setHeatmapOptions(const dermsam::HeatmapOptions& options);
    // Test-time augmentation ("off", "hflip", "flips", "d4") for the decodes that follow; the
    // extra views of an image are encoded (through the disk cache) when first needed.
    void setTestTimeAugmentation(const QString& mode);
    // A heatmap for these prompts alone (no mask is sent): toggling it on, changing method.
    void explain(const dermsam::MaskRequest& request);
    // Encodes the image at path into the disk cache, ahead of the user opening it (the next
    // worklist image). Gives way, between encoder blocks, once flags.interruptions has moved
    // past interruptionsAtStart. Needs the disk cache and a model loaded from a file; otherwise
    // does nothing.
    void prefetch(const QString& path, quint64 interruptionsAtStart);

Q_SIGNALS:
    void modelLoaded(const dermsam::ModelInfo& info);
    void modelFailed(const dermsam::InferenceError& error);
    void stageChanged(quint64 requestId, dermsam::InferenceStage stage);
    void imageEncoded(quint64 imageId, double milliseconds);
    void maskReady(const dermsam::MaskResponse& response);
    // After maskReady of the same request (or alone, for explain).
    void heatmapReady(const dermsam::HeatmapResponse& response);
    void requestFailed(const dermsam::InferenceError& error);
    // Every request ends with this, whether it produced a result, failed or was skipped.
    void requestFinished(quint64 requestId);
    // stopped: a request came first; worth trying again once idle. Otherwise done (or not
    // possible: no disk cache, unreadable file).
    void prefetchFinished(const QString& path, bool stopped);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace dermsam
