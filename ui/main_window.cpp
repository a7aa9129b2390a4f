#include "ui/main_window.h"

#include "ui/earlier_visit_chooser.h"
#include "ui/follow_up_dialog.h"
#include "ui/heatmap_panel.h"
#include "ui/image_canvas.h"
#include "ui/session/error_text.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_measurements.h"
#include "ui/session/mask_saver.h"
#include "ui/session/measurement_rows.h"
#include "ui/session/recovery_store.h"
#include "ui/session/ui_language.h"
#include "ui/session/viewer_session.h"
#include "ui/session/worklist.h"
#include "ui/settings_dialog.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/worklist_view.h"

#include "core/core_error.h"
#include "core/evaluation.h"
#include "core/mask_io.h"

#include "dermsam_version.h"

#include <QAbstractSpinBox>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QColorDialog>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QUndoGroup>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace dermsam {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_session(new ViewerSession(this)) {
    const AppSettings& settings = m_session->settings();
    m_canvas = new ImageCanvas(this);
    m_canvas->setOverlayColor(settings.overlayColor);
    m_canvas->setOverlayOpacity(settings.overlayOpacity);
    m_canvas->setContourVisible(settings.showContour);
    m_canvas->setBrushRadius(settings.brushRadius);
    setCentralWidget(m_canvas);
    setAcceptDrops(true);
    createWelcome();

    createActions();
    createDocks();
    createStatusBar();
    createPanelsMenu();
    connectSession();

    connect(m_canvas, &ImageCanvas::promptsEdited, m_session, &ViewerSession::requestMask);
    connect(m_canvas, &ImageCanvas::calibrationLineDrawn, this, &MainWindow::calibrate);
    connect(m_canvas, &ImageCanvas::cursorMoved, this, [this](QPoint p, bool inside) {
        m_positionLabel->setText(inside ? tr("x %1, y %2").arg(p.x()).arg(p.y()) : QString());
    });

    updateTitle();
    updateModelLabel();
    keepKeysOnCanvas();
    resize(1280, 860);
    restoreLayout();
}

void MainWindow::connectSession() {
    ViewerSession* s = m_session;
    connect(s, &ViewerSession::statusMessage, this, &MainWindow::setStatus);
    connect(s, &ViewerSession::modelStateChanged, this, [this] {
        if (m_session->modelState() == ViewerSession::ModelState::Ready)
            m_heatmapPanel->setBlockCount(m_session->modelInfo().encoderBlocks);
        updateModelLabel();
    });
    connect(s, &ViewerSession::modelFailedLoudly, this,
            [this](const QString& message) { QMessageBox::warning(this, tr("Model"), message); });
    connect(s, &ViewerSession::loadingChanged, this, [](bool loading) {
        if (loading)
            QApplication::setOverrideCursor(Qt::BusyCursor);
        else
            QApplication::restoreOverrideCursor();
    });
    connect(s, &ViewerSession::documentChanged, this, &MainWindow::onDocumentChanged);
    connect(s, &ViewerSession::imageOpened, this, &MainWindow::imageOpened);
    connect(s, &ViewerSession::imageOpenFailed, this,
            [this](const QString& path, const QString& message) {
                QMessageBox::warning(this, tr("Open image"), message);
                Q_EMIT imageOpenFailed(path, message);
            });
    connect(s, &ViewerSession::modifiedChanged, this, &MainWindow::updateTitle);
    connect(s, &ViewerSession::saved, this, [this] {
        refreshWorklistMarks();
        updateTitle();
    });
    connect(s, &ViewerSession::recentFilesChanged, this, &MainWindow::updateRecentMenu);
    connect(s, &ViewerSession::candidatesChanged, this, &MainWindow::onCandidatesChanged);
    // No row highlighted while the mask on screen is none of them (undone): a click on any
    // row, the first included, puts that candidate back.
    connect(s, &ViewerSession::resultInEffectChanged, this, [this] {
        const QSignalBlocker block(m_candidatesView);
        m_candidatesView->setCurrentRow(m_session->candidateInEffect());
    });
    connect(s, &ViewerSession::maskApplied, this, &MainWindow::maskApplied);
    connect(s, &ViewerSession::measurementsChanged, this, &MainWindow::updateMeasurements);
    connect(s, &ViewerSession::lesionMeasured, this, &MainWindow::updateLesionPanel);
    connect(s, &ViewerSession::recoveryAvailable, this, &MainWindow::offerRecovery);
    connect(s, &ViewerSession::heatmapCleared, m_canvas, &ImageCanvas::clearHeatmap);
    // Its figures went with it: a peak of the previous mask must not stay under the controls.
    connect(s, &ViewerSession::heatmapCleared, m_heatmapPanel,
            [this] { m_heatmapPanel->setInfo(QString()); });
    connect(s, &ViewerSession::heatmapReady, this, [this](const HeatmapResponse& r) {
        m_canvas->setHeatmap(r.heat);
        m_heatmapPanel->setInfo(tr("Peak at %1, %2 (%3 ms).")
                                    .arg(r.peak.x())
                                    .arg(r.peak.y())
                                    .arg(r.milliseconds, 0, 'f', 0));
    });
    connect(s, &ViewerSession::heatmapFailed, m_heatmapPanel, &HeatmapPanel::setInfo);
    // A worklist ended by opening a file from elsewhere hides its panel.
    connect(s->worklist(), &Worklist::filesChanged, this,
            [this] { showWorklist(!m_session->worklist()->isEmpty()); });

    InferenceController* inference = s->inference();
    connect(inference, &InferenceController::progressChanged, this,
            [this](bool visible, InferenceStage stage) {
                m_progress->setVisible(visible);
                m_cancelButton->setVisible(visible);
                // A message that came while the bar was up may fit once it goes (a point
                // decoded during the next image's prefetch), and may not fit once it comes.
                makeRoomForMessage(statusBar()->currentMessage());
                switch (stage) {
                case InferenceStage::LoadingModel:
                    m_progress->setFormat(tr("Loading model..."));
                    break;
                case InferenceStage::Encoding:
                    m_progress->setFormat(tr("Analysing image..."));
                    break;
                case InferenceStage::Decoding:
                    m_progress->setFormat(tr("Computing mask..."));
                    break;
                case InferenceStage::Idle:
                    break;
                }
            });
    connect(m_cancelButton, &QToolButton::clicked, inference, &InferenceController::cancel);
}

