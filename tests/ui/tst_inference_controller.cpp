// Protects background inference: worker masks, stale drops, newest wins, disk cache, prefetch.
// labels: gui
#include "model/finetune_job.h"
#include "tiny_model.h"
#include "ui/session/image_loader.h"
#include "ui/session/inference_controller.h"
#include "ui/session/inference_worker.h"

#include <ATen/ATen.h>

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace dermsam;

namespace {

QImage testImage(int w = 80, int h = 60) {
    QImage img(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.setPixelColor(x, y, QColor((x * 3) % 256, (y * 5) % 256, 128));
    return img;
}

// Loads the built-in default model on the CPU: from its file, so it has a hash and takes part
// in the disk cache (an injected model does not). True once loaded.
bool loadDefaultModel(InferenceController& c) {
    QSignalSpy loaded(&c, &InferenceController::modelLoaded);
    ModelSpec model;
    model.device = QStringLiteral("cpu");
    model.threads = 1;
    c.loadModel(model);
    return loaded.wait(60000);
}

Prompts boxPrompt() {
    Prompts p;
    p.boxes.push_back(BoxPrompt{10, 10, 60, 50});
    return p;
}

} // namespace

class TestInferenceController : public QObject {
    Q_OBJECT
private:
    std::shared_ptr<SamModel> m_model;

    void ready(InferenceController& c) {
        QSignalSpy loaded(&c, &InferenceController::modelLoaded);
        c.useModel(m_model, QStringLiteral("sam"), QStringLiteral("tiny"));
        QVERIFY(loaded.wait(10000));
        QVERIFY(c.hasModel());
    }

private Q_SLOTS:
    void initTestCase() { m_model = test::tinySamModel(); }

    void promptProducesMask_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("candidates");
        QTest::newRow("box") << 0 << 1;
        QTest::newRow("foreground point") << 1 << 3;
        QTest::newRow("points, fg and bg") << 2 << 3;
        QTest::newRow("box and point") << 3 << 1;
    }
    void promptProducesMask() {
        QFETCH(int, kind);
        QFETCH(int, candidates);
        InferenceController c;
        ready(c);
        QCOMPARE(c.modelInfo().profile, QStringLiteral("sam"));
        QCOMPARE(c.modelInfo().device, QStringLiteral("cpu"));
        c.setImage(1, testImage());
        Prompts p;
        if (kind == 0 || kind == 3)
            p.boxes.push_back(BoxPrompt{10, 10, 60, 50});
        if (kind >= 1)
            p.points.push_back(PointPrompt{30, 30, 1});
        if (kind == 2)
            p.points.push_back(PointPrompt{5, 5, 0});
        QSignalSpy ready(&c, &InferenceController::maskReady);
        const quint64 id = c.requestMask(1, p);
        QVERIFY(ready.wait(10000));
        const auto r = ready.at(0).at(0).value<MaskResponse>();
        QCOMPARE(r.requestId, id);
        QCOMPARE(r.imageId, quint64(1));
        QCOMPARE(int(r.candidates.size()), candidates);
        for (const auto& cand : r.candidates) {
            QCOMPARE(cand.mask.size(), QSize(80, 60));
            QCOMPARE(cand.mask.format(), QImage::Format_Grayscale8);
            QVERIFY(std::isfinite(cand.iou));
        }
        for (std::size_t i = 1; i < r.candidates.size(); ++i)
            QVERIFY(r.candidates[i - 1].iou >= r.candidates[i].iou);
        QTRY_VERIFY(!c.isBusy());
    }

    void encoderRunsOncePerImage() {
        InferenceController c;
        ready(c);
        c.setImage(7, testImage());
        QSignalSpy ready(&c, &InferenceController::maskReady);
        for (int i = 0; i < 3; ++i) {
            c.requestMask(7, boxPrompt());
            QVERIFY(ready.wait(10000));
        }
        QCOMPARE(c.flags().encodeCount.load(), 1);
        QCOMPARE(c.flags().decodeCount.load(), 3);
        // A second image is encoded once more.
        c.setImage(8, testImage(40, 40));
        c.requestMask(8, boxPrompt());
        QVERIFY(ready.wait(10000));
        QCOMPARE(c.flags().encodeCount.load(), 2);
    }

