#pragma once

#include "ui/image_canvas.h"
#include "ui/session/app_settings.h"
#include "ui/session/inference_types.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <vector>

class QAction;
class QDateTime;
class QActionGroup;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QMenu;
class QProgressBar;
class QSlider;
class QSpinBox;
class QToolButton;

namespace dermsam {

class FollowUpDialog;
class HeatmapPanel;
class ImageCanvas;
class ImageDocument;
class InferenceController;
class RecoveryStore;
class ViewerSession;
class WorklistView;

// The clinical viewer: shows a ViewerSession (ui/session: the document, model results,
// worklist, settings) with the canvas, tools, worklist, candidates and status bar, and asks the
// user what the session cannot decide alone.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // An image file or a folder (worklist). Asks about unsaved edits first.
    void openPath(const QString& path);
    // Loads the model from the settings (or overrides the checkpoint for this run only).
    void loadModelFromSettings(const QString& checkpointOverride = {});

    ViewerSession* session() const { return m_session; }
    ImageDocument* document() const;
    ImageCanvas* canvas() const { return m_canvas; }
    WorklistView* worklist() const { return m_worklistView; }
    InferenceController* inference() const;
    bool saveCurrent(); // false when cancelled or failed (a message was shown)
    const AppSettings& settings() const;
    RecoveryStore* recovery() const;
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
    void createPanelsMenu();
    void restoreLayout();
    void saveLayout() const;
    void createStatusBar();
    void connectSession();
    void openImage(const QString& path);
    void onDocumentChanged(ImageDocument* doc);
    void onCandidatesChanged();
    bool maybeSave();
    void updateRecentMenu();
    void updateMeasurements();
    void updateLesionPanel();
    void updateModelLabel();
    void updateTitle();
    void showSettings();
    void showAbout();
    void showShortcuts();
    void keepKeysOnCanvas();
    void offerRecovery(const QString& imagePath, const QDateTime& savedUtc);
    void createWelcome();
    void calibrate(const QLineF& line);
    void exportReport();
    void compareWithEarlier();
    void stepWorklist(int delta);
    void refreshWorklistMarks();
    void showWorklist(bool shown);
    void setStatus(const QString& text);
    void makeRoomForMessage(const QString& message);
    void setViewSetting(const std::function<void(AppSettings&)>& change);

    ViewerSession* m_session = nullptr;
    std::vector<std::function<void()>> m_retranslators;
    ImageCanvas* m_canvas = nullptr;

    WorklistView* m_worklistView = nullptr;
    QListWidget* m_candidatesView = nullptr;

    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QAction* m_undoAction = nullptr;
    QAction* m_redoAction = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_reportAction = nullptr;
    QAction* m_refineAction = nullptr;
    QAction* m_autoAction = nullptr;
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
    QLabel* m_lesionPanel = nullptr; // the Measurements dock
    QPointer<FollowUpDialog> m_followUpDialog;
    QLabel* m_modelLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancelButton = nullptr;
    QLabel* m_researchLabel = nullptr;
    std::vector<QLabel*> m_yieldedToMessage; // read-outs hidden while a long message shows
};

} // namespace dermsam