ImageDocument* MainWindow::document() const {
    return m_session->document();
}

InferenceController* MainWindow::inference() const {
    return m_session->inference();
}

const AppSettings& MainWindow::settings() const {
    return m_session->settings();
}

RecoveryStore* MainWindow::recovery() const {
    return m_session->recovery();
}

void MainWindow::setViewSetting(const std::function<void(AppSettings&)>& change) {
    AppSettings s = m_session->settings();
    change(s);
    m_session->applySettings(s);
}

void MainWindow::createWelcome() {
    // An empty window says what to do, and offers an image to try the model on at once.
    m_welcome = new QWidget(m_canvas);
    m_canvas->setEmptyHintVisible(false); // the welcome says it, with the sample button
    m_welcome->setObjectName(QStringLiteral("welcome"));
    auto* hint = new QLabel(m_welcome);
    hint->setAlignment(Qt::AlignCenter);
    hint->setStyleSheet(QStringLiteral("color: #dddddd;"));
    auto* sample = new QPushButton(m_welcome);
    sample->setObjectName(QStringLiteral("openSample"));
    sample->setFocusPolicy(Qt::TabFocus); // a click leaves the keys with the canvas
    connect(sample, &QPushButton::clicked, this, [this] {
        if (maybeSave())
            m_session->openSample();
    });
    onRetranslate([hint, sample] {
        hint->setText(tr("Open an image or a folder of images (File menu, Ctrl+O), or drop one "
                         "here.\nThen drag a box around the lesion."));
        sample->setText(tr("Open sample image"));
        sample->setToolTip(tr("An ISIC 2018 dermoscopy image (CC BY-NC 4.0), to try DermSAM"));
    });
    auto* column = new QVBoxLayout(m_welcome);
    column->addWidget(hint);
    column->addWidget(sample, 0, Qt::AlignHCenter);
    auto* outer = new QVBoxLayout(m_canvas);
    outer->addStretch(1);
    outer->addWidget(m_welcome, 0, Qt::AlignHCenter);
    outer->addStretch(1);
}

void MainWindow::keepKeysOnCanvas() {
    // The one-letter tools, Esc and the zoom keys belong to the canvas. Panel controls take the
    // keyboard focus only from Tab (a click leaves it on the canvas); a spin box, which needs it
    // to be typed into, hands it back when its edit is done.
    QList<QWidget*> roots;
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        roots << dock;
    for (QToolBar* bar : findChildren<QToolBar*>())
        roots << bar;
    for (QWidget* root : roots) {
        for (QWidget* w : root->findChildren<QWidget*>()) {
            if (auto* spin = qobject_cast<QAbstractSpinBox*>(w)) {
                connect(spin, &QAbstractSpinBox::editingFinished, this, [this, spin] {
                    if (spin->hasFocus())
                        m_canvas->setFocus(Qt::OtherFocusReason);
                });
            } else if (qobject_cast<QLineEdit*>(w) == nullptr &&
                       (w->focusPolicy() & Qt::ClickFocus)) {
                w->setFocusPolicy(Qt::TabFocus);
            }
        }
    }
    m_canvas->setFocus(Qt::OtherFocusReason);
}

MainWindow::~MainWindow() {
    // The session is a child, deleted after this class's members: its signals must not reach
    // a half-destroyed window.
    disconnect(m_session, nullptr, this, nullptr);
    disconnect(m_session->undoGroup(), nullptr, this, nullptr);
    disconnect(m_session->worklist(), nullptr, this, nullptr);
}

void MainWindow::onRetranslate(std::function<void()> apply) {
    apply();
    m_retranslators.push_back(std::move(apply));
}

void MainWindow::retranslateUi() {
    for (const auto& apply : m_retranslators)
        apply();
    updateUndoTexts();
    updateModelLabel();
    updateMeasurements();
    updateLesionPanel();
    updateTitle();
    refreshCandidateTexts();
    if (ImageDocument* doc = document())
        m_sizeLabel->setText(tr("%1 x %2 px").arg(doc->size().width()).arg(doc->size().height()));
}

void MainWindow::changeEvent(QEvent* event) {
    // Sent to every widget when translators change (Edit > Settings > Language).
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QMainWindow::changeEvent(event);
}

