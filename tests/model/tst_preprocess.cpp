// Protects the medsam and sam preprocessing profiles (sizes, ranges, padding, box scaling and
// clamping), the logits-to-mask postprocessing and the mask-to-logits prompt against
// hand-computed answers.
// labels: unit
#include "model/model_error.h"
#include "model/preprocess.h"

#include <ATen/ATen.h>

#include <QTest>

using namespace dermsam;

namespace {
const std::pair<const char*, PreprocessProfile> kProfiles[] = {
    {"medsam", PreprocessProfile::MedSam},
    {"sam", PreprocessProfile::Sam},
    {"compact", PreprocessProfile::Compact}};
} // namespace

class TestPreprocess : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void medsamSizesAndRange();
    void samResizeNormaliseAndPad();
    void channelsAndBitDepth_data();
    void channelsAndBitDepth();
    void boxScaling_data();
    void boxScaling();
    void zeroAreaBoxRefused();
    void postprocessRules();
    void geometryWithoutResampling_data();
    void geometryWithoutResampling();
    void maskPromptFrame_data();
    void maskPromptFrame();
    void maskPromptRefusesOtherSizes();
    void fastMasksMatchResampling_data();
    void fastMasksMatchResampling();
    void channelByChannelMatchesWholeImage_data();
    void channelByChannelMatchesWholeImage();
};

void TestPreprocess::geometryWithoutResampling_data() {
    QTest::addColumn<int>("profile");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("channels");
    for (const auto& [name, p] : kProfiles) {
        QTest::newRow((std::string(name) + " landscape rgb").c_str()) << int(p) << 300 << 500 << 3;
        QTest::newRow((std::string(name) + " portrait grey").c_str()) << int(p) << 701 << 233 << 1;
        QTest::newRow((std::string(name) + " odd rgba").c_str()) << int(p) << 37 << 1201 << 4;
    }
}

// What a cache hit uses instead of preprocessing must be the geometry preprocessing reports.
void TestPreprocess::geometryWithoutResampling() {
    QFETCH(int, profile);
    QFETCH(int, height);
    QFETCH(int, width);
    QFETCH(int, channels);
    const at::Tensor img = at::zeros({height, width, channels}, at::kByte);
    const PreprocessProfile p = PreprocessProfile(profile);
    const int size = p == PreprocessProfile::Compact ? 256 : 1024;
    const ImageGeometry a = imageGeometry(img, p, size);
    const ImageGeometry b = preprocessImage(img, p, size).geometry;
    QCOMPARE(a.originalHeight, b.originalHeight);
    QCOMPARE(a.originalWidth, b.originalWidth);
    QCOMPARE(a.inputHeight, b.inputHeight);
    QCOMPARE(a.inputWidth, b.inputWidth);
    QCOMPARE(a.inputSize, b.inputSize);
    QCOMPARE(a.originalHeight, height);
    QVERIFY_THROWS_EXCEPTION(ModelError, imageGeometry(at::zeros({4, 4, 2}, at::kByte), p, size));
}

void TestPreprocess::medsamSizesAndRange() {
    at::manual_seed(1);
    const at::Tensor img = at::randint(20, 200, {300, 500, 3}, at::kByte);
    const PreprocessResult r = preprocessImage(img, PreprocessProfile::MedSam);
    QCOMPARE(r.input.sizes().vec(), (std::vector<int64_t>{1, 3, 1024, 1024}));
    QCOMPARE(r.geometry.originalHeight, 300);
    QCOMPARE(r.geometry.originalWidth, 500);
    QCOMPARE(r.geometry.inputHeight, 1024);
    QCOMPARE(r.geometry.inputWidth, 1024);
    QCOMPARE(r.input.min().item<float>(), 0.0f); // min-max normalised, no mean/std
    QCOMPARE(r.input.max().item<float>(), 1.0f);
}

void TestPreprocess::samResizeNormaliseAndPad() {
    const at::Tensor img = at::full({600, 800, 3}, 128, at::kByte);
    const PreprocessResult r = preprocessImage(img, PreprocessProfile::Sam);
    QCOMPARE(r.geometry.inputHeight, 768); // 600 * 1024 / 800
    QCOMPARE(r.geometry.inputWidth, 1024);
    // Constant 128 stays 128 after resizing; each channel is (128 - mean) / std.
    const float expected[3] = {(128 - 123.675f) / 58.395f, (128 - 116.28f) / 57.12f,
                               (128 - 103.53f) / 57.375f};
    for (int c = 0; c < 3; ++c) {
        const at::Tensor inside = r.input[0][c].slice(0, 0, 768);
        QVERIFY(at::allclose(inside, at::full_like(inside, expected[c]), 0, 1e-6));
        const at::Tensor pad = r.input[0][c].slice(0, 768);
        QCOMPARE(pad.abs().max().item<float>(), 0.0f); // zero padding after normalisation
    }
}

