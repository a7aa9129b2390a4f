#pragma once

#include "ui/session/app_settings.h"
#include "ui/session/follow_up.h"
#include "ui/session/heatmap_types.h"
#include "ui/session/image_loader.h"
#include "ui/session/inference_types.h"
#include "ui/session/lesion_report.h"
#include "ui/session/mask_measurements.h"

#include "core/lesion_measurements.h"

#include <QDateTime>
#include <QFutureWatcher>
#include <QLineF>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

class QUndoGroup;

namespace dermsam {

class ImageDocument;
struct ModelResultInfo;
class InferenceController;
class RecoveryStore;
class Worklist;

// The viewer's state and decisions, without widgets: the open document and its loading, the
// undo group, the model and its results (candidates, heatmap), calibration, measurements, the
// worklist, recent files, settings and crash recovery. MainWindow shows it and asks the user
// the questions it cannot answer itself (save or discard, restore kept edits, a line's length);
// the stories of docs/viewer.md are tested on it headless (tests/session) as well as through
// the window.
class ViewerSession : public QObject {
    Q_OBJECT
public:
    // recoveryDir empty = the user's data folder.
    explicit ViewerSession(QObject* parent = nullptr, const QString& recoveryDir = {});
    ~ViewerSession() override;

    // ---- settings
    const AppSettings& settings() const { return m_settings; }
    // Persists; switches the language; reloads the model when its settings changed.
    void applySettings(const AppSettings& settings);

    // ---- model
    enum class ModelState { None, Loading, Ready, Failed };
    // checkpointOverride: a model for this session only (--model, the wizard's "use this model
    // now"); the saved default stays what Edit > Settings says.
    void loadModelFromSettings(const QString& checkpointOverride = {});
    ModelState modelState() const;
    const QString& modelError() const { return m_modelError; }
    const ModelInfo& modelInfo() const;
    const QString& sessionCheckpoint() const { return m_sessionCheckpoint; }
    InferenceController* inference() const { return m_inference; }

    // ---- the open image
    // Opens path (a file, or a folder as a worklist). Unsaved edits of the open image are lost:
    // ask first (hasUnsavedEdits). False when a folder holds no images.
    bool openPath(const QString& path);
    void openImage(const QString& path);
    // A copy of the built-in sample (ISIC_0000009) in the user's data folder, so that its mask
    // can be saved beside it. False (and a status message) when it cannot be copied.
    bool openSample();
    bool isLoading() const { return !m_pendingLoad.isEmpty(); }
    ImageDocument* document() const { return m_doc; }
    QUndoGroup* undoGroup() const { return m_undoGroup; }
    bool hasUnsavedEdits() const;
    // Writes the mask, its sidecar (and SEG for DICOM); empty on success, else the reason.
    QString save();
    // The user threw the edits away: no recovery copy, no done mark about them.
    void discardEdits();

    // ---- model results
    void requestMask(); // from the document's prompts
    // "Auto": the main lesion with no prompt. The result arrives like a box's (one undo step,
    // candidates); a status message when the model found nothing.
    void requestAuto();
    void refine(); // the edited mask back to the model as a mask prompt
    // The result on screen and its candidates (empty before the first result on this image).
    const MaskResponse& lastResponse() const { return m_lastResponse; }
    // Whether the mask on screen is lastResponse()'s (not undone, not an earlier result), and
    // which of its candidates; -1 when it is not.
    int candidateInEffect() const;
    void chooseCandidate(int index);
    void setHeatmapOptions(const HeatmapOptions& options);

    // ---- measuring
    // Area and greatest diameter, at once (the status bar).
    MaskMeasurements measurements() const;
    // Everything core measures (docs/measurements.md), computed off this thread shortly after
    // each edit; lesionMeasured says when a newer one is in. Empty until then.
    const LesionMeasurements& lesionMeasurements() const { return m_lesion; }
    // True when lesionMeasurements() is of the mask and pixel size shown now.
    bool lesionMeasurementsCurrent() const { return m_lesionRevision == m_maskRevision; }
    // mm: the length the user gave the line. Applies it, saves it beside the image; returns
    // the status text.
    QString calibrate(const QLineF& line, double mm);

    // ---- follow-up
    // Compares the open image (its current mask) with an earlier photo of the lesion and the
    // mask saved beside it, off this thread; followUpReady when done (also when it failed).
    void compareWithEarlier(const QString& earlierPath);
    // The same earlier photo again, aligned by matching points picked by the user (three or
    // more on each photo, in order).
    void compareWithPoints(const std::vector<QPointF>& earlier,
                           const std::vector<QPointF>& current);
    bool isComparing() const { return m_followUpWatcher.isRunning(); }
    // The last comparison of the open image (earlierPath empty: none).
    const FollowUp& followUp() const { return m_followUp; }

