// Times the viewer's stories as a user meets them: the real window and built-in model (disk
// cache on, in a private HOME), real mouse and key events. Prints one JSON line per figure:
// the time from pressing H to the heatmap on screen (per method), from the box's release to the
// mask on screen, and the longest GUI-thread block during each story. Not a test: figures for
// docs/performance.md.
//
//   dermsam-journey-bench IMAGE [IMAGE2] [--repeats 5]
#include "../ui/block_probe.h"
#include "model/cpu_threading.h"
#include "ui/heatmap_panel.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace dermsam;
using dermsam::test::BlockProbe;

namespace {

void report(const char* what, std::vector<double> ms, qint64 worstBlockMs) {
    std::sort(ms.begin(), ms.end());
    std::printf("{\"figure\":\"%s\",\"median_ms\":%.1f,\"min_ms\":%.1f,\"max_ms\":%.1f,"
                "\"repeats\":%zu,\"worst_gui_block_ms\":%lld}\n",
                what, ms[ms.size() / 2], ms.front(), ms.back(), ms.size(), worstBlockMs);
    std::fflush(stdout);
}

void drag(ImageCanvas* canvas, QPointF a, QPointF b) {
    const QPoint p = canvas->imageToWidget(a).toPoint(), q = canvas->imageToWidget(b).toPoint();
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, p);
    for (int i = 1; i <= 8; ++i)
        QTest::mouseMove(canvas, p + (q - p) * i / 8);
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, q);
}

void key(MainWindow& w, Qt::Key k, Qt::KeyboardModifiers mods = Qt::NoModifier) {
    if (QApplication::activeWindow() != &w) {
        w.activateWindow();
        if (!QTest::qWaitForWindowActive(&w))
            std::fprintf(stderr, "the window did not become active\n");
    }
    QWidget* target = QApplication::focusWidget();
    QTest::keyClick(target ? target : static_cast<QWidget*>(&w), k, mods);
}

} // namespace

int main(int argc, char** argv) {
    // The CPU runtimes' environment that the dermsam launcher sets (model/cpu_threading.h):
    // without it the worker's OpenMP threads spin and the figures are not the application's.
    ensureCpuThreadingEnvironment(argc, argv);
    QTemporaryDir home;
    qputenv("HOME", home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", (home.path() + "/config").toUtf8());
    qputenv("XDG_CACHE_HOME", (home.path() + "/cache").toUtf8());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("images"), QStringLiteral("One or two images."));
    parser.addOption({QStringLiteral("repeats"), QStringLiteral("Repeats."), QStringLiteral("n"),
                      QStringLiteral("5")});
    parser.process(app);
    QStringList images = parser.positionalArguments();
    if (images.isEmpty()) {
        std::fprintf(stderr, "usage: dermsam-journey-bench IMAGE [IMAGE2] [--repeats N]\n");
        return 2;
    }
    // Copies: saving writes beside the image.
    for (QString& image : images) {
        const QString copy = home.filePath(QFileInfo(image).fileName());
        QFile::copy(image, copy);
        image = copy;
    }
    const int repeats = std::max(1, parser.value(QStringLiteral("repeats")).toInt());

    MainWindow w;
    w.show();
    w.activateWindow();
    if (!QTest::qWaitForWindowActive(&w))
        std::fprintf(stderr, "the window did not become active\n");
    {
        QSignalSpy loaded(w.inference(), &InferenceController::modelLoaded);
        w.loadModelFromSettings();
        if (!loaded.wait(120000)) {
            std::fprintf(stderr, "the built-in model did not load\n");
            return 1;
        }
    }
    QSignalSpy opened(&w, &MainWindow::imageOpened);
    QSignalSpy applied(&w, &MainWindow::maskApplied);
    QSignalSpy heat(w.inference(), &InferenceController::heatmapReady);
    QSignalSpy encoded(w.inference(), &InferenceController::imageEncoded);
    const QRectF box(QPointF(60, 60), QPointF(452, 452));
    std::vector<double> openMs, maskMs, heatMs[3];
    // The worker's own time for the same steps (MaskResponse::decodeMs,
    // HeatmapResponse::milliseconds): the rest of the latency is queueing and delivery.
    std::vector<double> workerMaskMs, workerHeatMs[3];
    QSignalSpy ready(w.inference(), &InferenceController::maskReady);
    qint64 worstOpen = 0, worstMask = 0, worstHeat = 0, worstSave = 0;
    std::vector<double> saveMs;
    auto* method = w.findChild<HeatmapPanel*>()->findChildren<QComboBox*>().at(0);
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer clock;
        {
            BlockProbe probe;
            encoded.clear();
            clock.start();
            w.openPath(images[r % images.size()]);
            opened.wait(60000);
            openMs.push_back(clock.nsecsElapsed() / 1e6);
            worstOpen = std::max(worstOpen, probe.worstMs());
        }
        // The mask's time is the decode's: a user looks at the photo before drawing, while the
        // image is encoded (or read from the disk cache).
        if (encoded.isEmpty())
            encoded.wait(60000);
        encoded.clear();
        {
            BlockProbe probe;
            clock.start();
            drag(w.canvas(), box.topLeft(), box.bottomRight());
            ready.clear();
            applied.wait(60000);
            maskMs.push_back(clock.nsecsElapsed() / 1e6);
            if (!ready.isEmpty())
                workerMaskMs.push_back(ready.last().at(0).value<MaskResponse>().decodeMs);
            worstMask = std::max(worstMask, probe.worstMs());
        }
        for (int m = 0; m < 3; ++m) {
            method->setCurrentIndex(m);
            if (w.canvas()->heatmapVisible())
                key(w, Qt::Key_H); // off
            // From an idle worker: the heatmap that follows every mask while H is on (and the
            // one a method change asks for) would otherwise still be running.
            if (w.inference()->isBusy()) {
                QSignalSpy idle(w.inference(), &InferenceController::busyChanged);
                while (w.inference()->isBusy() && idle.wait(60000)) {
                }
            }
            BlockProbe probe;
            heat.clear();
            clock.start();
            key(w, Qt::Key_H);
            heat.wait(60000); // the window's own handler, connected first, drew it already
            heatMs[m].push_back(clock.nsecsElapsed() / 1e6);
            if (!heat.isEmpty())
                workerHeatMs[m].push_back(heat.last().at(0).value<HeatmapResponse>().milliseconds);
            worstHeat = std::max(worstHeat, probe.worstMs());
        }
        {
            BlockProbe probe;
            clock.start();
            key(w, Qt::Key_S, Qt::ControlModifier);
            saveMs.push_back(clock.nsecsElapsed() / 1e6);
            worstSave = std::max(worstSave, probe.worstMs());
        }
    }
    report("open image (to imageOpened)", openMs, worstOpen);
    report("box released -> mask on screen", maskMs, worstMask);
    report("H -> Grad-CAM heatmap on screen", heatMs[0], worstHeat);
    report("H -> HiResCAM heatmap on screen", heatMs[1], worstHeat);
    report("H -> Grad-CAM++ heatmap on screen", heatMs[2], worstHeat);
    report("Ctrl+S save (synchronous)", saveMs, worstSave);
    report("worker: decode + mask to image", workerMaskMs, 0);
    report("worker: Grad-CAM", workerHeatMs[0], 0);
    report("worker: HiResCAM", workerHeatMs[1], 0);
    report("worker: Grad-CAM++", workerHeatMs[2], 0);
    return 0;
}
