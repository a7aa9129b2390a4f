// Protects LiteMedSAM's preprocessing: OpenCV's INTER_AREA bytes, image file to e2e_input.npy.
// labels: parity
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "model/preprocess.h"
#include "model/serialization/npy.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <opencv2/imgproc.hpp>

#include <QDir>
#include <QTest>

using namespace dermsam;

namespace {

// cv::resize(INTER_AREA) of an 8-bit 3-channel image, as (h, w, 3) float.
at::Tensor openCvArea(const at::Tensor& image, int h, int w) {
    const at::Tensor src = image.contiguous();
    const cv::Mat in(static_cast<int>(src.size(0)), static_cast<int>(src.size(1)), CV_8UC3,
                     src.data_ptr<uint8_t>());
    cv::Mat out;
    cv::resize(in, out, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    return at::from_blob(out.data, {h, w, 3}, at::kByte).to(at::kFloat);
}

at::Tensor ours(const at::Tensor& image, int h, int w) {
    std::vector<at::Tensor> planes;
    for (int64_t c = 0; c < 3; ++c)
        planes.push_back(resizeAreaLikeOpenCv(image.select(2, c).to(at::kFloat), h, w));
    return at::stack(planes, 2);
}

} // namespace

class TestLiteMedSamPreprocess : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void areaMatchesOpenCv_data();
    void areaMatchesOpenCv();
    void imageFileToInput();
};

void TestLiteMedSamPreprocess::areaMatchesOpenCv_data() {
    QTest::addColumn<int>("H");
    QTest::addColumn<int>("W");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    // Longest side to 256 from: a non-integer factor (the fixture's 600 x 800), exactly 2x
    // (ISIC 512 x 512, and 512 x 384), 3x, 4x, odd sizes, a factor just above 1, enlarging.
    QTest::newRow("600x800") << 600 << 800 << 192 << 256;
    QTest::newRow("512x512") << 512 << 512 << 256 << 256;
    QTest::newRow("384x512") << 384 << 512 << 192 << 256;
    QTest::newRow("766x1022") << 766 << 1022 << 192 << 256;
    QTest::newRow("768x768") << 768 << 768 << 256 << 256;
    QTest::newRow("1024x1024") << 1024 << 1024 << 256 << 256;
    QTest::newRow("1111x1503") << 1111 << 1503 << 189 << 256;
    QTest::newRow("257x300") << 257 << 300 << 219 << 256;
    QTest::newRow("100x150") << 100 << 150 << 171 << 256;
}

void TestLiteMedSamPreprocess::areaMatchesOpenCv() {
    QFETCH(int, H);
    QFETCH(int, W);
    QFETCH(int, h);
    QFETCH(int, w);
    at::manual_seed(H * 7 + W);
    // Random bytes are the hardest case for rounding (every tie that can occur, occurs);
    // smooth images are what photos are.
    const at::Tensor noise = at::randint(0, 256, {H, W, 3}, at::kByte);
    const at::Tensor ramp =
        (at::arange(H * W * 3, at::kFloat).view({H, W, 3}) * 0.37).remainder(256.0).to(at::kByte);
    for (const at::Tensor& image : {noise, ramp}) {
        const at::Tensor a = ours(image, h, w), b = openCvArea(image, h, w);
        const int64_t differ = (a != b).sum().item<int64_t>();
        const double maxDiff = (a - b).abs().max().item<double>();
        if (h >= H) {
            // Enlarging: OpenCV's vectorised fixed-point rounding may differ by one level.
            QVERIFY2(maxDiff <= 1, qPrintable(QString("max difference %1").arg(maxDiff)));
        } else {
            QVERIFY2(differ == 0,
                     qPrintable(QString("%1 values differ, by up to %2").arg(differ).arg(maxDiff)));
        }
    }
}

void TestLiteMedSamPreprocess::imageFileToInput() {
    const QString shared = test::sharedDir();
    const QString dir = shared + "/fixtures/litemedsam-parity";
    if (shared.isEmpty() || !QDir(dir).exists())
        QSKIP("../shared/fixtures/litemedsam-parity is absent: parity test skipped");
    const at::Tensor image = imageToTensor(loadImage((dir + "/e2e_image.png").toStdString()));
    QCOMPARE(image.sizes().vec(), (std::vector<int64_t>{600, 800, 3}));
    const PreprocessResult r = preprocessImage(image, PreprocessProfile::LiteMedSam, 256);
    QCOMPARE(r.geometry.inputHeight, 192);
    QCOMPARE(r.geometry.inputWidth, 256);
    const at::Tensor ref = readNpy((dir + "/e2e_input.npy").toStdString());
    QCOMPARE(r.input.sizes().vec(), ref.sizes().vec());
    const double err = ((r.input - ref).abs().max() / ref.abs().max()).item<double>();
    qInfo("e2e input relative error %.3g", err);
    QVERIFY2(err <= 1e-6, qPrintable(QString("relative error %1").arg(err)));
}

QTEST_GUILESS_MAIN(TestLiteMedSamPreprocess)
#include "tst_litemedsam_preprocess.moc"