MainWindow::ToolText MainWindow::toolText(CanvasTool tool) {
    switch (tool) {
    case CanvasTool::Box:
        return {tr("&Box"), tr("Drag a box around the lesion")};
    case CanvasTool::Point:
        return {tr("&Point"), tr("Click: lesion point; right or Shift-click: background point")};
    case CanvasTool::Brush:
        return {tr("Br&ush"), tr("Paint lesion pixels (right button erases)")};
    case CanvasTool::Eraser:
        return {tr("&Eraser"), tr("Erase lesion pixels")};
    case CanvasTool::Calibrate:
        return {tr("&Calibrate"), tr("Draw a line of known length to measure in mm")};
    case CanvasTool::Pan:
        return {tr("P&an"), tr("Drag to move the image (or hold Space, or use the middle button)")};
    }
    return {};
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(QString());
    onRetranslate([file] { file->setTitle(tr("&File")); });
    QAction* open = file->addAction(QString(), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open image"), QString(),
            tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;All files (*)"));
        if (!path.isEmpty())
            openPath(path);
    });
    open->setShortcut(QKeySequence::Open);
    onRetranslate([open] { open->setText(tr("&Open Image...")); });
    QAction* openFolder = file->addAction(QString(), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open folder"));
        if (!dir.isEmpty())
            openPath(dir);
    });
    onRetranslate([openFolder] { openFolder->setText(tr("Open &Folder as Worklist...")); });
    m_recentMenu = file->addMenu(QString());
    onRetranslate([this] { m_recentMenu->setTitle(tr("Open &Recent")); });
    updateRecentMenu();
    file->addSeparator();
    m_saveAction = file->addAction(QString(), this, [this] { saveCurrent(); });
    m_reportAction = file->addAction(QString(), this, &MainWindow::exportReport);
    m_reportAction->setObjectName(QStringLiteral("exportReportAction"));
    m_reportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    onRetranslate([this] { m_reportAction->setText(tr("&Export Report...")); });
    m_saveAction->setShortcut(QKeySequence::Save);
    onRetranslate([this] { m_saveAction->setText(tr("&Save Mask")); });
    file->addSeparator();
    QAction* quit = file->addAction(QString(), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    onRetranslate([quit] { quit->setText(tr("&Quit")); });

    QMenu* edit = menuBar()->addMenu(QString());
    onRetranslate([edit] { edit->setTitle(tr("&Edit")); });
    // Our own undo/redo actions: QUndoGroup's fix their "Undo %1" prefix at creation, so they
    // could not follow a language change.
    QUndoGroup* undoGroup = m_session->undoGroup();
    m_undoAction = edit->addAction(QString(), undoGroup, &QUndoGroup::undo);
    m_undoAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
    m_redoAction = edit->addAction(QString(), undoGroup, &QUndoGroup::redo);
    m_redoAction->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
    connect(undoGroup, &QUndoGroup::canUndoChanged, m_undoAction, &QAction::setEnabled);
    connect(undoGroup, &QUndoGroup::canRedoChanged, m_redoAction, &QAction::setEnabled);
    connect(undoGroup, &QUndoGroup::undoTextChanged, this, &MainWindow::updateUndoTexts);
    connect(undoGroup, &QUndoGroup::redoTextChanged, this, &MainWindow::updateUndoTexts);
    m_undoAction->setEnabled(false);
    m_redoAction->setEnabled(false);
    updateUndoTexts();
    edit->addSeparator();
    m_refineAction = edit->addAction(QString(), m_session, &ViewerSession::refine);
    m_refineAction->setShortcut(QKeySequence(Qt::Key_R));
    onRetranslate([this] {
        m_refineAction->setText(tr("&Refine Mask"));
        m_refineAction->setToolTip(tr("Feed the edited mask back to the model as a mask prompt"));
    });
    // O, for "outline": A already picks the pan tool.
    m_autoAction = edit->addAction(QString(), m_session, &ViewerSession::requestAuto);
    m_autoAction->setObjectName(QStringLiteral("autoAction"));
    m_autoAction->setShortcut(QKeySequence(Qt::Key_O));
    m_autoAction->setEnabled(false);
    onRetranslate([this] {
        m_autoAction->setText(tr("&Auto Outline"));
        m_autoAction->setToolTip(
            tr("Outline the main lesion with no prompt; accept it, edit it or draw a box to redo "
               "it"));
    });
    QAction* clear = edit->addAction(QString(), m_canvas, &ImageCanvas::clearPrompts);
    clear->setShortcut(QKeySequence(Qt::Key_Escape));
    // On the window, not the menu: Esc clears the prompts whichever panel has the focus (a
    // popup or dialog takes its own Esc first).
    clear->setShortcutContext(Qt::WindowShortcut);
    addAction(clear);
    onRetranslate([clear] { clear->setText(tr("&Clear Prompts")); });
    edit->addSeparator();
    QAction* settings = edit->addAction(QString(), this, &MainWindow::showSettings);
    settings->setObjectName(QStringLiteral("settingsAction"));
    onRetranslate([settings] { settings->setText(tr("&Settings...")); });

    QMenu* view = menuBar()->addMenu(QString());
    m_viewMenu = view;
    onRetranslate([view] { view->setTitle(tr("&View")); });
    QAction* fit = view->addAction(QString(), m_canvas, &ImageCanvas::zoomToFit);
    fit->setShortcut(QKeySequence(Qt::Key_F));
    onRetranslate([fit] { fit->setText(tr("Zoom to &Fit")); });
    QAction* actual = view->addAction(QString(), m_canvas, &ImageCanvas::zoomActualPixels);
    actual->setShortcut(QKeySequence(Qt::Key_1));
    onRetranslate([actual] { actual->setText(tr("&Actual Pixels (1:1)")); });
    QAction* zin = view->addAction(QString(), this, [this] { m_canvas->zoomBy(1.25); });
    zin->setShortcut(QKeySequence::ZoomIn);
    onRetranslate([zin] { zin->setText(tr("Zoom &In")); });
    QAction* zout = view->addAction(QString(), this, [this] { m_canvas->zoomBy(0.8); });
    zout->setShortcut(QKeySequence::ZoomOut);
    onRetranslate([zout] { zout->setText(tr("Zoom &Out")); });
    view->addSeparator();
    m_toggleMaskAction = view->addAction(QString());
    m_toggleMaskAction->setCheckable(true);
    m_toggleMaskAction->setChecked(true);
    m_toggleMaskAction->setShortcut(QKeySequence(Qt::Key_M));
    connect(m_toggleMaskAction, &QAction::toggled, m_canvas, &ImageCanvas::setOverlayVisible);
    onRetranslate([this] { m_toggleMaskAction->setText(tr("Show &Mask")); });
    QAction* contour = view->addAction(QString());
    contour->setCheckable(true);
    contour->setChecked(m_session->settings().showContour);
    connect(contour, &QAction::toggled, this, [this](bool on) {
        m_canvas->setContourVisible(on);
        setViewSetting([on](AppSettings& s) { s.showContour = on; });
    });
    onRetranslate([contour] { contour->setText(tr("Show &Contour")); });
    QAction* colour = view->addAction(QString(), this, [this] {
        const QColor c = QColorDialog::getColor(m_canvas->overlayColor(), this, tr("Mask colour"));
        if (c.isValid()) {
            m_canvas->setOverlayColor(c);
            setViewSetting([c](AppSettings& s) { s.overlayColor = c; });
        }
    });
    onRetranslate([colour] { colour->setText(tr("Mask &Colour...")); });

    QMenu* tools = menuBar()->addMenu(QString());
    onRetranslate([tools] { tools->setTitle(tr("&Tools")); });
    QToolBar* bar = addToolBar(QString());
    bar->setObjectName(QStringLiteral("tools"));
    onRetranslate([bar] { bar->setWindowTitle(tr("Tools")); });
    m_toolGroup = new QActionGroup(this);
    const std::pair<CanvasTool, QKeySequence> toolKeys[] = {
        {CanvasTool::Box, QKeySequence(Qt::Key_B)},
        {CanvasTool::Point, QKeySequence(Qt::Key_P)},
        {CanvasTool::Brush, QKeySequence(Qt::Key_U)},
        {CanvasTool::Eraser, QKeySequence(Qt::Key_E)},
        {CanvasTool::Calibrate, QKeySequence(Qt::Key_C)},
        {CanvasTool::Pan, QKeySequence(Qt::Key_A)},
    };
    for (const auto& [tool, key] : toolKeys) {
        QAction* a = tools->addAction(QString());
        a->setCheckable(true);
        a->setShortcut(key);
        a->setData(static_cast<int>(tool));
        a->setChecked(tool == CanvasTool::Box);
        onRetranslate([a, tool = tool] {
            const ToolText t = toolText(tool);
            a->setText(t.text);
            a->setToolTip(t.tip);
            a->setStatusTip(t.tip);
        });
        m_toolGroup->addAction(a);
        bar->addAction(a);
    }
    connect(m_toolGroup, &QActionGroup::triggered, this,
            [this](QAction* a) { m_canvas->setTool(static_cast<CanvasTool>(a->data().toInt())); });
    m_canvas->setTool(CanvasTool::Box);
    // The fine-tuning wizard (ui/wizard) is not modal. Its "use this model now" switches the
    // model for this session only: the saved default stays what the user chose in Edit >
    // Settings, so an experiment never silently becomes tomorrow's model.
    tools->addSeparator();
    QAction* compare = tools->addAction(QString(), this, &MainWindow::compareWithEarlier);
    compare->setObjectName(QStringLiteral("compareAction"));
    onRetranslate([compare] {
        compare->setText(tr("Compare with Earlier &Visit..."));
        compare->setToolTip(tr("Align an earlier photo of this lesion and show how it changed"));
    });
    QAction* fineTune = tools->addAction(QString(), this, [this] {
        auto* wizard = new FineTuneWizard(m_session->settings().checkpoint, this);
        wizard->setAttribute(Qt::WA_DeleteOnClose);
        connect(wizard, &FineTuneWizard::useModelRequested, this, [this](const QString& path) {
            m_session->loadModelFromSettings(path);
            setStatus(tr("Using %1 for this session. To keep it, choose it in Edit > Settings.")
                          .arg(QFileInfo(path).fileName()));
        });
        wizard->show();
    });
    fineTune->setObjectName(QStringLiteral("fineTuneAction"));
    onRetranslate([fineTune] { fineTune->setText(tr("&Fine-tune model...")); });
    bar->addSeparator();
    auto* brushLabel = new QLabel(bar);
    onRetranslate([brushLabel] { brushLabel->setText(tr("Brush size:")); });
    bar->addWidget(brushLabel);
    m_brushSize = new QSpinBox(bar);
    m_brushSize->setObjectName(QStringLiteral("brushSize"));
    // Image pixels: a photo of 6000 x 4000 fitted to the window needs a radius in the hundreds.
    m_brushSize->setRange(1, 1000);
    onRetranslate([this] { m_brushSize->setSuffix(tr(" px")); });
    m_brushSize->setValue(static_cast<int>(m_session->settings().brushRadius));
    connect(m_brushSize, &QSpinBox::valueChanged, this, [this](int v) {
        m_canvas->setBrushRadius(v);
        setViewSetting([v](AppSettings& s) { s.brushRadius = v; });
    });
    bar->addWidget(m_brushSize);
    // [ and ], as in image editors: a quarter smaller or larger per press, at least a pixel.
    const std::pair<const char*, int> brushSteps[] = {{"smallerBrush", -1}, {"largerBrush", 1}};
    for (const auto& [name, sign] : brushSteps) {
        QAction* a = tools->addAction(QString());
        a->setObjectName(QString::fromLatin1(name));
        a->setShortcut(QKeySequence(sign < 0 ? Qt::Key_BracketLeft : Qt::Key_BracketRight));
        onRetranslate([a, sign = sign] {
            a->setText(sign < 0 ? tr("S&maller Brush") : tr("&Larger Brush"));
        });
        connect(a, &QAction::triggered, this, [this, sign = sign] {
            const int v = m_brushSize->value();
            m_brushSize->setValue(v + sign * std::max(1, v / 4));
        });
    }
    bar->addSeparator();
    auto* opacityLabel = new QLabel(bar);
    onRetranslate([opacityLabel] { opacityLabel->setText(tr("Opacity:")); });
    bar->addWidget(opacityLabel);
    m_opacity = new QSlider(Qt::Horizontal, bar);
    m_opacity->setRange(0, 100);
    m_opacity->setMaximumWidth(120);
    m_opacity->setValue(static_cast<int>(m_session->settings().overlayOpacity * 100));
    connect(m_opacity, &QSlider::valueChanged, this, [this](int v) {
        m_canvas->setOverlayOpacity(v / 100.0);
        setViewSetting([v](AppSettings& s) { s.overlayOpacity = v / 100.0; });
    });
    bar->addWidget(m_opacity);
    bar->addSeparator();
    bar->addAction(m_autoAction);
    bar->addAction(m_refineAction);

    QMenu* help = menuBar()->addMenu(QString());
    onRetranslate([help] { help->setTitle(tr("&Help")); });
    QAction* keys = help->addAction(QString(), this, &MainWindow::showShortcuts);
    keys->setObjectName(QStringLiteral("shortcutsAction"));
    keys->setShortcut(QKeySequence(Qt::Key_F1));
    onRetranslate([keys] { keys->setText(tr("&Keyboard Shortcuts")); });
    QAction* about = help->addAction(QString(), this, &MainWindow::showAbout);
    onRetranslate([about] { about->setText(tr("&About DermSAM")); });
}

