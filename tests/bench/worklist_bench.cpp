// Times the viewer's worklist path through the inference controller, as the main window drives
// it: the first image's encode, the next image encoded ahead (prefetch) into the disk cache, a
// prompt on the current image that interrupts a prefetch, and opening the prefetched image.
// Prints one JSON line per step. Not a test: figures for docs/performance.md.
//
//   dermsam-worklist-bench --arch vit_b IMG1 IMG2 IMG3   (random weights, written to a file)
//   dermsam-worklist-bench --model CKPT IMG1 IMG2 IMG3
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/safetensors.h"
#include "ui/session/image_loader.h"
#include "ui/session/inference_controller.h"
#include "ui/session/inference_worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <functional>

using namespace dermsam;

namespace {

// Runs the event loop until done() or the timeout; the elapsed milliseconds, or -1.
double waitFor(const std::function<bool()>& done, int timeoutMs = 600000) {
    QElapsedTimer t;
    t.start();
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done() || t.elapsed() > timeoutMs)
            loop.quit();
    });
    poll.start(1);
    loop.exec();
    return done() ? static_cast<double>(t.nsecsElapsed()) / 1e6 : -1.0;
}

void line(const char* step, double ms, const char* extra = "") {
    std::printf("{\"step\":\"%s\",\"ms\":%.1f%s}\n", step, ms, extra);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("model"), QStringLiteral("Checkpoint."), QStringLiteral("M")});
    parser.addOption(
        {QStringLiteral("arch"), QStringLiteral("Random weights."), QStringLiteral("A")});
    parser.addOption(
        {QStringLiteral("interrupt-after"), QStringLiteral("ms"), QStringLiteral("N"), "3000"});
    parser.addPositionalArgument(QStringLiteral("images"), QStringLiteral("Three images."));
    parser.process(app);
    const QStringList images = parser.positionalArguments();
    if (images.size() != 3) {
        std::fprintf(stderr, "give three images\n");
        return 2;
    }
    QTemporaryDir tmp;
    QString checkpoint = parser.value(QStringLiteral("model"));
    if (parser.isSet(QStringLiteral("arch"))) {
        // A file, so the model has a hash and the disk cache takes part.
        const SamModel random(
            SamArchitecture::byName(parser.value(QStringLiteral("arch")).toStdString()));
        checkpoint = tmp.filePath(QStringLiteral("random.safetensors"));
        writeSafetensors(checkpoint.toStdString(), random.stateDict());
    }

    InferenceController c;
    EmbeddingCacheSpec cache;
    cache.dir = tmp.filePath(QStringLiteral("cache"));
    cache.limitBytes = qint64{1} << 30;
    c.setEmbeddingCache(cache);
    bool loaded = false, failed = false;
    QObject::connect(&c, &InferenceController::modelLoaded, [&] { loaded = true; });
    QObject::connect(&c, &InferenceController::modelFailed, [&] { failed = true; });
    ModelSpec spec;
    spec.checkpoint = checkpoint;
    spec.device = QStringLiteral("cpu");
    c.loadModel(spec);
    waitFor([&] { return loaded || failed; });
    if (!loaded) {
        std::fprintf(stderr, "model failed to load\n");
        return 1;
    }
    LoadedImage img[3];
    for (int i = 0; i < 3; ++i) {
        img[i] = loadImageFile(images[i]);
        if (!img[i].ok()) {
            std::fprintf(stderr, "cannot read %s\n", qPrintable(images[i]));
            return 1;
        }
    }
    int encoded = 0, masks = 0, prefetched = 0, stopped = 0;
    QObject::connect(&c, &InferenceController::imageEncoded, [&] { ++encoded; });
    QObject::connect(&c, &InferenceController::maskReady, [&] { ++masks; });
    QObject::connect(
        &c, &InferenceController::prefetchFinished,
        [&](const QString&, bool wasStopped) { wasStopped ? ++stopped : ++prefetched; });
    Prompts box;
    box.boxes.push_back({img[0].rgb.width() * 0.3f, img[0].rgb.height() * 0.3f,
                         img[0].rgb.width() * 0.7f, img[0].rgb.height() * 0.7f});

    // 1. The first image: encoded when opened (a miss), then a box.
    c.setImage(1, img[0].rgb);
    line("open image 1 (encode)", waitFor([&] { return encoded == 1; }));
    c.requestMask(1, box);
    line("box on image 1", waitFor([&] { return masks == 1; }));

    // 2. The next image encoded ahead while the user looks at image 1.
    c.setPrefetch(images[1]);
    line("prefetch image 2 (from the request to done)", waitFor([&] { return prefetched == 1; }));

    // 3. Image 2 opened: a cache read.
    c.setImage(2, img[1].rgb);
    line("open image 2 (prefetched)", waitFor([&] { return encoded == 2; }));
    c.requestMask(2, box);
    line("box on image 2", waitFor([&] { return masks == 2; }));

    // 4. Prefetching image 3 is interrupted by a box on image 2, then resumes.
    c.setPrefetch(images[2]);
    const int after = parser.value(QStringLiteral("interrupt-after")).toInt();
    waitFor([] { return false; }, 2000 + after); // the user's pause: the delay, then encoding
    c.requestMask(2, box);
    line("box on image 2 during a prefetch", waitFor([&] { return masks == 3; }));
    const double rest = waitFor([&] { return prefetched == 2; });
    char extra[64];
    std::snprintf(extra, sizeof extra, ",\"stopped\":%d", stopped);
    line("prefetch image 3 (after the box, to done)", rest, extra);
    c.setImage(3, img[2].rgb);
    line("open image 3 (prefetched)", waitFor([&] { return encoded == 3; }));
    std::snprintf(extra, sizeof extra, ",\"encodes\":%d,\"disk_hits\":%d",
                  c.flags().encodeCount.load(), c.flags().diskCacheHits.load());
    line("totals", 0, extra);
    return 0;
}
