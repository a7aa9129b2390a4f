#include "ui/session/viewer_session.h"

#include "ui/session/document_measurements.h"
#include "ui/session/error_text.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_saver.h"
#include "ui/session/recovery_store.h"
#include "ui/session/ui_language.h"
#include "ui/session/worklist.h"

#include "core/core_error.h"
#include "core/evaluation.h"
#include "core/mask_io.h"
#include "io/atomic_file.h"
#include "io/file_error.h"
#include "io/files.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QUndoGroup>

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

// The sample image lives in dermsam_session's resources; a static library's resources must be
// initialised by name, from the global namespace.
static void initSessionResources() {
    Q_INIT_RESOURCE(dermsam);
}

namespace dermsam {

namespace {

QString userDataDir() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

bool anyLesionPixel(const QImage& mask) {
    for (int y = 0; y < mask.height(); ++y) {
        const uchar* row = mask.constScanLine(y);
        if (std::any_of(row, row + mask.width(), [](uchar v) { return v != 0; }))
            return true;
    }
    return false;
}

} // namespace

ViewerSession::ViewerSession(QObject* parent, const QString& recoveryDir)
    : QObject(parent)
    , m_inference(new InferenceController(this))
    , m_undoGroup(new QUndoGroup(this))
    , m_worklist(new Worklist(this))
    , m_recovery(std::make_unique<RecoveryStore>(
          recoveryDir.isEmpty() ? userDataDir() + QStringLiteral("/recovery") : recoveryDir)) {
    initSessionResources();
    QSettings qs;
    m_settings.load(qs);
    applyEmbeddingCache();
    m_inference->setTestTimeAugmentation(m_settings.tta);

    connect(&m_loadWatcher, &QFutureWatcher<LoadedImage>::finished, this,
            &ViewerSession::onImageLoaded);
    connect(m_inference, &InferenceController::maskReady, this, &ViewerSession::onMaskReady);
    connect(m_inference, &InferenceController::heatmapReady, this, &ViewerSession::onHeatmapReady);
    connect(m_inference, &InferenceController::modelLoaded, this, [this](const ModelInfo&) {
        m_modelError.clear();
        m_modelLoading = false;
        Q_EMIT modelStateChanged();
        if (m_doc) {
            m_inference->setImage(m_doc->id(), m_doc->image());
            // installDocument said it was waiting for the model: it is here now.
            if (m_saidWaitingForModel && m_doc->prompts().empty() && !m_autoPending)
                Q_EMIT statusMessage(tr("Drag a box around the lesion, or click points on it."));
        }
        m_saidWaitingForModel = false;
        // Not over prompts the user gave while the model was loading.
        if (m_autoPending && m_doc && m_doc->prompts().empty())
            requestAuto();
        // A saved mask opened while the model was loading gets its heatmap now.
        if (m_doc && m_lastResponse.imageId != m_doc->id())
            requestHeatmapForMask();
    });
    connect(m_inference, &InferenceController::modelFailed, this, [this](const InferenceError& e) {
        m_modelError = inferenceErrorText(e);
        m_modelLoading = false;
        Q_EMIT modelStateChanged();
        if (e.kind != InferenceError::Kind::NoModel)
            Q_EMIT modelFailedLoudly(m_modelError);
    });
    connect(m_inference, &InferenceController::requestFailed, this,
            [this](const InferenceError& e) { Q_EMIT statusMessage(inferenceErrorText(e)); });

    m_autosaveTimer.setSingleShot(true);
    m_autosaveTimer.setInterval(1000);
    connect(&m_autosaveTimer, &QTimer::timeout, this, &ViewerSession::autosave);
    m_measureTimer.setSingleShot(true);
    m_measureTimer.setInterval(80);
    connect(&m_measureTimer, &QTimer::timeout, this, [this] {
        Q_EMIT measurementsChanged();
        startLesionMeasurement();
    });
    connect(&m_lesionWatcher, &QFutureWatcher<LesionMeasurements>::finished, this,
            &ViewerSession::onLesionMeasured);
    connect(&m_followUpWatcher, &QFutureWatcher<FollowUp>::finished, this, [this] {
        // Of an image no longer open: dropped.
        if (!m_doc || m_doc->id() != m_followUpDoc)
            return;
        m_followUp = m_followUpWatcher.result();
        Q_EMIT followUpReady();
    });
    if (const int kept = m_recovery->count(); kept > 0)
        QTimer::singleShot(0, this, [this, kept] {
            Q_EMIT statusMessage(tr("Unsaved edits of %n image(s) were kept when DermSAM last "
                                    "ended unexpectedly: open an image to restore its edits.",
                                    nullptr, kept));
        });
}

ViewerSession::~ViewerSession() {
    // The document's undo stack would signal a half-destroyed session as it dies.
    if (m_doc) {
        disconnect(m_doc->undoStack(), nullptr, this, nullptr);
        disconnect(m_doc, nullptr, this, nullptr);
    }
}

// ---- settings

void ViewerSession::persistSettings() {
    QSettings qs;
    m_settings.save(qs);
}

void ViewerSession::applySettings(const AppSettings& settings) {
    const AppSettings old = m_settings;
    m_settings = settings;
    persistSettings();
    if (old.language != m_settings.language)
        applyUiLanguage(m_settings.language); // widgets retranslate on LanguageChange
    if (old.embeddingCacheMb != m_settings.embeddingCacheMb)
        applyEmbeddingCache();
    if (old.tta != m_settings.tta)
        m_inference->setTestTimeAugmentation(m_settings.tta);
    // Choosing a checkpoint in Settings ends a session-only model.
    if (old.checkpoint != m_settings.checkpoint)
        m_sessionCheckpoint.clear();
    if (old.checkpoint != m_settings.checkpoint || old.profile != m_settings.profile ||
        old.device != m_settings.device || old.precision != m_settings.precision ||
        old.threads != m_settings.threads)
        loadModelFromSettings();
    if (old.recentFiles != m_settings.recentFiles)
        Q_EMIT recentFilesChanged();
}

void ViewerSession::applyEmbeddingCache() {
    EmbeddingCacheSpec spec;
    if (m_settings.embeddingCacheMb > 0) {
        // Its own folder, pruned to the limit; the command line's (`embed`, `segment`) is read
        // too but never pruned: a researcher's precomputed embeddings are not the viewer's to
        // delete.
        spec.dir = AppSettings::embeddingCacheDir();
        spec.readDirs << QString::fromStdString(defaultEmbeddingCacheDir());
        spec.limitBytes = qint64{m_settings.embeddingCacheMb} << 20;
    }
    m_inference->setEmbeddingCache(spec);
}

ImageLimits ViewerSession::imageLimits() const {
    return ImageLimits::withMegapixels(m_settings.maxMegapixels);
}

void ViewerSession::prepareClose() {
    m_autosaveTimer.stop();
    persistSettings();
}

// ---- model

void ViewerSession::loadModelFromSettings(const QString& checkpointOverride) {
    ModelSpec spec;
    if (!checkpointOverride.isEmpty())
        m_sessionCheckpoint = checkpointOverride;
    spec.checkpoint = m_sessionCheckpoint.isEmpty() ? m_settings.checkpoint : m_sessionCheckpoint;
    spec.profile = m_settings.profile;
    spec.device = m_settings.device;
    spec.precision = m_settings.precision;
    spec.threads = m_settings.threads;
    m_modelError.clear();
    m_modelLoading = true; // before loadModel: a failure may be reported at once
    m_inference->loadModel(spec);
    Q_EMIT modelStateChanged();
}

ViewerSession::ModelState ViewerSession::modelState() const {
    if (m_modelLoading)
        return ModelState::Loading;
    if (m_inference->hasModel())
        return ModelState::Ready;
    return m_modelError.isEmpty() ? ModelState::None : ModelState::Failed;
}

const ModelInfo& ViewerSession::modelInfo() const {
    return m_inference->modelInfo();
}

// ---- opening

bool ViewerSession::openPath(const QString& path) {
    const QFileInfo fi(path);
    if (!fi.isDir()) {
        openImage(fi.absoluteFilePath());
        return true;
    }
    const QString folder = fi.absoluteFilePath();
    const QStringList files = imageFilesIn(folder);
    if (files.isEmpty())
        return false;
    m_worklist->setFiles(folder, files);
    openImage(files.first());
    return true;
}

bool ViewerSession::openSample() {
    const QString dir = userDataDir() + QStringLiteral("/samples");
    const QString path = dir + QStringLiteral("/ISIC_0000009.jpg");
    if (!QFileInfo::exists(path)) {
        // Through io's atomic writer: a copy cut short never leaves a truncated sample that
        // the next start would take as already there.
        QFile resource(QStringLiteral(":/samples/ISIC_0000009.jpg"));
        try {
            if (!resource.open(QIODevice::ReadOnly))
                throw io::FileError(io::FileErrorKind::Unreadable,
                                    resource.fileName().toStdString(),
                                    resource.errorString().toStdString());
            const QByteArray bytes = resource.readAll();
            io::makeDirectories(QFile::encodeName(dir).toStdString());
            io::writeFileAtomically(
                QFile::encodeName(path).toStdString(),
                std::string(bytes.constData(), static_cast<size_t>(bytes.size())));
        } catch (const io::FileError& e) {
            qWarning("sample image: %s: %s", e.path().c_str(), e.what());
            Q_EMIT statusMessage(tr("The sample image could not be copied to %1.")
                                     .arg(QDir::toNativeSeparators(dir)));
            return false;
        }
    }
    openImage(path);
    return true;
}

void ViewerSession::openImage(const QString& path) {
    const bool wasLoading = isLoading();
    m_pendingLoad = path;
    Q_EMIT statusMessage(tr("Opening %1...").arg(QFileInfo(path).fileName()));
    if (!wasLoading)
        Q_EMIT loadingChanged(true);
    // A running load finishes first; onImageLoaded then starts the newest one.
    if (!m_loadWatcher.isRunning())
        m_loadWatcher.setFuture(QtConcurrent::run(openImageFile, path, imageLimits()));
}

void ViewerSession::onImageLoaded() {
    const LoadedImage loaded = m_loadWatcher.result();
    if (loaded.path != m_pendingLoad) {
        m_loadWatcher.setFuture(QtConcurrent::run(openImageFile, m_pendingLoad, imageLimits()));
        return;
    }
    m_pendingLoad.clear();
    Q_EMIT loadingChanged(false);
    if (!loaded.ok()) {
        const QString message = errorCodeText(loaded.errorCode, loaded.path);
        Q_EMIT statusMessage(message);
        Q_EMIT imageOpenFailed(loaded.path, message);
        return;
    }
    installDocument(loaded);
}

void ViewerSession::installDocument(const LoadedImage& loaded) {
    ImageDocument* old = m_doc;
    auto* doc = new ImageDocument(++m_nextImageId, loaded.path, loaded.rgb, this);
    doc->setFileSpacing(loaded.spacingRowMm, loaded.spacingColMm);
    doc->setDicom(loaded.isDicom);
    if (!loaded.savedMask.isNull()) {
        ModelResultInfo info;
        bool edited = true;
        if (loaded.hasSidecar) {
            const MaskSidecar& s = loaded.sidecar;
            info.valid = !s.modelHash.empty() || !s.prompts.empty();
            info.prompts = s.prompts;
            info.iou = static_cast<float>(s.predictedIou.value_or(0.0));
            info.modelName = QString::fromStdString(s.modelFile);
            info.modelSha256 = QString::fromStdString(s.modelHash);
            info.profile = QString::fromStdString(s.preprocessingProfile);
            info.head = s.decoder;
            edited = s.edited;
        }
        doc->setSavedMask(loaded.savedMask, info, edited);
    }
    if (loaded.calibration) {
        const auto& l = loaded.calibration->line;
        doc->setCalibration(loaded.calibration->mmPerPixel, QLineF(l[0], l[1], l[2], l[3]));
    }
    m_doc = doc;
    m_undoGroup->addStack(doc->undoStack());
    m_undoGroup->setActiveStack(doc->undoStack());
    connect(doc->undoStack(), &QUndoStack::cleanChanged, this,
            [this, path = loaded.path](bool clean) {
                // Saved, or undone back to what is on disk: nothing left to recover.
                if (clean)
                    m_recovery->discard(path);
                Q_EMIT modifiedChanged(!clean);
            });
    connect(doc, &ImageDocument::maskChanged, this, [this] {
        maskEdited();
        m_autosaveTimer.start();
    });
    connect(doc->undoStack(), &QUndoStack::indexChanged, this, &ViewerSession::onUndoIndexChanged);
    connect(doc, &ImageDocument::calibrationChanged, this, [this] {
        maskEdited();
        Q_EMIT calibrationChanged();
    });
    m_lastResponse = MaskResponse{};
    m_resultInEffect = 0;
    m_lastHeat = QImage();
    Q_EMIT heatmapCleared();
    m_recoveredMask = QImage();
    m_followUp = FollowUp{};
    if (old) {
        disconnect(old->undoStack(), nullptr, this, nullptr);
        disconnect(old, nullptr, this, nullptr);
        m_inference->forgetImage(old->id());
        old->deleteLater();
    }
    m_inference->setImage(doc->id(), doc->image());
    // A file from elsewhere ends the worklist: its rows would no longer say what is on screen.
    if (!m_worklist->isEmpty() && !m_worklist->contains(loaded.path))
        m_worklist->setFiles(QString(), {});
    // What Next Image would open, encoded into the disk cache while this one is reviewed.
    const QString next = m_worklist->neighbour(loaded.path, 1);
    m_inference->setPrefetch(next != loaded.path ? next : QString());
    m_settings.addRecentFile(loaded.path);
    persistSettings();
    Q_EMIT recentFilesChanged();
    m_lesion = LesionMeasurements{};
    ++m_maskRevision;
    Q_EMIT documentChanged(doc);
    Q_EMIT candidatesChanged();
    Q_EMIT measurementsChanged();
    Q_EMIT lesionMeasured();
    startLesionMeasurement();
    if (!loaded.savedMaskProblem.isEmpty())
        Q_EMIT statusMessage(tr("The saved mask or calibration beside this image was not used: %1")
                                 .arg(loaded.savedMaskProblem));
    else if (!loaded.savedMask.isNull())
        Q_EMIT statusMessage(
            tr("Showing the mask saved earlier. Draw a box or points to segment again."));
    else if (!m_inference->hasModel())
        Q_EMIT statusMessage(m_modelError.isEmpty() ? tr("Image opened. Waiting for the model...")
                                                    : m_modelError);
    else
        Q_EMIT statusMessage(tr("Drag a box around the lesion, or click points on it."));
    m_saidWaitingForModel = loaded.savedMaskProblem.isEmpty() && loaded.savedMask.isNull() &&
                            !m_inference->hasModel() && m_modelError.isEmpty();
    Q_EMIT imageOpened(loaded.path);
    checkRecovery();
    // Outlined at once when asked for, unless there is already a mask to show (saved, or kept
    // edits offered back): Auto would cover it.
    m_autoPending =
        m_settings.autoOutlineOnOpen && loaded.savedMask.isNull() && m_recoveredMask.isNull();
    if (m_autoPending && m_inference->hasModel())
        requestAuto();
    else
        requestHeatmapForMask();
}

// ---- saving and recovery

bool ViewerSession::hasUnsavedEdits() const {
    return m_doc && m_doc->isModified();
}

QString ViewerSession::save() {
    if (!m_doc)
        return tr("No image is open.");
    const QString path = maskPathForImage(m_doc->path());
    // The figures of the mask on screen when they are in, else measured now.
    const QString error =
        saveDocumentMask(*m_doc, m_inference->modelInfo(), path, m_settings.operatorName,
                         lesionMeasurementsCurrent() ? &m_lesion : nullptr);
    if (!error.isEmpty())
        return error;
    m_doc->undoStack()->setClean();
    m_worklist->maskSaved(m_doc->path());
    Q_EMIT statusMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
    Q_EMIT saved(path);
    return {};
}

void ViewerSession::discardEdits() {
    if (!m_doc)
        return;
    // A done mark set for work that is now thrown away would claim work that does not exist.
    m_worklist->clearMark(m_doc->path());
    m_autosaveTimer.stop();
    m_recovery->discard(m_doc->path());
}

void ViewerSession::autosave() {
    if (m_doc && m_doc->isModified())
        m_recovery->store(m_doc->path(), m_doc->mask());
}

void ViewerSession::checkRecovery() {
    const auto entry = m_recovery->find(m_doc->path());
    if (!entry)
        return;
    const QImage mask = entry->size == m_doc->size() ? m_recovery->loadMask(*entry) : QImage();
    if (mask.isNull()) {
        m_recovery->discard(m_doc->path());
        return;
    }
    m_recoveredMask = mask;
    Q_EMIT recoveryAvailable(m_doc->path(), entry->savedUtc);
}

void ViewerSession::answerRecovery(bool restore) {
    if (!m_doc || m_recoveredMask.isNull())
        return;
    if (restore) {
        m_doc->undoStack()->push(new RestoredEditsCommand(m_doc, m_recoveredMask));
        Q_EMIT statusMessage(tr("Unsaved edits restored: save them with Ctrl+S."));
    } else {
        m_recovery->discard(m_doc->path());
    }
    m_recoveredMask = QImage();
}

// ---- model results

void ViewerSession::requestMask() {
    if (!m_doc)
        return;
    if (m_doc->prompts().empty()) {
        m_lastResponse.candidates.clear();
        Q_EMIT candidatesChanged();
        return;
    }
    if (!m_inference->hasModel()) {
        Q_EMIT statusMessage(m_modelError.isEmpty() ? tr("The model is still loading.")
                                                    : m_modelError);
        return;
    }
    m_inference->requestMask(m_doc->id(), m_doc->prompts());
}

void ViewerSession::requestAuto() {
    m_autoPending = false;
    if (!m_doc)
        return;
    if (!m_inference->hasModel()) {
        Q_EMIT statusMessage(m_modelError.isEmpty() ? tr("The model is still loading.")
                                                    : m_modelError);
        return;
    }
    m_inference->requestAuto(m_doc->id());
}

void ViewerSession::refine() {
    if (!m_doc || !m_inference->hasModel())
        return;
    // The prompts of the mask on screen: after an undo the document still holds the newest
    // result's, and a box elsewhere sent with this mask gave nonsense. Without prompts (Esc, a
    // saved or hand-drawn mask) the mask's own box is used.
    const ModelResultInfo result = m_doc->currentModelResult();
    const Prompts prompts =
        result.valid && !m_doc->prompts().empty() ? result.prompts : m_doc->prompts();
    m_inference->requestMask(m_doc->id(), prompts, m_doc->mask());
}

void ViewerSession::onMaskReady(const MaskResponse& response) {
    if (!m_doc || response.imageId != m_doc->id())
        return;
    if (response.automatic && response.candidates.empty()) {
        Q_EMIT statusMessage(
            tr("Auto found no lesion in this image: drag a box around it, or click on it."));
        return;
    }
    if (response.candidates.empty())
        return;
    m_lastResponse = response;
    m_lastHeat = QImage();
    Q_EMIT heatmapCleared(); // the previous mask's heatmap; this mask's follows
    // Its heatmap is already on its way with the mask: the push must not ask for another.
    m_resultInEffect = response.requestId;
    m_doc->undoStack()->push(new ModelResultCommand(
        m_doc, response.requestId, response.candidates.front().mask, lastResultInfo(0)));
    Q_EMIT candidatesChanged();
    Q_EMIT statusMessage(
        response.automatic
            ? tr("Lesion outlined automatically in %1 ms: accept it, edit it, or draw a box to "
                 "redo it.")
                  .arg(response.decodeMs, 0, 'f', 0)
            : tr("Mask computed in %1 ms.").arg(response.decodeMs, 0, 'f', 0));
    Q_EMIT maskApplied();
}

ModelResultInfo ViewerSession::lastResultInfo(int candidate) const {
    const ModelInfo& model = m_inference->modelInfo();
    ModelResultInfo info;
    info.valid = true;
    info.prompts = m_lastResponse.prompts;
    info.iou = m_lastResponse.candidates[static_cast<std::size_t>(candidate)].iou;
    info.refined = m_lastResponse.refined;
    info.head = m_lastResponse.head;
    info.candidate = candidate;
    info.modelName = model.name;
    info.modelSha256 = model.sha256;
    info.profile = model.profile;
    return info;
}

int ViewerSession::candidateInEffect() const {
    if (!m_doc || m_lastResponse.candidates.empty() || m_lastResponse.imageId != m_doc->id() ||
        m_resultInEffect != m_lastResponse.requestId)
        return -1;
    return m_doc->currentModelResult().candidate;
}

void ViewerSession::chooseCandidate(int index) {
    if (!m_doc || index < 0 || index >= static_cast<int>(m_lastResponse.candidates.size()) ||
        m_lastResponse.imageId != m_doc->id())
        return;
    const MaskCandidate& c = m_lastResponse.candidates[static_cast<std::size_t>(index)];
    // Same response id: merges into the result's one undo step while that is the last step;
    // after an undo (or a stroke) it is a step of its own.
    m_doc->undoStack()->push(
        new ModelResultCommand(m_doc, m_lastResponse.requestId, c.mask, lastResultInfo(index)));
}

// An undo or redo that puts another model result in effect (or none) takes the heatmap and the
// candidate highlight along: they must explain the mask on screen, not the last one computed.
void ViewerSession::onUndoIndexChanged() {
    if (!m_doc)
        return;
    const quint64 id = m_doc->currentModelResultId();
    if (id == m_resultInEffect)
        return; // a brush stroke, or its undo: the heatmap still explains the model's part
    m_resultInEffect = id;
    m_lastHeat = QImage();
    m_inference->dropHeatmaps();
    Q_EMIT heatmapCleared();
    Q_EMIT resultInEffectChanged();
    requestHeatmapForMask();
}

void ViewerSession::setHeatmapOptions(const HeatmapOptions& options) {
    m_lastHeat = QImage();
    Q_EMIT heatmapCleared();
    m_inference->setHeatmapOptions(options);
    requestHeatmapForMask();
}

// The heatmap of the mask on screen, from the prompts that produced it: the last model result,
// else the earlier one that an undo went back to, or the saved one (its sidecar's prompts and
// decoder), when the model loaded now made it. Otherwise the panel says why there is none rather
// than staying silent.
void ViewerSession::requestHeatmapForMask() {
    if (!m_inference->heatmapOptions().enabled || !m_doc || !m_inference->hasModel())
        return;
    if (candidateInEffect() >= 0) {
        m_inference->requestHeatmap(m_doc->id(), m_lastResponse.prompts,
                                    m_lastResponse.refined ? m_doc->mask() : QImage(),
                                    m_lastResponse.head);
        return;
    }
    const ModelResultInfo saved = m_doc->currentModelResult();
    if (saved.valid && !saved.prompts.empty() &&
        saved.modelSha256 == m_inference->modelInfo().sha256) {
        m_inference->requestHeatmap(m_doc->id(), saved.prompts, QImage(), saved.head);
        return;
    }
    if (!anyLesionPixel(m_doc->mask()))
        return; // the heatmap comes with the first mask
    Q_EMIT heatmapFailed(
        saved.valid && !saved.prompts.empty()
            ? tr("No heatmap: a different model made the saved mask. Draw a box to segment "
                 "it with this one.")
            : tr("No heatmap: the mask was not made by the model. Draw a box to get one."));
}

void ViewerSession::onHeatmapReady(const HeatmapResponse& r) {
    // Never over a newer mask: only the heatmap of the mask on screen (or later).
    if (!m_doc || r.imageId != m_doc->id() || r.requestId < m_lastResponse.requestId)
        return;
    if (!r.error.isEmpty()) {
        Q_EMIT heatmapCleared();
        const QString text = tr("The heatmap could not be computed: %1").arg(r.error);
        Q_EMIT heatmapFailed(text);
        Q_EMIT statusMessage(text);
        return;
    }
    m_lastHeat = r.heat;
    Q_EMIT heatmapReady(r);
}

// ---- measuring

MaskMeasurements ViewerSession::measurements() const {
    if (!m_doc)
        return {};
    return measureMask(m_doc->mask(), m_doc->spacingRowMm(), m_doc->spacingColMm());
}

QString ViewerSession::calibrate(const QLineF& line, double mm) {
    if (!m_doc || line.length() <= 0 || !(mm > 0))
        return {};
    m_doc->setCalibration(mm / line.length(), line); // remeasures (calibrationChanged)
    Q_EMIT measurementsChanged();
    // Beside the image, so that it is there when the image is opened again.
    Calibration c;
    c.mmPerPixel = mm / line.length();
    c.line = {line.x1(), line.y1(), line.x2(), line.y2()};
    const QString path = calibrationPathForImage(m_doc->path());
    QString text;
    try {
        saveCalibration(QFile::encodeName(path).toStdString(), c);
        text = tr("Calibrated: %1 mm per pixel.").arg(c.mmPerPixel, 0, 'g', 4);
    } catch (const CoreError& e) {
        text = tr("Calibrated for this session only: %1")
                   .arg(errorCodeText(QString::fromLatin1(coreErrorCodeName(e.code())), path));
    }
    Q_EMIT statusMessage(text);
    return text;
}

void ViewerSession::maskEdited() {
    ++m_maskRevision;
    m_measureTimer.start();
}

void ViewerSession::startLesionMeasurement() {
    // One at a time; the newest edit is measured when the running one ends.
    if (!m_doc || m_lesionWatcher.isRunning() || m_lesionRevision == m_maskRevision)
        return;
    m_runningRevision = m_maskRevision;
    m_lesionWatcher.setFuture(QtConcurrent::run(measureDocumentMask, m_doc->mask(), m_doc->image(),
                                                m_doc->spacingRowMm(), m_doc->spacingColMm()));
}

void ViewerSession::onLesionMeasured() {
    // An edit, a calibration or another image since it started makes the result stale.
    if (m_runningRevision == m_maskRevision) {
        m_lesion = m_lesionWatcher.result();
        m_lesionRevision = m_runningRevision;
        Q_EMIT lesionMeasured();
    }
    startLesionMeasurement();
}

// ---- follow-up

void ViewerSession::compareWithEarlier(const QString& earlierPath) {
    startFollowUp(QFileInfo(earlierPath).absoluteFilePath(), {}, {});
}

void ViewerSession::compareWithPoints(const std::vector<QPointF>& earlier,
                                      const std::vector<QPointF>& current) {
    if (m_followUp.earlierPath.isEmpty())
        return;
    startFollowUp(m_followUp.earlierPath, earlier, current);
}

void ViewerSession::startFollowUp(const QString& earlierPath,
                                  const std::vector<QPointF>& earlierPoints,
                                  const std::vector<QPointF>& currentPoints) {
    if (!m_doc || m_followUpWatcher.isRunning())
        return;
    FollowUpInput in;
    in.currentImage = m_doc->image();
    in.currentMask = m_doc->mask();
    in.rowMm = m_doc->spacingRowMm();
    in.colMm = m_doc->spacingColMm();
    in.areaThresholdPercent = m_settings.followUpAreaThresholdPercent;
    in.earlierPoints = earlierPoints;
    in.currentPoints = currentPoints;
    m_followUpDoc = m_doc->id();
    const ImageLimits limits = imageLimits();
    Q_EMIT statusMessage(tr("Comparing with %1...").arg(QFileInfo(earlierPath).fileName()));
    // The earlier photo and its saved mask are read on the worker thread too.
    m_followUpWatcher.setFuture(QtConcurrent::run([in, earlierPath, limits]() mutable {
        in.earlier = openImageFile(earlierPath, limits);
        return computeFollowUp(in);
    }));
}

// ---- report

LesionReportInput ViewerSession::reportInput() const {
    LesionReportInput in;
    if (!m_doc)
        return in;
    in.imagePath = m_doc->path();
    in.image = m_doc->image();
    in.mask = m_doc->mask();
    in.heatmap = m_lastHeat;
    in.measurements = lesionMeasurementsCurrent()
                          ? m_lesion
                          : measureDocumentMask(m_doc->mask(), m_doc->image(),
                                                m_doc->spacingRowMm(), m_doc->spacingColMm());
    in.spacingSource = m_doc->spacingSource();
    const ModelResultInfo result = m_doc->currentModelResult();
    if (result.valid) {
        in.modelName = result.modelName;
        in.modelSha256 = result.modelSha256;
        in.profile = result.profile;
        in.prompts = result.prompts;
    }
    in.editedByHand = !result.valid || m_doc->editedSinceModel();
    in.operatorName = m_settings.operatorName;
    if (m_followUp.ok) {
        in.followUpTitle = tr("Follow-up");
        for (const auto& row : FollowUpText::rows(m_followUp))
            in.followUp.append(row);
        in.followUp.append({tr("Change"), FollowUpText::verdict(m_followUp)});
    }
    return in;
}

QString ViewerSession::exportReport(const QString& path) const {
    if (!m_doc)
        return tr("No image is open.");
    const QString suffix = QFileInfo(path).suffix().toLower();
    const LesionReportInput in = reportInput();
    return suffix == QStringLiteral("html") || suffix == QStringLiteral("htm")
               ? LesionReport::writeHtml(in, path)
               : LesionReport::writePdf(in, path);
}

// ---- worklist

QString ViewerSession::worklistNeighbour(int delta) const {
    const QString current = m_doc ? m_doc->path() : QString();
    const QString next = m_worklist->neighbour(current, delta);
    return next == current ? QString() : next;
}

void ViewerSession::toggleDone() {
    if (m_doc)
        m_worklist->setDone(m_doc->path(), !m_worklist->isDone(m_doc->path()));
}

} // namespace dermsam