void MainWindow::updateUndoTexts() {
    // Commands hold their English source text (mask_commands.cpp).
    const auto shown = [](const QString& text) {
        return QCoreApplication::translate("dermsam::MaskCommands", text.toUtf8().constData());
    };
    const QString undo = shown(m_session->undoGroup()->undoText());
    const QString redo = shown(m_session->undoGroup()->redoText());
    m_undoAction->setText(undo.isEmpty() ? tr("Undo") : tr("Undo %1").arg(undo));
    m_redoAction->setText(redo.isEmpty() ? tr("Redo") : tr("Redo %1").arg(redo));
}

void MainWindow::createDocks() {
    auto* worklistDock = new QDockWidget(this);
    onRetranslate([worklistDock] { worklistDock->setWindowTitle(tr("Worklist")); });
    worklistDock->setObjectName(QStringLiteral("worklist"));
    m_worklistView = new WorklistView(worklistDock, QString(), m_session->worklist());
    worklistDock->setWidget(m_worklistView);
    addDockWidget(Qt::LeftDockWidgetArea, worklistDock);
    connect(m_worklistView, &WorklistView::imageActivated, this, &MainWindow::openImage);
    worklistDock->hide();

    auto* done = new QAction(this);
    onRetranslate([done] { done->setText(tr("Toggle &Done")); });
    done->setShortcut(QKeySequence(Qt::Key_D));
    connect(done, &QAction::triggered, m_session, &ViewerSession::toggleDone);
    addAction(done);

    auto* next = new QAction(this);
    onRetranslate([next] { next->setText(tr("Next Image")); });
    next->setShortcut(QKeySequence(Qt::Key_PageDown));
    connect(next, &QAction::triggered, this, [this] { stepWorklist(1); });
    auto* prev = new QAction(this);
    onRetranslate([prev] { prev->setText(tr("Previous Image")); });
    prev->setShortcut(QKeySequence(Qt::Key_PageUp));
    connect(prev, &QAction::triggered, this, [this] { stepWorklist(-1); });
    addAction(next);
    addAction(prev);

    auto* candDock = new QDockWidget(this);
    candDock->setObjectName(QStringLiteral("candidates"));
    m_candidatesView = new QListWidget(candDock);
    m_candidatesView->setObjectName(QStringLiteral("candidateList"));
    m_candidatesView->setIconSize(QSize(64, 64));
    // Longer texts (German) wrap instead of being cut off in a narrow dock.
    m_candidatesView->setWordWrap(true);
    m_candidatesView->setTextElideMode(Qt::ElideNone);
    // Three candidates at most: the rest of the column goes to the measurements.
    m_candidatesView->setMaximumHeight(3 * 72 + 8);
    onRetranslate([this, candDock] {
        candDock->setWindowTitle(tr("Candidate masks"));
        m_candidatesView->setToolTip(tr("Point prompts give three candidate masks: pick one."));
    });
    candDock->setWidget(m_candidatesView);
    addDockWidget(Qt::RightDockWidgetArea, candDock);
    connect(m_candidatesView, &QListWidget::currentRowChanged, m_session,
            &ViewerSession::chooseCandidate);

    // Measurements (docs/measurements.md): computed off this thread after each edit.
    auto* measureDock = new QDockWidget(this);
    measureDock->setObjectName(QStringLiteral("measurements"));
    onRetranslate([measureDock] { measureDock->setWindowTitle(tr("Measurements")); });
    // Scrolls rather than cutting rows off in a short dock.
    auto* measureScroll = new QScrollArea(measureDock);
    measureScroll->setWidgetResizable(true);
    measureScroll->setFrameShape(QFrame::NoFrame);
    m_lesionPanel = new QLabel(measureScroll);
    m_lesionPanel->setObjectName(QStringLiteral("measurementsPanel"));
    m_lesionPanel->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_lesionPanel->setWordWrap(true);
    m_lesionPanel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_lesionPanel->setMargin(6);
    measureScroll->setWidget(m_lesionPanel);
    measureDock->setWidget(measureScroll);
    addDockWidget(Qt::RightDockWidgetArea, measureDock);

    // Heatmap (DESIGN.md, Explainability): computed on the worker after each mask.
    auto* heatDock = new QDockWidget(this);
    onRetranslate([heatDock] { heatDock->setWindowTitle(tr("Heatmap")); });
    heatDock->setObjectName(QStringLiteral("heatmap"));
    m_heatmapPanel = new HeatmapPanel(heatDock);
    heatDock->setWidget(m_heatmapPanel);
    addDockWidget(Qt::RightDockWidgetArea, heatDock);
    m_heatmapAction = new QAction(this);
    onRetranslate([this] { m_heatmapAction->setText(tr("Show &Heatmap")); });
    m_heatmapAction->setObjectName(QStringLiteral("showHeatmap"));
    m_heatmapAction->setCheckable(true);
    m_heatmapAction->setShortcut(QKeySequence(Qt::Key_H));
    addAction(m_heatmapAction);
    connect(m_heatmapAction, &QAction::toggled, m_heatmapPanel, &HeatmapPanel::setShown);
    connect(m_heatmapPanel, &HeatmapPanel::optionsChanged, this,
            [this](const HeatmapOptions& options) {
                const QSignalBlocker block(m_heatmapAction);
                m_heatmapAction->setChecked(options.enabled);
                m_canvas->setHeatmapVisible(options.enabled);
                m_heatmapPanel->setInfo({});
                m_session->setHeatmapOptions(options);
            });
    connect(m_heatmapPanel, &HeatmapPanel::appearanceChanged, this, [this] {
        m_canvas->setHeatmapOpacity(m_heatmapPanel->opacity());
        m_canvas->setHeatmapColorMap(m_heatmapPanel->colorMap());
    });
}