void TestPreprocess::channelsAndBitDepth_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("grey replicated") << 0;
    QTest::newRow("rgba alpha dropped") << 1;
    QTest::newRow("16-bit scaled to 8-bit range") << 2;
}

void TestPreprocess::channelsAndBitDepth() {
    QFETCH(int, kind);
    // Left half 64, right half 192 in every case: the sam profile must see the same values.
    at::Tensor ref = at::full({64, 64, 3}, 64, at::kByte);
    ref.slice(1, 32).fill_(192);
    at::Tensor img;
    if (kind == 0) {
        img = ref.select(2, 0).contiguous();
    } else if (kind == 1) {
        img = at::cat({ref, at::full({64, 64, 1}, 7, at::kByte)}, 2);
    } else {
        img = ref.to(at::kInt) * 257; // 16-bit image stored as int32
    }
    const at::Tensor a = preprocessImage(ref, PreprocessProfile::Sam).input;
    const at::Tensor b = preprocessImage(img, PreprocessProfile::Sam).input;
    QVERIFY(at::allclose(a, b, 0, 1e-5));
}

void TestPreprocess::boxScaling_data() {
    QTest::addColumn<int>("profile");
    QTest::addColumn<QList<float>>("box");
    QTest::addColumn<QList<float>>("expected");
    const int medsam = int(PreprocessProfile::MedSam), sam = int(PreprocessProfile::Sam);
    // Image 600 x 800 (H x W).
    QTest::newRow("medsam full") << medsam << QList<float>{0, 0, 800, 600}
                                 << QList<float>{0, 0, 1024, 1024};
    QTest::newRow("sam full") << sam << QList<float>{0, 0, 800, 600}
                              << QList<float>{0, 0, 1024, 768};
    QTest::newRow("medsam inner") << medsam << QList<float>{100, 150, 400, 300}
                                  << QList<float>{128, 256, 512, 512};
    QTest::newRow("clamped to image")
        << sam << QList<float>{-50, -20, 900, 700} << QList<float>{0, 0, 1024, 768};
    QTest::newRow("corners swapped")
        << medsam << QList<float>{400, 300, 100, 150} << QList<float>{128, 256, 512, 512};
}

void TestPreprocess::boxScaling() {
    QFETCH(int, profile);
    QFETCH(QList<float>, box);
    QFETCH(QList<float>, expected);
    const auto p = static_cast<PreprocessProfile>(profile);
    const at::Tensor img = at::zeros({600, 800, 3}, at::kByte);
    const ImageGeometry g = preprocessImage(img, p).geometry;
    Prompts prompts;
    prompts.boxes.push_back({box[0], box[1], box[2], box[3]});
    const Prompts framed = promptsToInputFrame(prompts, g, p);
    QCOMPARE(framed.boxes.size(), size_t(1));
    const BoxPrompt& b = framed.boxes[0];
    QCOMPARE(b.x0, expected[0]);
    QCOMPARE(b.y0, expected[1]);
    QCOMPARE(b.x1, expected[2]);
    QCOMPARE(b.y1, expected[3]);
}

void TestPreprocess::zeroAreaBoxRefused() {
    ImageGeometry g{600, 800, 768, 1024, 1024};
    Prompts prompts;
    prompts.boxes.push_back({900, 10, 950, 50}); // entirely right of the image
    try {
        promptsToInputFrame(prompts, g, PreprocessProfile::Sam);
        QFAIL("zero-area box accepted");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::BadPrompt);
    }
}

void TestPreprocess::postprocessRules() {
    // Logits +8 on the left half of the 256 grid, -8 on the right: both profiles give the left
    // half of the original image; zero logits are background for both (sigmoid 0.5 is not > 0.5).
    at::Tensor logits = at::full({1, 1, 256, 256}, -8.0f);
    logits.slice(3, 0, 128).fill_(8.0f);
    const ImageGeometry medsam{100, 200, 1024, 1024, 1024};
    const at::Tensor m = binarize(postprocessLogits(logits, medsam, PreprocessProfile::MedSam),
                                  PreprocessProfile::MedSam);
    QCOMPARE(m.sizes().vec(), (std::vector<int64_t>{1, 1, 100, 200}));
    QCOMPARE(m[0][0].slice(1, 0, 99).all().item<bool>(), true);
    QCOMPARE(m[0][0].slice(1, 101).any().item<bool>(), false);

    const at::Tensor zeros = at::zeros({1, 1, 256, 256});
    QCOMPARE(binarize(postprocessLogits(zeros, medsam, PreprocessProfile::MedSam),
                      PreprocessProfile::MedSam)
                 .any()
                 .item<bool>(),
             false);
    const ImageGeometry sam{100, 200, 512, 1024, 1024};
    QCOMPARE(binarize(postprocessLogits(zeros, sam, PreprocessProfile::Sam), PreprocessProfile::Sam)
                 .any()
                 .item<bool>(),
             false);
}