    // ---- report
    // The open image's report (File > Export Report...): its mask, the heatmap shown with it,
    // the measurements, the model and prompts behind the mask, the operator.
    LesionReportInput reportInput() const;
    // Writes it as PDF, or as HTML when path ends in .html/.htm; empty on success, else why.
    QString exportReport(const QString& path) const;

    // ---- worklist
    Worklist* worklist() const { return m_worklist; }
    // The image delta rows away, empty when there is none other than the one open.
    QString worklistNeighbour(int delta) const;
    void toggleDone();

    // ---- crash recovery
    RecoveryStore* recovery() const { return m_recovery.get(); }
    // The user's answer to recoveryAvailable.
    void answerRecovery(bool restore);

    // Before the window closes (after the unsaved-edits question): settings to disk.
    void prepareClose();

Q_SIGNALS:
    void statusMessage(const QString& text);
    void modelStateChanged();
    // A model that failed to load for a reason the user must see (not "no model chosen").
    void modelFailedLoudly(const QString& message);
    void loadingChanged(bool loading);
    void documentChanged(dermsam::ImageDocument* document);
    void imageOpened(const QString& path);
    void imageOpenFailed(const QString& path, const QString& message);
    void modifiedChanged(bool modified);
    void saved(const QString& maskPath);
    void recentFilesChanged();
    void candidatesChanged();
    // Undo or redo put another model result (or none) in effect: candidateInEffect() changed.
    void resultInEffectChanged();
    void maskApplied();
    void heatmapCleared();
    void heatmapReady(const dermsam::HeatmapResponse& response);
    void heatmapFailed(const QString& message);
    void measurementsChanged();
    void lesionMeasured();
    void followUpReady();
    void calibrationChanged();
    // Unsaved edits of the image just opened were kept when DermSAM last ended: ask, then
    // answerRecovery.
    void recoveryAvailable(const QString& imagePath, const QDateTime& savedUtc);

private:
    void onImageLoaded();
    void installDocument(const LoadedImage& loaded);
    void onMaskReady(const MaskResponse& response);
    void requestHeatmapForMask();
    void onUndoIndexChanged();
    ModelResultInfo lastResultInfo(int candidate) const;
    void onHeatmapReady(const HeatmapResponse& response);
    void applyEmbeddingCache();
    void persistSettings();
    void autosave();
    void checkRecovery();
    void maskEdited();
    void startLesionMeasurement();
    void startFollowUp(const QString& earlierPath, const std::vector<QPointF>& earlierPoints,
                       const std::vector<QPointF>& currentPoints);
    void onLesionMeasured();
    ImageLimits imageLimits() const;

    AppSettings m_settings;
    InferenceController* m_inference = nullptr;
    QUndoGroup* m_undoGroup = nullptr;
    Worklist* m_worklist = nullptr;
    QPointer<ImageDocument> m_doc;
    quint64 m_nextImageId = 0;
    QFutureWatcher<LoadedImage> m_loadWatcher;
    QString m_pendingLoad;
    MaskResponse m_lastResponse;
    quint64 m_resultInEffect = 0; // ImageDocument::currentModelResultId() as last seen
    QImage m_lastHeat;            // the heatmap of the mask on screen, null when none
    QFutureWatcher<FollowUp> m_followUpWatcher;
    FollowUp m_followUp;
    quint64 m_followUpDoc = 0; // the document the running comparison is of
    QTimer m_measureTimer;
    QFutureWatcher<LesionMeasurements> m_lesionWatcher;
    LesionMeasurements m_lesion;
    quint64 m_maskRevision = 0;   // the mask or pixel size changed
    quint64 m_lesionRevision = 0; // what m_lesion measured
    quint64 m_runningRevision = 0;
    QTimer m_autosaveTimer; // unsaved edits to the recovery store, shortly after the last one
    std::unique_ptr<RecoveryStore> m_recovery;
    QImage m_recoveredMask; // offered, awaiting answerRecovery
    QString m_modelError;
    QString m_sessionCheckpoint;
    bool m_modelLoading = false;
    // The image just opened waits for the model to run Auto (autoOutlineOnOpen).
    bool m_autoPending = false;
    bool m_saidWaitingForModel = false; // the status bar says so until the model arrives
};

} // namespace dermsam
