// Protects the geometry of test-time augmentation (model/test_time_augmentation.h): a prompt
// moved into a view lands on the same pixel as the image moved into it, and a view's frame
// turned back is the original frame; every mode starts with the image itself.
// labels: unit
#include "model/test_time_augmentation.h"

#include <ATen/ATen.h>

#include <QTest>

using namespace dermsam;

class TestTestTimeAugmentation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void promptsFollowTheImage();
    void framesGoBack();
    void modes();
};

void TestTestTimeAugmentation::promptsFollowTheImage() {
    const int w = 7, h = 5; // not square: quarter turns swap the sides
    for (const ViewTransform& v : ttaViews(TtaMode::D4)) {
        for (const auto& [x, y] : {std::pair{0, 0}, std::pair{6, 4}, std::pair{2, 3}}) {
            at::Tensor image = at::zeros({h, w, 3}, at::kByte);
            image.index_put_({y, x}, 255);
            const at::Tensor moved = transformImage(image, v);
            Prompts p;
            p.points.push_back({float(x), float(y), 1});
            p.boxes.push_back({float(x), float(y), float(w - 1), float(h - 1)});
            const Prompts q = transformPrompts(p, v, w, h);
            const int qx = int(q.points[0].x), qy = int(q.points[0].y);
            QVERIFY(qx >= 0 && qy >= 0 && qx < moved.size(1) && qy < moved.size(0));
            QCOMPARE(moved.index({qy, qx, 0}).item<uint8_t>(), uint8_t{255});
            // A box stays ordered (x0 <= x1, y0 <= y1) and holds the moved point.
            const BoxPrompt& b = q.boxes[0];
            QVERIFY(b.x0 <= b.x1 && b.y0 <= b.y1);
            QVERIFY(b.x0 <= qx && qx <= b.x1 && b.y0 <= qy && qy <= b.y1);
        }
    }
}

void TestTestTimeAugmentation::framesGoBack() {
    const at::Tensor frame = at::arange(2 * 16, at::kFloat).view({2, 4, 4});
    for (const ViewTransform& v : ttaViews(TtaMode::D4)) {
        QVERIFY(at::equal(untransformFrame(transformFrame(frame, v), v), frame));
        // A square image and its frame move alike (the squashing profiles' low-res logits).
        const at::Tensor img = frame[0];
        QVERIFY(at::equal(transformFrame(img, v), transformImage(img, v)));
    }
}

void TestTestTimeAugmentation::modes() {
    QCOMPARE(ttaViews(TtaMode::Off).size(), std::size_t{1});
    QCOMPARE(ttaViews(TtaMode::HFlip).size(), std::size_t{2});
    QCOMPARE(ttaViews(TtaMode::Flips).size(), std::size_t{3});
    QCOMPARE(ttaViews(TtaMode::D4).size(), std::size_t{8});
    for (TtaMode m : {TtaMode::Off, TtaMode::HFlip, TtaMode::Flips, TtaMode::D4}) {
        QVERIFY(ttaViews(m).front().identity());
        TtaMode back = TtaMode::Off;
        QVERIFY(ttaModeFromName(ttaModeName(m), back));
        QCOMPARE(int(back), int(m));
    }
    TtaMode unused;
    QVERIFY(!ttaModeFromName("sideways", unused));
    QVERIFY(ttaSupported(PreprocessProfile::Compact));
    QVERIFY(!ttaSupported(PreprocessProfile::Sam));
}

QTEST_GUILESS_MAIN(TestTestTimeAugmentation)
#include "tst_test_time_augmentation.moc"