void TestPreprocess::maskPromptFrame_data() {
    QTest::addColumn<int>("profile");
    QTest::addColumn<int>("inputSize");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    for (const auto& [name, p] : kProfiles) {
        for (const int input : {1024, 256}) {
            const std::string row = std::string(name) + " " + std::to_string(input);
            QTest::newRow((row + " landscape").c_str()) << int(p) << input << 300 << 400;
            QTest::newRow((row + " portrait").c_str()) << int(p) << input << 400 << 200;
        }
    }
}

// A mask prompt lies where the image lies in the input frame, at the model's mask size (4 x the
// embedding grid), and the decoder's postprocessing maps it back onto the mask.
void TestPreprocess::maskPromptFrame() {
    QFETCH(int, profile);
    QFETCH(int, inputSize);
    QFETCH(int, height);
    QFETCH(int, width);
    const PreprocessProfile p = PreprocessProfile(profile);
    const ImageGeometry g = imageGeometry(at::zeros({height, width, 3}, at::kByte), p, inputSize);
    const int64_t size = inputSize / 4; // patch 16: grid inputSize / 16, masks 4 x that

    // The whole image: exactly the resized image's cells are positive, all others negative.
    const at::Tensor all = maskPromptLogits(at::ones({height, width}, at::kByte), g, p, size);
    QCOMPARE(all.sizes().vec(), (std::vector<int64_t>{1, 1, size, size}));
    QCOMPARE(all.abs().eq(kMaskPromptLogit).all().item<bool>(), true);
    const int64_t rows =
        p == PreprocessProfile::Sam ? height * size / std::max(height, width) : size;
    const int64_t cols =
        p == PreprocessProfile::Sam ? width * size / std::max(height, width) : size;
    QCOMPARE(all.gt(0).sum().item<int64_t>(), rows * cols);
    QCOMPARE(all[0][0].slice(0, 0, rows).slice(1, 0, cols).gt(0).all().item<bool>(), true);

    // A rectangle comes back through postprocessing with its pixels (edges blur by a cell).
    at::Tensor mask = at::zeros({height, width}, at::kByte);
    mask.slice(0, height / 4, height * 3 / 4).slice(1, width / 5, width * 3 / 5).fill_(1);
    const at::Tensor back =
        binarize(postprocessLogits(maskPromptLogits(mask, g, p, size), g, p), p)[0][0];
    QCOMPARE(back.sizes().vec(), mask.sizes().vec());
    const double inter = back.logical_and(mask).sum().item<double>();
    const double uni = back.logical_or(mask).sum().item<double>();
    QVERIFY2(inter / uni > 0.95, qPrintable(QString::number(inter / uni)));
    QCOMPARE(back[height / 2][width * 2 / 5].item<bool>(), true);
    QCOMPARE(back[5][5].item<bool>(), false);
}

void TestPreprocess::maskPromptRefusesOtherSizes() {
    const ImageGeometry g = imageGeometry(at::zeros({30, 40}, at::kByte), PreprocessProfile::Sam);
    for (const auto& shape : {std::vector<int64_t>{40, 30}, std::vector<int64_t>{1, 30, 40}}) {
        try {
            maskPromptLogits(at::ones(shape, at::kByte), g, PreprocessProfile::Sam, 256);
            QFAIL("a mask of another size was accepted");
        } catch (const ModelError& e) {
            QCOMPARE(e.code(), ErrorCode::BadPrompt);
        }
    }
}

void TestPreprocess::fastMasksMatchResampling_data() {
    QTest::addColumn<int>("profile");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    QTest::addColumn<bool>("noisy");
    for (const auto& [name, profile] : kProfiles) {
        // A large photo (runs of about 12 columns per source block), a small image (the last
        // resampling shrinks), a tall one, and logits of pure noise (almost every block mixed).
        QTest::addRow("%s 1500x2000", name) << int(profile) << 1500 << 2000 << false;
        QTest::addRow("%s 200x150", name) << int(profile) << 200 << 150 << false;
        QTest::addRow("%s 700x301", name) << int(profile) << 700 << 301 << false;
        QTest::addRow("%s noise 640x480", name) << int(profile) << 640 << 480 << true;
    }
}

