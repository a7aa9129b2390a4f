// Protects the viewer's heatmap: computed on the worker after its mask, stale ones dropped.
// labels: gui
#include "tiny_model.h"
#include "ui/colormap.h"
#include "ui/session/inference_controller.h"
#include "ui/session/inference_worker.h"

#include <QSignalSpy>
#include <QTest>

using namespace dermsam;

namespace {

QImage testImage(int w = 80, int h = 60) {
    QImage img(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.setPixelColor(x, y, QColor((x * 3) % 256, (y * 5) % 256, 128));
    return img;
}

Prompts boxPrompt() {
    Prompts p;
    p.boxes.push_back(BoxPrompt{10, 10, 60, 50});
    return p;
}

HeatmapOptions enabled(int block = -1, const QString& method = QStringLiteral("gradcam")) {
    HeatmapOptions o;
    o.enabled = true;
    o.block = block;
    o.method = method;
    return o;
}

} // namespace

class TestHeatmapController : public QObject {
    Q_OBJECT
private:
    std::shared_ptr<SamModel> m_model;

    void ready(InferenceController& c) {
        QSignalSpy loaded(&c, &InferenceController::modelLoaded);
        c.useModel(m_model, QStringLiteral("sam"), QStringLiteral("tiny"));
        QVERIFY(loaded.wait(10000));
        QCOMPARE(c.modelInfo().encoderBlocks, 2);
    }

private Q_SLOTS:
    void initTestCase() { m_model = test::tinySamModel(256, 32, 2); }