    void staleResultsDropped() {
        InferenceController c;
        ready(c);
        c.flags().coalesce.store(false); // the worker answers every request
        c.setImage(1, testImage());
        QSignalSpy ready(&c, &InferenceController::maskReady);
        QSignalSpy stale(&c, &InferenceController::staleResultDropped);
        quint64 last = 0;
        for (int i = 0; i < 5; ++i)
            last = c.requestMask(1, boxPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 10000);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(ready.at(0).at(0).value<MaskResponse>().requestId, last);
        QCOMPARE(stale.count(), 4);
        QCOMPARE(c.flags().decodeCount.load(), 5);
    }

    void newestPromptWins() {
        InferenceController c;
        ready(c);
        c.setImage(1, testImage());
        QSignalSpy ready(&c, &InferenceController::maskReady);
        quint64 last = 0;
        for (int i = 0; i < 10; ++i)
            last = c.requestMask(1, boxPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 10000);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(ready.at(0).at(0).value<MaskResponse>().requestId, last);
        QVERIFY(c.flags().decodeCount.load() <= 10);
        qInfo("decodes run for 10 queued prompts: %d", c.flags().decodeCount.load());
    }

    void switchingImageDropsResult() {
        InferenceController c;
        ready(c);
        c.setImage(1, testImage());
        QSignalSpy ready(&c, &InferenceController::maskReady);
        c.requestMask(1, boxPrompt());
        c.setImage(2, testImage(50, 50));
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 10000);
        QCOMPARE(ready.count(), 0);
    }

    void cancelDropsEverything() {
        InferenceController c;
        ready(c);
        c.setImage(1, testImage());
        QSignalSpy ready(&c, &InferenceController::maskReady);
        c.requestMask(1, boxPrompt());
        c.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 10000);
        QCOMPARE(ready.count(), 0);
        c.requestMask(1, boxPrompt()); // works again afterwards
        QVERIFY(ready.wait(10000));
    }

    void refineUsesMaskPrompt_data() {
        QTest::addColumn<int>("inputSize");
        QTest::addColumn<QString>("profile");
        QTest::newRow("medsam 1024") << 1024 << QStringLiteral("medsam");
        QTest::newRow("sam 1024") << 1024 << QStringLiteral("sam");
        // Mask prompts of 64 x 64 logits (4 x the 16 x 16 grid), not 256 x 256.
        QTest::newRow("medsam 256") << 256 << QStringLiteral("medsam");
        QTest::newRow("sam 256") << 256 << QStringLiteral("sam");
    }

    void refineUsesMaskPrompt() {
        QFETCH(int, inputSize);
        QFETCH(QString, profile);
        InferenceController c;
        QSignalSpy loaded(&c, &InferenceController::modelLoaded);
        c.useModel(test::tinySamModel(inputSize, 16, 1, 16), profile, QStringLiteral("tiny"));
        QVERIFY(loaded.wait(10000));
        const QImage img = testImage();
        c.setImage(1, img);
        QImage mask(img.size(), QImage::Format_Grayscale8);
        mask.fill(0);
        for (int y = 20; y < 40; ++y)
            for (int x = 20; x < 50; ++x)
                mask.scanLine(y)[x] = 255;
        QSignalSpy ready(&c, &InferenceController::maskReady);
        QSignalSpy failed(&c, &InferenceController::requestFailed);
        c.requestMask(1, Prompts{}, mask); // no prompts: the mask's box is used
        QTRY_VERIFY_WITH_TIMEOUT(ready.count() + failed.count() > 0, 10000);
        QCOMPARE(failed.count(), 0);
        const auto r = ready.at(0).at(0).value<MaskResponse>();
        QVERIFY(r.refined);
        QCOMPARE(int(r.candidates.size()), 1);
        QCOMPARE(r.candidates[0].mask.size(), img.size());
    }

    void requestWithoutModelFails() {
        InferenceController c;
        c.setImage(1, testImage());
        QSignalSpy failed(&c, &InferenceController::requestFailed);
        c.requestMask(1, boxPrompt());
        QVERIFY(failed.wait(10000));
        QCOMPARE(failed.at(0).at(0).value<InferenceError>().kind, InferenceError::Kind::NoModel);
    }

    void badCheckpointReported() {
        InferenceController c;
        QSignalSpy failed(&c, &InferenceController::modelFailed);
        ModelSpec spec;
        spec.checkpoint = QStringLiteral("/nonexistent/model.pth");
        spec.device = QStringLiteral("cpu");
        spec.threads = 1;
        c.loadModel(spec);
        QVERIFY(failed.wait(10000));
        const auto e = failed.at(0).at(0).value<InferenceError>();
        QCOMPARE(e.kind, InferenceError::Kind::ModelLoad);
        QVERIFY(!e.code.isEmpty());
        QVERIFY(!c.hasModel());
        QTRY_VERIFY(!c.isBusy());
    }

    // The GPU precision setting never reaches the CPU: the built-in model loads in float32 and
    // says so, instead of failing because bfloat16 needs CUDA.
    void cpuComputesInFloat32WhateverThePrecision_data() {
        QTest::addColumn<QString>("precision");
        QTest::newRow("bfloat16") << QStringLiteral("bfloat16");
        QTest::newRow("tf32") << QStringLiteral("tf32");
    }
    void cpuComputesInFloat32WhateverThePrecision() {
        QFETCH(QString, precision);
        InferenceController c;
        QSignalSpy loaded(&c, &InferenceController::modelLoaded);
        QSignalSpy failed(&c, &InferenceController::modelFailed);
        ModelSpec spec;
        spec.device = QStringLiteral("cpu");
        spec.precision = precision;
        spec.threads = 1;
        c.loadModel(spec);
        QVERIFY(loaded.wait(60000));
        QCOMPARE(failed.count(), 0);
        const auto info = loaded.at(0).at(0).value<ModelInfo>();
        QCOMPARE(info.device, QStringLiteral("cpu"));
        QCOMPARE(info.precision, QStringLiteral("float32"));
    }

    // A checkpoint names where Auto starts (metadata auto_start, written by finetune --frame):
    // the viewer's worker reads it at load and starts its Auto search there. The model's mask
    // heads are zeroed so that it finds nothing and the response keeps the first prompt: the
    // whole-frame box, or without the key the centre click.
    void autoStartFromCheckpoint_data() {
        QTest::addColumn<QString>("autoStart");
        QTest::newRow("frame") << QStringLiteral("frame");
        QTest::newRow("none") << QString();
    }
    void autoStartFromCheckpoint() {
        QFETCH(QString, autoStart);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tiny.safetensors"));
        MetadataMap meta{{"profile", "sam"}, {"architecture", m_model->architecture().toJson()}};
        if (!autoStart.isEmpty())
            meta[kAutoStartMetadataKey] = autoStart.toStdString();
        TensorMap tensors = m_model->stateDict();
        for (auto& [name, t] : tensors)
            if (name.rfind("mask_decoder.output_hypernetworks_mlps.", 0) == 0)
                t = at::zeros_like(t); // every mask logit 0: nothing above the threshold
        writeCheckpointFile(path.toStdString(), tensors, meta);
        InferenceController c;
        QSignalSpy loaded(&c, &InferenceController::modelLoaded);
        ModelSpec spec;
        spec.checkpoint = path;
        spec.device = QStringLiteral("cpu");
        spec.threads = 1;
        c.loadModel(spec);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(loaded.at(0).at(0).value<ModelInfo>().autoStart, autoStart);
        c.setImage(1, testImage(80, 60));
        QSignalSpy ready(&c, &InferenceController::maskReady);
        c.requestAuto(1);
        QVERIFY(ready.wait(10000));
        const auto r = ready.at(0).at(0).value<MaskResponse>();
        QVERIFY(r.automatic);
        QVERIFY(r.candidates.empty());
        if (autoStart == QLatin1String("frame")) {
            QCOMPARE(r.prompts.boxes.size(), size_t(1));
            QVERIFY(r.prompts.points.empty());
            QCOMPARE(r.prompts.boxes[0].x1, 79.0f);
            QCOMPARE(r.prompts.boxes[0].y1, 59.0f);
        } else {
            QVERIFY(r.prompts.boxes.empty());
            QCOMPARE(r.prompts.points.size(), size_t(1));
            QCOMPARE(r.prompts.points[0].x, 39.5f);
        }
    }

    // The viewer's disk cache: a second session (a new worker) gets the embedding from disk,
    // with the same mask; the read-only cache is looked up but not written; off writes nothing.
    void embeddingsPersistAcrossSessions_data() {
        QTest::addColumn<bool>("enabled");
        QTest::newRow("on") << true;
        QTest::newRow("off") << false;
    }
    void embeddingsPersistAcrossSessions() {
        QFETCH(bool, enabled);
        QTemporaryDir own, shared;
        EmbeddingCacheSpec spec;
        if (enabled) {
            spec.dir = own.filePath(QStringLiteral("viewer"));
            spec.readDirs << shared.path();
            spec.limitBytes = qint64{64} << 20;
        }
        const auto session = [&](int& encodes, int& hits) {
            InferenceController c;
            c.setEmbeddingCache(spec);
            if (!loadDefaultModel(c))
                return MaskResponse{};
            QSignalSpy ready(&c, &InferenceController::maskReady);
            c.setImage(1, testImage());
            c.requestMask(1, boxPrompt());
            if (!ready.wait(60000))
                return MaskResponse{};
            encodes = c.flags().encodeCount.load();
            hits = c.flags().diskCacheHits.load();
            return ready.at(0).at(0).value<MaskResponse>();
        };
        int encodes = -1, hits = -1;
        const MaskResponse first = session(encodes, hits);
        QCOMPARE(first.candidates.size(), std::size_t(1));
        QCOMPARE(encodes, 1);
        QCOMPARE(hits, 0);
        const QStringList written =
            QDir(own.filePath(QStringLiteral("viewer"))).entryList({QStringLiteral("*.npy")});
        QCOMPARE(written.size(), enabled ? 1 : 0);
        QVERIFY(QDir(shared.path()).entryList({QStringLiteral("*.npy")}).isEmpty());

        const MaskResponse second = session(encodes, hits);
        QCOMPARE(second.candidates.size(), std::size_t(1));
        QCOMPARE(encodes, enabled ? 0 : 1);
        QCOMPARE(hits, enabled ? 1 : 0);
        QCOMPARE(second.candidates[0].mask, first.candidates[0].mask);
        QCOMPARE(second.candidates[0].iou, first.candidates[0].iou);
    }

    // An entry in the read-only cache (the command line's) is used as it is.
    void readsTheSharedCache() {
        QTemporaryDir own, shared;
        EmbeddingCacheSpec spec;
        spec.dir = own.path();
        spec.limitBytes = qint64{64} << 20;
        int hits = 0;
        for (int round = 0; round < 2; ++round) {
            // First round writes (as the command line would) to what is the shared folder in the
            // second round.
            EmbeddingCacheSpec s = spec;
            if (round == 0)
                s.dir = shared.path();
            else
                s.readDirs << shared.path();
            InferenceController c;
            c.setEmbeddingCache(s);
            QVERIFY(loadDefaultModel(c));
            QSignalSpy encoded(&c, &InferenceController::imageEncoded);
            c.setImage(1, testImage());
            QVERIFY(encoded.wait(60000));
            hits = c.flags().diskCacheHits.load();
        }
        QCOMPARE(hits, 1);
        QVERIFY(QDir(own.path()).entryList({QStringLiteral("*.npy")}).isEmpty());
    }

    // The next worklist image is encoded into the disk cache while the user is idle, so opening
    // it costs a cache read; a request that comes first stops the prefetch, which is tried
    // again once the worker is idle.
    void prefetchEncodesAheadAndGivesWay() {
        QTemporaryDir own;
        const QString next = own.filePath(QStringLiteral("next.png"));
        QVERIFY(testImage(90, 70).save(next));
        EmbeddingCacheSpec spec;
        spec.dir = own.filePath(QStringLiteral("cache"));
        spec.limitBytes = qint64{64} << 20;
        InferenceController c;
        c.setEmbeddingCache(spec);
        c.setPrefetchDelay(0);
        QVERIFY(loadDefaultModel(c));
        QTRY_VERIFY(!c.isBusy());

        // A request issued in the same turn as the prefetch, before the worker reaches it.
        QSignalSpy prefetched(&c, &InferenceController::prefetchFinished);
        bool interrupted = false;
        connect(&c, &InferenceController::prefetchRequested, this, [&] {
            if (!interrupted) {
                interrupted = true;
                c.setImage(1, testImage());
            }
        });
        c.setPrefetch(next);
        QTRY_COMPARE_WITH_TIMEOUT(prefetched.count(), 2, 60000);
        QCOMPARE(prefetched.at(0).at(0).toString(), next);
        QCOMPARE(prefetched.at(0).at(1).toBool(), true);  // stopped
        QCOMPARE(prefetched.at(1).at(1).toBool(), false); // then done
        QCOMPARE(c.flags().prefetchCount.load(), 1);
        QCOMPARE(c.flags().encodeCount.load(), 1); // the interrupting image's own encode

        // Opening it now reads the cache: the same pixels the viewer's loader gives.
        const LoadedImage image = loadImageFile(next);
        QVERIFY(image.ok());
        QSignalSpy encoded(&c, &InferenceController::imageEncoded);
        c.setImage(2, image.rgb);
        QVERIFY(encoded.wait(60000));
        QCOMPARE(c.flags().encodeCount.load(), 1);
        QCOMPARE(c.flags().diskCacheHits.load(), 1);
        // Done: nothing is left to prefetch.
        QVERIFY(c.pendingPrefetch().isEmpty());
    }

    // Without the disk cache there is nowhere to put the result: nothing is encoded.
    void noPrefetchWithoutDiskCache() {
        QTemporaryDir dir;
        const QString next = dir.filePath(QStringLiteral("next.png"));
        QVERIFY(testImage().save(next));
        InferenceController c;
        c.setPrefetchDelay(0);
        QVERIFY(loadDefaultModel(c));
        QSignalSpy prefetched(&c, &InferenceController::prefetchFinished);
        c.setPrefetch(next);
        QVERIFY(prefetched.wait(60000));
        QCOMPARE(prefetched.at(0).at(1).toBool(), false);
        QCOMPARE(c.flags().prefetchCount.load(), 0);
        QCOMPARE(c.flags().encodeCount.load(), 0);
    }

    void progressIndicatorAfterDelay() {
        InferenceController c;
        c.setProgressDelay(0);
        QSignalSpy progress(&c, &InferenceController::progressChanged);
        ready(c);
        QTRY_VERIFY(!c.isBusy());
        // Shown while busy past the delay, hidden when done.
        QVERIFY(progress.count() == 0 || progress.count() == 2);
        if (progress.count() == 2) {
            QCOMPARE(progress.at(0).at(0).toBool(), true);
            QCOMPARE(progress.at(1).at(0).toBool(), false);
        }
    }
};

QTEST_MAIN(TestInferenceController)
#include "tst_inference_controller.moc"