// postprocessMasks skips the interpolation wherever the four source values agree: it must give
// the masks of binarize(postprocessLogits()) except, at most, where that float value lies
// within rounding of the threshold.
void TestPreprocess::fastMasksMatchResampling() {
    QFETCH(int, profile);
    QFETCH(int, height);
    QFETCH(int, width);
    QFETCH(bool, noisy);
    const auto p = static_cast<PreprocessProfile>(profile);
    const ImageGeometry g = imageGeometry(at::zeros({height, width, 3}, at::kByte), p, 1024);
    at::manual_seed(7);
    // Two prompts x three candidates: blobs of both signs, or noise.
    at::Tensor logits = at::randn({2, 3, 256, 256}) * 4;
    if (!noisy)
        logits = at::avg_pool2d(logits, 31, 1, 15) * 8;
    const at::Tensor values = postprocessLogits(logits, g, p);
    const at::Tensor expected = binarize(values, p).to(at::kByte);
    const at::Tensor ours = postprocessMasks(logits, g, p);
    QCOMPARE(ours.scalar_type(), at::kByte);
    QCOMPARE(ours.sizes().vec(), expected.sizes().vec());
    const double inside = expected.to(at::kDouble).mean().item<double>();
    QVERIFY2(inside > 0.05 && inside < 0.95, "the test logits must give masks with edges");
    const at::Tensor differ = ours != expected;
    const int64_t n = differ.sum().item<int64_t>();
    if (n > 0) {
        const double threshold = p == PreprocessProfile::MedSam ? 0.5 : 0.0;
        const double worst = (values.masked_select(differ) - threshold).abs().max().item<double>();
        qInfo("%lld pixels differ, all within %.2e of the threshold", static_cast<long long>(n),
              worst);
        QVERIFY2(worst < 1e-5,
                 qPrintable(QString("a pixel %1 from the threshold differs").arg(worst)));
    }
}

void TestPreprocess::channelByChannelMatchesWholeImage_data() {
    QTest::addColumn<int>("profile");
    QTest::addColumn<int>("channels");
    QTest::addColumn<bool>("sixteenBit");
    for (const auto& [name, profile] : kProfiles) {
        QTest::addRow("%s rgb", name) << int(profile) << 3 << false;
        QTest::addRow("%s rgba", name) << int(profile) << 4 << false;
        QTest::addRow("%s grey", name) << int(profile) << 1 << false;
        QTest::addRow("%s 16-bit rgb", name) << int(profile) << 3 << true;
    }
}

// The channels are resampled one at a time (a large photo as one float tensor was 288 MB, and
// as much again channels-first): the input must be exactly what resampling the whole image
// gives, as the preprocessing did before.
void TestPreprocess::channelByChannelMatchesWholeImage() {
    QFETCH(int, profile);
    QFETCH(int, channels);
    QFETCH(bool, sixteenBit);
    const auto p = static_cast<PreprocessProfile>(profile);
    at::manual_seed(21);
    at::Tensor image = sixteenBit ? at::randint(0, 65536, {301, 457, channels}, at::kInt)
                                  : at::randint(0, 256, {301, 457, channels}, at::kByte);
    const int size = 256;
    const PreprocessResult r = preprocessImage(image, p, size);
    // The whole-image reference.
    at::Tensor x = image.slice(2, 0, std::min(channels, 3)).to(at::kFloat);
    if (sixteenBit)
        x = x / 257.0;
    if (channels == 1)
        x = x.expand({-1, -1, 3});
    x = x.permute({2, 0, 1}).unsqueeze(0).contiguous();
    at::Tensor expected;
    if (p == PreprocessProfile::MedSam) {
        const at::Tensor resized = at::upsample_bicubic2d(x, {size, size}, false).clamp(0.0, 255.0);
        const at::Tensor lo = resized.min();
        expected = (resized - lo) / (resized.max() - lo).clamp_min(1e-8);
    } else if (p == PreprocessProfile::Compact) {
        expected =
            normaliseMeanStd(at::_upsample_bilinear2d_aa(x, {size, size}, false).clamp(0.0, 255.0));
    } else {
        const int h = r.geometry.inputHeight, w = r.geometry.inputWidth;
        const at::Tensor resized =
            at::_upsample_bilinear2d_aa(x, {h, w}, false).round().clamp(0.0, 255.0);
        expected = at::constant_pad_nd(normaliseMeanStd(resized), {0, size - w, 0, size - h}, 0);
    }
    QCOMPARE(r.input.sizes().vec(), expected.sizes().vec());
    QVERIFY2(at::equal(r.input, expected),
             qPrintable(QString::number((r.input - expected).abs().max().item<double>())));
}

QTEST_GUILESS_MAIN(TestPreprocess)
#include "tst_preprocess.moc"