    void heatmapArrivesAfterItsMask_data() {
        QTest::addColumn<int>("block");
        QTest::addColumn<QString>("method");
        QTest::newRow("embedding, gradcam") << -1 << QStringLiteral("gradcam");
        QTest::newRow("embedding, hirescam") << -1 << QStringLiteral("hirescam");
        QTest::newRow("embedding, gradcam++") << -1 << QStringLiteral("gradcam++");
        QTest::newRow("encoder block 1") << 1 << QStringLiteral("gradcam");
    }
    void heatmapArrivesAfterItsMask() {
        QFETCH(int, block);
        QFETCH(QString, method);
        InferenceController c;
        ready(c);
        c.setHeatmapOptions(enabled(block, method));
        c.setImage(1, testImage());
        QStringList order;
        quint64 maskId = 0, heatId = 0;
        QImage heat;
        connect(&c, &InferenceController::maskReady, this, [&](const MaskResponse& r) {
            order << QStringLiteral("mask");
            maskId = r.requestId;
        });
        connect(&c, &InferenceController::heatmapReady, this, [&](const HeatmapResponse& r) {
            order << QStringLiteral("heatmap");
            heatId = r.requestId;
            heat = r.heat;
            QCOMPARE(r.method, method);
            QCOMPARE(r.block, block);
        });
        const quint64 id = c.requestMask(1, boxPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(order, (QStringList{QStringLiteral("mask"), QStringLiteral("heatmap")}));
        QCOMPARE(maskId, id);
        QCOMPARE(heatId, id);
        QCOMPARE(heat.size(), QSize(80, 60));
        QCOMPARE(heat.format(), QImage::Format_Grayscale8);
        QCOMPARE(c.flags().heatmapCount.load(), 1);
    }

    // A large photo's heatmap comes at most kMaxSide on its longest side, with the photo's
    // aspect, and its peak in the photo's pixels; the mask stays at the photo's size.
    void largePhotoHeatmapCapped() {
        InferenceController c;
        ready(c);
        c.setHeatmapOptions(enabled());
        c.setImage(1, testImage(2400, 1200));
        QSize maskSize;
        HeatmapResponse heat;
        connect(&c, &InferenceController::maskReady, this,
                [&](const MaskResponse& r) { maskSize = r.candidates.front().mask.size(); });
        connect(&c, &InferenceController::heatmapReady, this,
                [&](const HeatmapResponse& r) { heat = r; });
        Prompts p;
        p.boxes.push_back(BoxPrompt{300, 200, 2000, 1000});
        const quint64 id = c.requestMask(1, p);
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(heat.requestId, id);
        QCOMPARE(maskSize, QSize(2400, 1200));
        QCOMPARE(heat.heat.size(), QSize(HeatmapResponse::kMaxSide, HeatmapResponse::kMaxSide / 2));
        QVERIFY(QRect(0, 0, 2400, 1200).contains(heat.peak));
        // The peak is the image pixel under the heatmap's brightest pixel.
        const QPoint inHeat(heat.peak.x() * heat.heat.width() / 2400,
                            heat.peak.y() * heat.heat.height() / 1200);
        int brightest = 0;
        for (int y = 0; y < heat.heat.height(); ++y)
            for (int x = 0; x < heat.heat.width(); ++x)
                brightest = std::max<int>(brightest, heat.heat.constScanLine(y)[x]);
        QCOMPARE(int(heat.heat.constScanLine(inHeat.y())[inHeat.x()]), brightest);
    }

    void noHeatmapWhenDisabled() {
        InferenceController c;
        ready(c);
        c.setImage(1, testImage());
        QSignalSpy mask(&c, &InferenceController::maskReady);
        QSignalSpy heat(&c, &InferenceController::heatmapReady);
        c.requestMask(1, boxPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(mask.count(), 1);
        QCOMPARE(heat.count(), 0);
        QCOMPARE(c.flags().heatmapCount.load(), 0);
    }

    void staleHeatmapsDropped() {
        InferenceController c;
        ready(c);
        c.flags().coalesce.store(false); // the worker answers every request
        c.setHeatmapOptions(enabled());
        c.setImage(1, testImage());
        QSignalSpy heat(&c, &InferenceController::heatmapReady);
        QSignalSpy stale(&c, &InferenceController::staleHeatmapDropped);
        quint64 last = 0;
        for (int i = 0; i < 4; ++i)
            last = c.requestMask(1, boxPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(c.flags().heatmapCount.load(), 4);
        QCOMPARE(heat.count(), 1);
        QCOMPARE(heat.at(0).at(0).value<HeatmapResponse>().requestId, last);
        QCOMPARE(stale.count(), 3);
    }

    void newerMaskMakesExplainStale() {
        InferenceController c;
        ready(c);
        c.flags().coalesce.store(false);
        c.setImage(1, testImage());
        c.setHeatmapOptions(enabled());
        QSignalSpy heat(&c, &InferenceController::heatmapReady);
        QSignalSpy mask(&c, &InferenceController::maskReady);
        // A heatmap alone (toggled on over an existing mask), then a new prompt.
        const quint64 explainId = c.requestHeatmap(1, boxPrompt());
        const quint64 maskId = c.requestMask(1, boxPrompt());
        QVERIFY(explainId < maskId);
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(mask.count(), 1);
        QCOMPARE(heat.count(), 1);
        QCOMPARE(heat.at(0).at(0).value<HeatmapResponse>().requestId, maskId);
        // Alone, an explain request is delivered without a mask.
        const quint64 alone = c.requestHeatmap(1, boxPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(heat.count(), 2);
        QCOMPARE(heat.at(1).at(0).value<HeatmapResponse>().requestId, alone);
        QCOMPARE(mask.count(), 1);
    }

    // Auto with the built-in model: its whole-frame search ends on the Auto decoder, and the
    // heatmap explains that decoder's answer (the mask decoder's would explain another mask).
    void autoHeatmapExplainsTheAutoDecoder() {
        InferenceController c;
        QSignalSpy loaded(&c, &InferenceController::modelLoaded);
        ModelSpec spec;
        spec.device = QStringLiteral("cpu");
        spec.threads = 1;
        c.loadModel(spec);
        QVERIFY(loaded.wait(60000));
        QCOMPARE(c.modelInfo().autoStart, QStringLiteral("frame"));
        const QImage photo(
            QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/resources/samples/ISIC_0000009.jpg"));
        QVERIFY(!photo.isNull());
        c.setImage(1, photo.convertToFormat(QImage::Format_RGB888));
        c.setHeatmapOptions(enabled());
        QSignalSpy mask(&c, &InferenceController::maskReady);
        QSignalSpy heat(&c, &InferenceController::heatmapReady);
        c.requestAuto(1);
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 60000);
        QCOMPARE(mask.count(), 1);
        QCOMPARE(heat.count(), 1);
        const auto r = mask.at(0).at(0).value<MaskResponse>();
        QVERIFY(!r.candidates.empty());
        QCOMPARE(r.head, DecoderHead::Auto);
        const QImage autoHeat = heat.at(0).at(0).value<HeatmapResponse>().heat;
        QVERIFY(!autoHeat.isNull());

        // Asked again later (the heatmap toggled on over the mask): the same decoder, the same map.
        c.requestHeatmap(1, r.prompts, QImage(), r.head);
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 60000);
        QCOMPARE(heat.count(), 2);
        QCOMPARE(heat.at(1).at(0).value<HeatmapResponse>().heat, autoHeat);
        c.requestHeatmap(1, r.prompts, QImage(), DecoderHead::Main);
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 60000);
        QCOMPARE(heat.count(), 3);
        const QImage mainHeat = heat.at(2).at(0).value<HeatmapResponse>().heat;
        QCOMPARE(mainHeat.size(), autoHeat.size());
        QVERIFY(mainHeat != autoHeat);
    }

    void switchingImageOrDisablingDropsHeatmap() {
        InferenceController c;
        ready(c);
        c.flags().coalesce.store(false);
        c.setHeatmapOptions(enabled());
        c.setImage(1, testImage());
        QSignalSpy heat(&c, &InferenceController::heatmapReady);
        c.requestMask(1, boxPrompt());
        c.setImage(2, testImage(50, 50));
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(heat.count(), 0);
        c.requestMask(2, boxPrompt());
        c.setHeatmapOptions(HeatmapOptions{}); // hidden before the heatmap arrives
        QTRY_VERIFY_WITH_TIMEOUT(!c.isBusy(), 20000);
        QCOMPARE(heat.count(), 0);
    }

    void colourMaps() {
        for (ColorMap m : {ColorMap::Turbo, ColorMap::Jet, ColorMap::Viridis}) {
            QCOMPARE(colorMapFromName(colorMapName(m)), m);
            QCOMPARE(colorMapTable(m).size(), 256);
            QVERIFY(colorMapTable(m).front() != colorMapTable(m).back());
        }
        // Viridis runs from dark purple to yellow; jet from blue to red.
        QVERIFY(qBlue(colorMapTable(ColorMap::Viridis).front()) >
                qGreen(colorMapTable(ColorMap::Viridis).front()));
        QVERIFY(qRed(colorMapTable(ColorMap::Viridis).back()) > 200);
        QVERIFY(qBlue(colorMapTable(ColorMap::Jet).front()) > 100);
        QVERIFY(qRed(colorMapTable(ColorMap::Jet).back()) > 100);
        QImage heat(4, 2, QImage::Format_Grayscale8);
        heat.fill(255);
        const QImage c = colorizeHeatmap(heat, ColorMap::Jet, 0.5);
        QCOMPARE(c.size(), heat.size());
        QCOMPARE(qAlpha(c.pixel(0, 0)), 128);
        QCOMPARE(colorMapLegend(ColorMap::Turbo, QSize(100, 10)).size(), QSize(100, 10));
    }
};

QTEST_MAIN(TestHeatmapController)
#include "tst_heatmap_controller.moc"
