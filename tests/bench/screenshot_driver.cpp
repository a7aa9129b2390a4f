// Drives the real viewer for tools/screenshot.sh: opens an image, drags a box with the mouse,
// waits for the mask (and, with --heatmap, presses H and waits for the heatmap), then saves a
// grab of the window. The product has no screenshot mode of its own; this driver is the user.
//
//   dermsam-screenshot --image IMG --box x0,y0,x1,y1 --out PNG [--model CKPT] [--heatmap]
//                      [--compare-out PNG]
// --compare-out: a synthetic earlier visit (tests/follow_up_fixture.h: this photo rotated,
// scaled, brightened, the lesion 30 % smaller) is written to a temporary folder, chosen through
// Tools > Compare with Earlier Visit's file dialog, and the comparison window is saved.
#include "../follow_up_fixture.h"
#include "ui/follow_up_dialog.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/viewer_session.h"

#include <QAction>
#include <QApplication>
#include <QCommandLineParser>
#include <QFileDialog>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cstdio>

using namespace dermsam;

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    QCommandLineParser parser;
    const QCommandLineOption image(QStringLiteral("image"), QString(), QStringLiteral("path"));
    const QCommandLineOption box(QStringLiteral("box"), QString(), QStringLiteral("x0,y0,x1,y1"));
    const QCommandLineOption out(QStringLiteral("out"), QString(), QStringLiteral("png"));
    const QCommandLineOption model(QStringLiteral("model"), QString(), QStringLiteral("path"));
    const QCommandLineOption heatmap(QStringLiteral("heatmap"), QString());
    const QCommandLineOption compareOut(QStringLiteral("compare-out"), QString(),
                                        QStringLiteral("png"));
    parser.addOptions({image, box, out, model, heatmap, compareOut});
    parser.process(app);
    const QStringList b = parser.value(box).split(QLatin1Char(','));
    if (!parser.isSet(image) || !parser.isSet(out) || b.size() != 4) {
        std::fprintf(stderr, "usage: dermsam-screenshot --image IMG --box x0,y0,x1,y1 --out PNG "
                             "[--model CKPT] [--heatmap]\n");
        return 2;
    }
    const auto fail = [](const char* what) {
        std::fprintf(stderr, "dermsam-screenshot: %s\n", what);
        return 1;
    };

    MainWindow w;
    w.resize(1280, 860);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return fail("the window was not shown");
    // Shortcuts (H) need the active window; a bare X server has no window manager to give it.
    w.activateWindow();
    if (!QTest::qWaitForWindowActive(&w))
        return fail("the window could not be activated");
    QSignalSpy loaded(w.inference(), &InferenceController::modelLoaded);
    w.loadModelFromSettings(parser.value(model));
    if (!loaded.wait(300000))
        return fail("the model did not load");
    QSignalSpy opened(&w, &MainWindow::imageOpened);
    w.openPath(parser.value(image));
    if (!opened.wait(60000))
        return fail("the image did not open");

    ImageCanvas* canvas = w.canvas();
    const QPoint p = canvas->imageToWidget({b[0].toDouble(), b[1].toDouble()}).toPoint();
    const QPoint q = canvas->imageToWidget({b[2].toDouble(), b[3].toDouble()}).toPoint();
    QSignalSpy applied(&w, &MainWindow::maskApplied);
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, p);
    for (int i = 1; i <= 8; ++i)
        QTest::mouseMove(canvas, p + (q - p) * i / 8);
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, q);
    if (!applied.wait(300000))
        return fail("no mask came back");
    if (parser.isSet(heatmap)) {
        QSignalSpy heat(w.inference(), &InferenceController::heatmapReady);
        QTest::keyClick(canvas, Qt::Key_H);
        if (!heat.wait(300000))
            return fail("no heatmap came back");
    }
    QTest::qWait(200); // the last repaint
    if (!w.grab().save(parser.value(out)))
        return fail("cannot write the picture");
    if (!parser.isSet(compareOut))
        return 0;
    QTemporaryDir earlierDir;
    if (!dermsam::test::writeEarlierVisit(w.document()->image(), w.document()->mask(), 1.3,
                                          earlierDir.path()))
        return fail("cannot write the earlier visit");
    const QString earlier = earlierDir.filePath(QStringLiteral("earlier.png"));
    // The file dialog is answered as a user would: the folder, the name, Open.
    QTimer answer;
    QObject::connect(&answer, &QTimer::timeout, [&] {
        // Typed into the file name box, then Open.
        if (auto* files = qobject_cast<QFileDialog*>(QApplication::activeModalWidget())) {
            if (auto* name = files->findChild<QLineEdit*>(QStringLiteral("fileNameEdit")))
                name->setText(earlier);
            QMetaObject::invokeMethod(files, "accept");
        }
    });
    answer.start(100);
    QSignalSpy compared(w.session(), &ViewerSession::followUpReady);
    w.findChild<QAction*>(QStringLiteral("compareAction"))->trigger();
    if (!compared.wait(120000))
        return fail("no comparison came back");
    auto* dialog = w.findChild<FollowUpDialog*>(QStringLiteral("followUpDialog"));
    if (!dialog)
        return fail("no comparison window");
    QTest::qWait(300);
    if (!dialog->grab().save(parser.value(compareOut)))
        return fail("cannot write the comparison picture");
    return 0;
}
