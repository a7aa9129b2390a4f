// Protects the one image and mask convention that the viewer, the CLI and evaluation share:
// pixels to the model's tensor, masks (non-zero = lesion) to 0/1 tensors and back to 0/255.
#include "core/core_error.h"
#include "core/image_tensor.h"

#include <ATen/ATen.h>

#include <QTest>

#include <opencv2/core.hpp>

using namespace dermsam;

class TestImageTensor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void maskValuesBecomeZeroOne_data() {
        QTest::addColumn<int>("value");
        QTest::addColumn<int>("expected");
        QTest::newRow("0") << 0 << 0;
        QTest::newRow("1") << 1 << 1;
        QTest::newRow("127") << 127 << 1; // non-zero is lesion, as core/evaluation reads masks
        QTest::newRow("128") << 128 << 1;
        QTest::newRow("255") << 255 << 1;
    }
    void maskValuesBecomeZeroOne() {
        QFETCH(int, value);
        QFETCH(int, expected);
        cv::Mat m(3, 5, CV_8UC1, cv::Scalar(0));
        m.at<uchar>(1, 2) = static_cast<uchar>(value);
        const at::Tensor t = maskToTensor(m);
        QCOMPARE(t.scalar_type(), at::kByte);
        QCOMPARE(t.size(0), int64_t{3});
        QCOMPARE(t.size(1), int64_t{5});
        QCOMPARE(int(t[1][2].item<uint8_t>()), expected);
        QCOMPARE(t.sum().item<int64_t>(), int64_t{expected});
    }

    void maskViewWithStrideIsRead() {
        // A view into a wider buffer (a QImage's padded rows): only the view's pixels count.
        cv::Mat wide(4, 8, CV_8UC1, cv::Scalar(255));
        const cv::Mat view = wide(cv::Rect(0, 0, 3, 4));
        wide.col(3).setTo(0);
        cv::Mat inner = wide(cv::Rect(0, 0, 3, 4));
        inner.at<uchar>(2, 1) = 0;
        const at::Tensor t = maskToTensor(view);
        QCOMPARE(t.size(1), int64_t{3});
        QCOMPARE(t.sum().item<int64_t>(), int64_t{11});
        QCOMPARE(int(t[2][1].item<uint8_t>()), 0);
    }

    void tensorRoundTripsToZero255() {
        const at::Tensor t = at::tensor({0.0f, 0.2f, -1.0f, 0.0f}).reshape({2, 2});
        const cv::Mat m = tensorToMask(t);
        QCOMPARE(m.type(), CV_8UC1);
        QCOMPARE(int(m.at<uchar>(0, 0)), 0);
        QCOMPARE(int(m.at<uchar>(0, 1)), 255);
        QCOMPARE(int(m.at<uchar>(1, 0)), 255);
        QCOMPARE(int(m.at<uchar>(1, 1)), 0);
        QVERIFY(at::equal(maskToTensor(m), t.ne(0).to(at::kByte)));
    }

    void wrongShapesAreErrors() {
        QVERIFY_THROWS_EXCEPTION(CoreError, maskToTensor(cv::Mat()));
        QVERIFY_THROWS_EXCEPTION(CoreError, maskToTensor(cv::Mat(2, 2, CV_8UC3)));
        QVERIFY_THROWS_EXCEPTION(CoreError, maskToTensor(cv::Mat(2, 2, CV_16UC1)));
        QVERIFY_THROWS_EXCEPTION(CoreError, tensorToMask(at::zeros({2, 2, 2})));
    }

    void imagePixelsKeepTheirOrder() {
        cv::Mat rgb(2, 3, CV_8UC3);
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 3; ++x)
                rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(10 * y + x), uchar(100 + x), uchar(200));
        Image image;
        image.pixels = rgb;
        const at::Tensor t = imageToTensor(image);
        QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{2, 3, 3}));
        QCOMPARE(int(t[1][2][0].item<uint8_t>()), 12);
        QCOMPARE(int(t[1][2][1].item<uint8_t>()), 102);
        QCOMPARE(int(t[0][0][2].item<uint8_t>()), 200);
    }
};

QTEST_GUILESS_MAIN(TestImageTensor)
#include "tst_image_tensor.moc"
