#pragma once

#include "ui/app_settings.h"
#include "ui/image_canvas.h"
#include "ui/image_document.h"
#include "ui/image_loader.h"
#include "ui/inference_types.h"

#include <QFutureWatcher>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QAction;
class QActionGroup;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QMenu;
class QProgressBar;
class QSlider;
class QSpinBox;
class QToolButton;
class QUndoGroup;

namespace dermsam {

class HeatmapPanel;
class ImageCanvas;
class ImageDocument;
class InferenceController;
class RecoveryStore;
class WorklistView;

// The clinical viewer: canvas, tools, worklist, candidates, status bar; inference through the
// InferenceController (never on this thread), image loading through QtConcurrent.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // An image file or a folder (worklist). Asks about unsaved edits first.
    void openPath(const QString& path);
    // Loads the model from the settings (or overrides the checkpoint for this run only).
    void loadModelFromSettings(const QString& checkpointOverride = {});

    ImageDocument* document() const { return m_doc; }
    ImageCanvas* canvas() const { return m_canvas; }
    WorklistView* worklist() const { return m_worklistView; }
    InferenceController* inference() const { return m_inference; }
    bool saveCurrent(); // false when cancelled or failed (a message was shown)
    const AppSettings& settings() const { return m_settings; }
    RecoveryStore* recovery() const { return m_recovery.get(); }
    // What accepting the settings dialog does: persist, switch the language live, reload the
    // model when its settings changed.
    void applySettings(const AppSettings& settings);

Q_SIGNALS:
    void imageOpened(const QString& path);
    void imageOpenFailed(const QString& path, const QString& message);
    void maskApplied();

protected:
    void changeEvent(QEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    struct ToolText {
        QString text;
        QString tip;
    };
    static ToolText toolText(CanvasTool tool);
    // Runs apply now and after every language change; apply sets texts through tr().
    void onRetranslate(std::function<void()> apply);
    void retranslateUi();
    void updateUndoTexts();
    void refreshCandidateTexts();
    void createActions();
    void createDocks();
    void createStatusBar();
    void openImage(const QString& path);
    void openFolder(const QString& folder);
    void onImageLoaded();
    bool maybeSave();
    void requestMask();
    void refine();
    void onMaskReady(const MaskResponse& response);
    void onCandidateChosen(int row);
    void updateRecentMenu();
    void updateMeasurements();
    void updateModelLabel();
    void applyEmbeddingCache(); // the settings' disk cache to the worker
    void updateTitle();
    void showSettings();
    void showAbout();
    void showShortcuts();
    void keepKeysOnCanvas();
    void autosave();
    ImageLimits imageLimits() const;
    void offerRecovery();
    void createWelcome();
    void openSample();
    void calibrate(const QLineF& line);
    void stepWorklist(int delta);
    void refreshWorklistMarks();
    void setStatus(const QString& text);

    AppSettings m_settings;
    std::vector<std::function<void()>> m_retranslators;
    ImageCanvas* m_canvas = nullptr;
    InferenceController* m_inference = nullptr;
    QPointer<ImageDocument> m_doc;
    QUndoGroup* m_undoGroup = nullptr;
    quint64 m_nextImageId = 0;
    QFutureWatcher<LoadedImage> m_loadWatcher;
    QString m_pendingLoad;

    WorklistView* m_worklistView = nullptr;
    QListWidget* m_candidatesView = nullptr;
    MaskResponse m_lastResponse;

    QMenu* m_recentMenu = nullptr;
    QAction* m_undoAction = nullptr;
    QAction* m_redoAction = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_refineAction = nullptr;
    QAction* m_toggleMaskAction = nullptr;
    QAction* m_heatmapAction = nullptr;
    HeatmapPanel* m_heatmapPanel = nullptr;
    QActionGroup* m_toolGroup = nullptr;
    QSpinBox* m_brushSize = nullptr;
    QSlider* m_opacity = nullptr;

    QLabel* m_positionLabel = nullptr;
    QLabel* m_zoomLabel = nullptr;
    QWidget* m_welcome = nullptr; // on the empty canvas
    QLabel* m_sizeLabel = nullptr;
    QLabel* m_measureLabel = nullptr;
    QLabel* m_modelLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancelButton = nullptr;
    QTimer m_measureTimer;
    QTimer m_autosaveTimer; // unsaved edits to the recovery store, shortly after the last one
    std::unique_ptr<RecoveryStore> m_recovery;
    QString m_modelError;
    QString m_sessionCheckpoint; // --model or the wizard's "use this model now": not saved
    bool m_modelLoading = false; // so a retranslation keeps "Loading model..."
};

} // namespace dermsam
