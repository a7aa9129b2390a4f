// Protects the CPU inference kernels (GELU, every variant this CPU runs; short-row softmax).
// labels: unit
#include "model/autocast.h"
#include "model/fast_gelu.h"
#include "model/short_softmax.h"

#include <ATen/ATen.h>

#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace dermsam;

namespace {

double exactGelu(double x) {
    return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
}

// Values from -12 to 12 in steps of 1/512, then the edges of float's range.
std::vector<float> sweep() {
    std::vector<float> v;
    for (int i = -12 * 512; i <= 12 * 512; ++i)
        v.push_back(static_cast<float>(i) / 512.f);
    for (float x :
         {1e-30f, -1e-30f, 1e-42f, -1e-42f, 0.f, -0.f, 30.f, -30.f, 1e6f, -1e6f, 3e38f, -3e38f})
        v.push_back(x);
    return v;
}

} // namespace

class TestInferenceKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void kernelsMatchTheExactForm_data() {
        QTest::addColumn<QString>("kernel");
        QTest::newRow("baseline") << QStringLiteral("baseline");
        QTest::newRow("avx2") << QStringLiteral("avx2");
        QTest::newRow("avx512") << QStringLiteral("avx512");
    }
    void kernelsMatchTheExactForm() {
        QFETCH(QString, kernel);
        std::vector<float> v = sweep();
        const std::vector<float> input = v;
        if (!geluInPlaceWith(kernel.toLatin1().constData(), v.data(), int64_t(v.size())))
            QSKIP("this CPU or build has no such kernel");
        double worstAbs = 0, worstRel = 0;
        for (size_t i = 0; i < v.size(); ++i) {
            const double ref = exactGelu(input[i]);
            QVERIFY2(std::isfinite(v[i]), qPrintable(QString::number(input[i])));
            const double err = std::abs(v[i] - ref);
            // Against the float rounding of a result near x (x itself above 0), and in relative
            // terms wherever the value is not vanishingly small.
            worstAbs = std::max(worstAbs, err / std::max(1.0, std::abs(ref)));
            if (std::abs(ref) > 1e-3)
                worstRel = std::max(worstRel, err / std::abs(ref));
        }
        qInfo("%s: worst error %.3g (absolute, or relative above 1), %.3g relative where "
              "|GELU| > 1e-3",
              qPrintable(kernel), worstAbs, worstRel);
        QVERIFY2(worstAbs < 5e-7, qPrintable(QString::number(worstAbs)));
        QVERIFY2(worstRel < 3e-6, qPrintable(QString::number(worstRel)));
    }

    void specialValuesAsLibTorch() {
        const float inf = std::numeric_limits<float>::infinity();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> v{inf, -inf, nan, -100.f};
        geluInPlace(v.data(), int64_t(v.size()));
        QCOMPARE(v[0], inf);
        QVERIFY(std::isnan(v[1])); // -inf * 0, as at::gelu
        QVERIFY(std::isnan(v[2]));
        QVERIFY(std::abs(v[3]) < 1e-30f);
    }

    // The tensor form: any dense memory format, split over threads, and the fallbacks.
    void tensorsAsAtGelu() {
        at::manual_seed(3);
        const at::Tensor base = at::randn({2, 37, 29, 11}) * 4;
        const at::Tensor ref = at::gelu(base);
        at::Tensor contiguous = base.clone();
        geluInPlace(contiguous);
        QVERIFY((contiguous - ref).abs().max().item<double>() < 2e-6);
        at::Tensor channelsLast = base.contiguous(at::MemoryFormat::ChannelsLast);
        geluInPlace(channelsLast);
        QVERIFY(channelsLast.is_contiguous(at::MemoryFormat::ChannelsLast));
        QVERIFY((channelsLast - ref).abs().max().item<double>() < 2e-6);
        // A strided view (every other column) is not dense: LibTorch's own GELU, same values.
        at::Tensor wide = base.repeat({1, 1, 1, 2});
        at::Tensor view = wide.slice(3, 0, 22, 2);
        geluInPlace(view);
        QCOMPARE((view - at::gelu(base.repeat({1, 1, 1, 2}).slice(3, 0, 22, 2)))
                     .abs()
                     .max()
                     .item<double>(),
                 0.0);
        // Double precision goes to at::gelu_.
        at::Tensor d = base.to(at::kDouble);
        geluInPlace(d);
        QCOMPARE((d - at::gelu(base.to(at::kDouble))).abs().max().item<double>(), 0.0);
    }

    void shortRowSoftmax_data() {
        QTest::addColumn<QList<int>>("shape");
        QTest::newRow("decoder: pixels x heads x 7 tokens") << QList<int>{1, 4096, 8, 7};
        QTest::newRow("one value per row") << QList<int>{5, 3, 1};
        QTest::newRow("rows of 32") << QList<int>{300, 32};
    }
    void shortRowSoftmax() {
        QFETCH(QList<int>, shape);
        at::manual_seed(shape.size());
        const std::vector<int64_t> sizes(shape.begin(), shape.end());
        // Large offsets as attention scores have them: the row maximum is subtracted first.
        const at::Tensor x = at::randn(sizes) * 20 + 50;
        const at::Tensor ours = softmaxShortRows(x);
        QVERIFY(ours.defined());
        const at::Tensor ref = at::softmax(x.to(at::kDouble), -1);
        QVERIFY((ours.to(at::kDouble) - ref).abs().max().item<double>() < 1e-6);
        QVERIFY((ours.sum(-1) - 1).abs().max().item<float>() < 1e-5);
        // softmaxInType (the decoder's) takes this path along the last dimension.
        QCOMPARE((softmaxInType(x, -1) - ours).abs().max().item<float>(), 0.f);
        // Strided input (the decoder's scores arrive in column order): the same values.
        const at::Tensor strided = x.transpose(0, -1).contiguous().transpose(0, -1);
        QCOMPARE((softmaxShortRows(strided) - ours).abs().max().item<float>(), 0.f);
    }

    void shortRowSoftmaxDeclines() {
        // Long rows, double precision, autograd.
        QVERIFY(!softmaxShortRows(at::randn({4, 33})).defined());
        QVERIFY(!softmaxShortRows(at::randn({4, 6}, at::kDouble)).defined());
        QVERIFY(!softmaxShortRows(at::randn({4, 6}).set_requires_grad(true)).defined());
        const at::Tensor x = at::randn({4, 6});
        QCOMPARE((softmaxInType(x, 0) - at::softmax(x, 0)).abs().max().item<float>(), 0.f);
    }
};

QTEST_GUILESS_MAIN(TestInferenceKernels)
#include "tst_inference_kernels.moc"
