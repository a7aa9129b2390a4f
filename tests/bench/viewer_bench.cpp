// Times the viewer's GUI-thread work for one photo size: the overlay after a new mask, the
// outline, the measurements, the heatmap's colours and a repaint at fit. Prints one JSON line
// per step (median and range over the repeats). Not a test: figures for docs/performance.md.
//
//   dermsam-viewer-bench [--width 6000] [--height 4000] [--repeats 7]
#include "ui/colormap.h"
#include "ui/image_canvas.h"
#include "ui/mask_outline.h"
#include "ui/session/heatmap_types.h"
#include "ui/session/image_document.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_measurements.h"
#include "ui/session/packed_mask.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

using namespace dermsam;

namespace {

// An irregular lesion: an ellipse with a wavy border, as a model result looks.
QImage lesionMask(int w, int h, double phase) {
    QImage m(w, h, QImage::Format_Grayscale8);
    const double cx = w * 0.5, cy = h * 0.5, rx = w * 0.33, ry = h * 0.3;
    for (int y = 0; y < h; ++y) {
        uchar* line = m.scanLine(y);
        for (int x = 0; x < w; ++x) {
            const double dx = (x - cx) / rx, dy = (y - cy) / ry;
            const double a = std::atan2(dy, dx);
            const double r = 1.0 + 0.06 * std::sin(7 * a + phase) + 0.03 * std::sin(23 * a);
            line[x] = dx * dx + dy * dy <= r * r ? 255 : 0;
        }
    }
    return m;
}

QImage heatmapOf(int w, int h) {
    QImage m(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            m.scanLine(y)[x] = static_cast<uchar>((x * 255 / std::max(1, w - 1) + y) & 255);
    return m;
}

void report(const char* step, int w, int h, std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    std::printf("{\"step\":\"%s\",\"width\":%d,\"height\":%d,\"median_ms\":%.2f,\"min_ms\":%.2f,"
                "\"max_ms\":%.2f,\"repeats\":%zu}\n",
                step, w, h, ms[ms.size() / 2], ms.front(), ms.back(), ms.size());
    std::fflush(stdout);
}

std::vector<double> timed(int repeats, const std::function<void(int)>& fn) {
    std::vector<double> ms;
    for (int i = 0; i < repeats; ++i) {
        QElapsedTimer t;
        t.start();
        fn(i);
        ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    return ms;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    cli.addOption({"width", "photo width", "px", "6000"});
    cli.addOption({"height", "photo height", "px", "4000"});
    cli.addOption({"repeats", "repeats per step", "n", "7"});
    cli.process(app);
    const int w = std::max(1, cli.value("width").toInt());
    const int h = std::max(1, cli.value("height").toInt());
    const int n = std::max(1, cli.value("repeats").toInt());

    QImage photo(w, h, QImage::Format_RGB888); // as the image loader gives it
    photo.fill(QColor(180, 140, 130));
    ImageDocument doc(1, QStringLiteral("bench.png"), photo);
    ImageCanvas canvas;
    canvas.resize(1018, 730);
    canvas.setDocument(&doc);
    // Two masks to alternate between, made beforehand: each step sees a changed mask.
    const QImage masks[2] = {lesionMask(w, h, 0.0), lesionMask(w, h, 1.0)};

    report("overlay_after_new_mask", w, h, timed(n, [&](int i) { doc.setMask(masks[i % 2]); }));
    report("outline_trace", w, h, timed(n, [&](int i) { maskOutline(masks[i % 2]); }));
    report("measurements", w, h, timed(n, [&](int i) { measureMask(masks[i % 2]); }));
    std::size_t packedBytes = 0;
    report("undo_history_pack", w, h,
           timed(n, [&](int i) { packedBytes = PackedMask(masks[i % 2]).bytes(); }));
    const PackedMask packed(masks[0]);
    report("undo_history_unpack", w, h, timed(n, [&](int) { packed.unpack(); }));
    std::printf("{\"step\":\"undo_history_bytes\",\"width\":%d,\"height\":%d,\"packed\":%zu,"
                "\"pixels\":%lld}\n",
                w, h, packedBytes, static_cast<long long>(masks[0].sizeInBytes()));
    const QImage heatFull = heatmapOf(w, h);
    const double s = std::min(1.0, double(HeatmapResponse::kMaxSide) / std::max(w, h));
    const QImage heatViewer =
        heatmapOf(std::max(1, int(std::lround(w * s))), std::max(1, int(std::lround(h * s))));
    // A brush stroke around the lesion, one segment per mouse move: the stroke's undo step
    // grows to most of the photo; on release its pixels are packed.
    doc.setMask(masks[0]);
    const int segments = 40;
    BrushStrokeCommand* stroke = nullptr; // the first segment; the others merge into it
    report("brush_segment_in_a_long_stroke", w, h, timed(segments, [&](int i) {
               const double a0 = 2 * M_PI * i / segments, a1 = 2 * M_PI * (i + 1) / segments;
               const QPointF c(w * 0.5, h * 0.5);
               const QPointF r(w * 0.4, h * 0.4);
               auto* segment = new BrushStrokeCommand(
                   &doc, 99, c + QPointF(r.x() * std::cos(a0), r.y() * std::sin(a0)),
                   c + QPointF(r.x() * std::cos(a1), r.y() * std::sin(a1)), 60, false);
               if (i == 0)
                   stroke = segment;
               doc.undoStack()->push(segment);
           }));
    report("brush_stroke_finish", w, h, timed(1, [&](int) { stroke->finish(); }));
    report("heatmap_colours_full_size", w, h,
           timed(n, [&](int) { colorizeHeatmap(heatFull, ColorMap::Turbo, 0.5); }));
    report("heatmap_colours_viewer_size", heatViewer.width(), heatViewer.height(),
           timed(n, [&](int) { colorizeHeatmap(heatViewer, ColorMap::Turbo, 0.5); }));
    canvas.setHeatmap(heatViewer);
    canvas.setHeatmapVisible(true);
    // A new mask then a repaint at fit, as after a model result: fill, outline, drawing.
    report("new_mask_and_repaint_at_fit", w, h, timed(n, [&](int i) {
               doc.setMask(masks[i % 2]);
               canvas.grab();
           }));
    report("repaint_at_fit", w, h, timed(n, [&](int) { canvas.grab(); }));
    canvas.zoomActualPixels(); // 1:1 about the centre: the lesion's edge is off screen
    report("repaint_at_1to1", w, h, timed(n, [&](int) { canvas.grab(); }));
    canvas.zoomToFit();
    canvas.setContourVisible(false);
    report("repaint_at_fit_without_outline", w, h, timed(n, [&](int) { canvas.grab(); }));
    return 0;
}