// The heatmap and every panel from the View menu: a panel closed with its X had no way back.
void MainWindow::createPanelsMenu() {
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_heatmapAction);
    QMenu* panels = m_viewMenu->addMenu(QString());
    panels->setObjectName(QStringLiteral("panelsMenu"));
    onRetranslate([panels] { panels->setTitle(tr("&Panels")); });
    // Their texts are the panels' titles, retranslated with them.
    for (const char* name : {"worklist", "candidates", "measurements", "heatmap"})
        if (auto* dock = findChild<QDockWidget*>(QLatin1String(name)))
            panels->addAction(dock->toggleViewAction());
    if (auto* bar = findChild<QToolBar*>(QStringLiteral("tools")))
        panels->addAction(bar->toggleViewAction());
}

// Where the window was and how its panels were arranged, as the user left them last time.
void MainWindow::restoreLayout() {
    QSettings qs;
    restoreGeometry(qs.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(qs.value(QStringLiteral("window/state")).toByteArray());
    // The worklist panel belongs to a worklist: none is open yet.
    showWorklist(!m_session->worklist()->isEmpty());
}

void MainWindow::saveLayout() const {
    QSettings qs;
    qs.setValue(QStringLiteral("window/geometry"), saveGeometry());
    qs.setValue(QStringLiteral("window/state"), saveState());
}

void MainWindow::createStatusBar() {
    m_positionLabel = new QLabel(this);
    m_sizeLabel = new QLabel(this);
    m_sizeLabel->setObjectName(QStringLiteral("imageSize"));
    m_measureLabel = new QLabel(this);
    m_measureLabel->setObjectName(QStringLiteral("measurement"));
    m_modelLabel = new QLabel(this);
    m_modelLabel->setObjectName(QStringLiteral("model"));
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(180);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_cancelButton = new QToolButton(this);
    onRetranslate([this] { m_cancelButton->setText(tr("Cancel")); });
    m_cancelButton->hide();
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setObjectName(QStringLiteral("zoom"));
    connect(m_canvas, &ImageCanvas::zoomChanged, this, [this](double scale) {
        m_zoomLabel->setText(tr("Zoom %1%").arg(qRound(scale * 100)));
    });
    auto* research = new QLabel(this);
    m_researchLabel = research;
    research->setObjectName(QStringLiteral("researchUse"));
    onRetranslate([research] {
        research->setText(tr("Research use, not for diagnosis"));
        research->setToolTip(tr("DermSAM's masks, heatmaps and measurements must not be used "
                                "for diagnosis or treatment decisions."));
    });
    research->setStyleSheet(QStringLiteral("color: #b35900; font-weight: bold;"));
    // Permanent: a status message hides the status bar's ordinary widgets while it shows.
    statusBar()->addPermanentWidget(research);
    statusBar()->addPermanentWidget(m_positionLabel);
    statusBar()->addPermanentWidget(m_zoomLabel);
    statusBar()->addPermanentWidget(m_sizeLabel);
    statusBar()->addPermanentWidget(m_measureLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancelButton);
    statusBar()->addPermanentWidget(m_modelLabel);
    connect(statusBar(), &QStatusBar::messageChanged, this, &MainWindow::makeRoomForMessage);
}

void MainWindow::setStatus(const QString& text) {
    statusBar()->showMessage(text, 8000);
}

// The permanent read-outs left little room for messages: at a 1250 px wide window, "Lesion
// outlined automatically in 297 ms: a..." was all the user saw of what to do next. A message
// that does not fit takes the room of the secondary read-outs (cursor position, image size,
// zoom, mask area: the last also in the Measurements panel) until it is cleared; the
// research-use notice and the model stay.
void MainWindow::makeRoomForMessage(const QString& message) {
    for (QLabel* label : m_yieldedToMessage)
        label->show();
    m_yieldedToMessage.clear();
    if (message.isEmpty())
        return;
    const QList<QWidget*> permanent{m_researchLabel, m_positionLabel, m_zoomLabel,    m_sizeLabel,
                                    m_measureLabel,  m_progress,      m_cancelButton, m_modelLabel};
    // The message is drawn left of the first permanent widget: where that is once the read-outs
    // are laid out again, not an estimate (a generous one hid them beside messages that fit).
    QStatusBar* bar = statusBar();
    bar->layout()->activate();
    int room = bar->width();
    for (QWidget* w : permanent)
        if (w->isVisible())
            room = std::min(room, w->geometry().left());
    // QStatusBar's own margins around the message, with a few pixels to spare.
    constexpr int kMargins = 12;
    if (bar->fontMetrics().horizontalAdvance(message) + kMargins <= room)
        return;
    // All of them: their texts may grow after the message came (the area of the mask the
    // message announces), and a status bar whose read-outs come and go one by one is restless.
    for (QLabel* label : {m_positionLabel, m_sizeLabel, m_zoomLabel, m_measureLabel}) {
        if (label->isHidden())
            continue;
        label->hide();
        m_yieldedToMessage.push_back(label);
    }
}

void MainWindow::loadModelFromSettings(const QString& checkpointOverride) {
    m_session->loadModelFromSettings(checkpointOverride);
}

void MainWindow::updateModelLabel() {
    switch (m_session->modelState()) {
    case ViewerSession::ModelState::Loading:
        m_modelLabel->setText(tr("Loading model..."));
        break;
    case ViewerSession::ModelState::Ready: {
        const ModelInfo& i = m_session->modelInfo();
        // The encoder is named only where the profile does not already: the built-in model read
        // "default (compact) ...; compact encoder", the longest permanent text of the bar.
        m_modelLabel->setText(
            i.encoder == i.profile
                ? tr("Model: %1 (%2) on %3, %4").arg(i.name, i.profile, i.device, i.precision)
                : tr("Model: %1 (%2) on %3, %4; %5 encoder")
                      .arg(i.name, i.profile, i.device, i.precision, i.encoder));
        m_modelLabel->setToolTip(i.path);
        break;
    }
    case ViewerSession::ModelState::Failed:
        m_modelLabel->setText(tr("No model - choose a checkpoint in Edit > Settings"));
        m_modelLabel->setToolTip(m_session->modelError());
        break;
    case ViewerSession::ModelState::None:
        m_modelLabel->setText(tr("No model"));
        break;
    }
}

void MainWindow::updateTitle() {
    const ImageDocument* doc = document();
    QString title = tr("DermSAM");
    if (doc)
        title = QStringLiteral("%1[*] - %2").arg(QFileInfo(doc->path()).fileName(), title);
    setWindowTitle(title);
    setWindowModified(m_session->hasUnsavedEdits());
    m_saveAction->setEnabled(doc != nullptr);
    m_reportAction->setEnabled(doc != nullptr);
    if (m_welcome)
        m_welcome->setVisible(doc == nullptr);
    m_refineAction->setEnabled(doc != nullptr);
    m_autoAction->setEnabled(doc != nullptr);
}

void MainWindow::updateRecentMenu() {
    m_recentMenu->clear();
    const QStringList& recent = m_session->settings().recentFiles;
    for (const QString& path : recent)
        m_recentMenu->addAction(QDir::toNativeSeparators(path), this,
                                [this, path] { openPath(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::openPath(const QString& path) {
    if (!maybeSave()) {
        refreshWorklistMarks(); // the row the user clicked is not the image on screen
        return;
    }
    if (!m_session->openPath(path))
        QMessageBox::information(this, tr("Open folder"),
                                 tr("%1 contains no images.").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::showWorklist(bool shown) {
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("worklist")))
        dock->setVisible(shown);
}

void MainWindow::refreshWorklistMarks() {
    m_worklistView->refreshDone();
    if (ImageDocument* doc = document())
        m_worklistView->setCurrentPath(doc->path());
}

void MainWindow::stepWorklist(int delta) {
    const QString next = m_session->worklistNeighbour(delta);
    if (!next.isEmpty())
        openImage(next);
}

void MainWindow::openImage(const QString& path) {
    if (!maybeSave()) {
        refreshWorklistMarks(); // the row the user clicked is not the image on screen
        return;
    }
    m_session->openImage(path);
}

void MainWindow::onDocumentChanged(ImageDocument* doc) {
    m_canvas->setDocument(doc);
    if (m_followUpDialog)
        m_followUpDialog->hide(); // it compared the image that was open
    m_sizeLabel->setText(tr("%1 x %2 px").arg(doc->size().width()).arg(doc->size().height()));
    updateTitle();
    refreshWorklistMarks();
}

void MainWindow::offerRecovery(const QString& imagePath, const QDateTime& savedUtc) {
    const auto answer = QMessageBox::question(
        this, tr("Unsaved edits"),
        tr("DermSAM kept unsaved mask edits of %1 from %2, when it last ended without saving "
           "them. Restore them?")
            .arg(QFileInfo(imagePath).fileName(),
                 QLocale().toString(savedUtc.toLocalTime(), QLocale::ShortFormat)),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    m_session->answerRecovery(answer == QMessageBox::Yes);
}

bool MainWindow::maybeSave() {
    if (!m_session->hasUnsavedEdits())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved mask"),
        tr("The mask of %1 has unsaved changes. Save them?")
            .arg(QFileInfo(document()->path()).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save)
        return saveCurrent();
    m_session->discardEdits();
    return true;
}

bool MainWindow::saveCurrent() {
    if (!document())
        return false;
    const QString error = m_session->save();
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Save mask"), error);
        return false;
    }
    return true;
}

void MainWindow::onCandidatesChanged() {
    const auto& candidates = m_session->lastResponse().candidates;
    const QSignalBlocker block(m_candidatesView);
    m_candidatesView->clear();
    for (const MaskCandidate& c : candidates)
        new QListWidgetItem(QIcon(QPixmap::fromImage(c.mask.scaled(64, 64, Qt::KeepAspectRatio,
                                                                   Qt::SmoothTransformation))),
                            QString(), m_candidatesView);
    refreshCandidateTexts();
    if (!candidates.empty())
        m_candidatesView->setCurrentRow(0);
}

void MainWindow::refreshCandidateTexts() {
    const auto& candidates = m_session->lastResponse().candidates;
    for (int i = 0; i < m_candidatesView->count() && i < static_cast<int>(candidates.size()); ++i)
        m_candidatesView->item(i)->setText(
            tr("Mask %1: predicted IoU %2")
                .arg(i + 1)
                .arg(double(candidates[std::size_t(i)].iou), 0, 'f', 3));
}

void MainWindow::updateMeasurements() {
    const ImageDocument* doc = document();
    if (!doc) {
        m_measureLabel->clear();
        return;
    }
    const MaskMeasurements m = m_session->measurements();
    if (m.areaPx == 0) {
        m_measureLabel->setText(tr("No lesion mask"));
        return;
    }
    QString text =
        tr("Area %1 px, max diameter %2 px").arg(m.areaPx).arg(m.maxDiameterPx, 0, 'f', 1);
    if (doc->hasSpacing()) {
        const double area = m.areaPx * doc->spacingRowMm() * doc->spacingColMm();
        text += tr(" (%1 mm², %2 mm%3)")
                    .arg(area, 0, 'f', 2)
                    .arg(m.maxDiameterMm, 0, 'f', 2)
                    .arg(doc->isCalibrated() ? tr(", calibrated") : QString());
    }
    m_measureLabel->setText(text);
}

void MainWindow::updateLesionPanel() {
    const LesionMeasurements& m = m_session->lesionMeasurements();
    const ImageDocument* doc = document();
    if (!doc || m.empty) {
        m_lesionPanel->setText(doc ? tr("No lesion mask") : QString());
        m_canvas->setDiameterLine({});
        return;
    }
    QString rows;
    for (const MeasurementRow& r : MeasurementRows::rows(m, doc->spacingSource()))
        rows +=
            QStringLiteral("<tr><td title=\"%3\">%1</td><td><b>%2</b></td></tr>")
                .arg(r.name.toHtmlEscaped(), r.value.toHtmlEscaped(), r.definition.toHtmlEscaped());
    m_lesionPanel->setText(QStringLiteral("<table cellspacing=3>%1</table>").arg(rows));
    m_canvas->setDiameterLine(QLineF(m.maxFeretA.x, m.maxFeretA.y, m.maxFeretB.x, m.maxFeretB.y),
                              MeasurementRows::diameterLabel(m));
}

void MainWindow::compareWithEarlier() {
    ImageDocument* doc = document();
    if (!doc)
        return;
    if (m_session->measurements().areaPx == 0) {
        QMessageBox::information(this, tr("Compare with earlier visit"),
                                 tr("Outline the lesion on this image first (drag a box around "
                                    "it): the comparison needs its mask."));
        return;
    }
    // With a folder open, the earlier visit may be another of its images (its saved mask is
    // compared, exactly as for a file chosen below) or a file from anywhere.
    QString path;
    const Worklist* list = m_session->worklist();
    QList<EarlierVisitChooser::Item> items;
    for (int i = 0; i < list->files().size(); ++i) {
        const QString& f = list->files().at(i);
        if (f == doc->path())
            continue;
        const QListWidgetItem* row = m_worklistView->item(i);
        items.append({f, row ? row->icon() : QIcon(), list->hasMaskSaved(f)});
    }
    if (!items.isEmpty()) {
        EarlierVisitChooser chooser(items, this);
        if (chooser.exec() != QDialog::Accepted)
            return;
        path = chooser.chosenPath();
    }
    if (path.isEmpty())
        path = QFileDialog::getOpenFileName(
            this, tr("Earlier photo of this lesion"), QFileInfo(doc->path()).absolutePath(),
            tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;All files (*)"));
    if (path.isEmpty())
        return;
    if (!m_followUpDialog)
        m_followUpDialog = new FollowUpDialog(m_session, this);
    m_session->compareWithEarlier(path);
    m_followUpDialog->comparisonStarted();
    m_followUpDialog->show();
    m_followUpDialog->raise();
}

void MainWindow::exportReport() {
    const ImageDocument* doc = document();
    if (!doc)
        return;
    const QFileInfo image(doc->path());
    const QString suggested =
        image.dir().filePath(image.completeBaseName() + QStringLiteral("_report.pdf"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export report"), suggested,
                                                      tr("PDF (*.pdf);;HTML (*.html *.htm)"));
    if (path.isEmpty())
        return;
    const QString error = m_session->exportReport(path);
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Export report"), error);
        return;
    }
    setStatus(tr("Report written to %1").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::calibrate(const QLineF& line) {
    if (!document())
        return;
    bool ok = false;
    const double mm = QInputDialog::getDouble(
        this, tr("Calibrate"),
        tr("The line is %1 px long. Its length in mm:").arg(line.length(), 0, 'f', 1), 1.0, 0.001,
        10000.0, 3, &ok);
    if (ok)
        m_session->calibrate(line, mm);
}

void MainWindow::showSettings() {
    SettingsDialog dialog(m_session->settings(), this);
    if (dialog.exec() == QDialog::Accepted)
        applySettings(dialog.settings());
}

void MainWindow::applySettings(const AppSettings& settings) {
    m_session->applySettings(settings);
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About DermSAM"),
        tr("<h3>DermSAM %1</h3>"
           "<p>Dermoscopy lesion segmentation with Segment Anything-family models.</p>"
           "<p><b>DermSAM is a research tool, not a diagnostic device.</b> Its masks and "
           "measurements must not be used for diagnosis or treatment decisions.</p>")
            .arg(QStringLiteral(DERMSAM_VERSION_STRING)));
}

void MainWindow::showShortcuts() {
    // Made from the actions themselves, so the list is always the keys that work.
    QString rows;
    QList<QAction*> actions = findChildren<QAction*>();
    std::stable_sort(actions.begin(), actions.end(), [](QAction* a, QAction* b) {
        return a->text().remove(QLatin1Char('&')) < b->text().remove(QLatin1Char('&'));
    });
    for (QAction* a : actions) {
        if (a->shortcuts().isEmpty() || a->text().isEmpty())
            continue;
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts())
            keys << k.toString(QKeySequence::NativeText).toHtmlEscaped();
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(keys.join(QStringLiteral(", ")),
                         a->text().remove(QLatin1Char('&')).toHtmlEscaped());
    }
    QMessageBox box(this);
    box.setObjectName(QStringLiteral("shortcutsDialog"));
    box.setWindowTitle(tr("Keyboard shortcuts"));
    box.setTextFormat(Qt::RichText);
    box.setText(QStringLiteral("<table cellspacing=4>%1</table><p>%2</p>")
                    .arg(rows, tr("Mouse: drag a box around the lesion; click to add a lesion "
                                  "point, right-click or Shift-click for a background point; "
                                  "wheel zooms; middle button or Space+drag pans.")));
    box.exec();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    m_session->prepareClose();
    saveLayout();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        event->acceptProposedAction();
        openPath(urls.first().toLocalFile());
    }
}

} // namespace dermsam
