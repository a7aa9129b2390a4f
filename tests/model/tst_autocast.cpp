// Protects mixed-precision training: the autocast scope sets and restores autocast, and under
// it the decoder's norms and softmaxes keep the reduced type and compute the same values.
// labels: unit
#include "model/autocast.h"

#include <ATen/ATen.h>

#include <QTest>

using namespace dermsam;

class TestAutocast : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void scopeSetsAndRestores();
    void keepsTheReducedType_data();
    void keepsTheReducedType();
};

void TestAutocast::scopeSetsAndRestores() {
    const at::Tensor x = at::randn({4, 8});
    QCOMPARE(autocastDtype(x), at::kFloat);
    {
        AutocastScope scope(at::kCPU, at::kBFloat16);
        QCOMPARE(autocastDtype(x), at::kBFloat16);
        QCOMPARE(autocastDtype(at::ones({2}, at::kLong)), at::kFloat); // not floating point
        {
            AutocastScope off(at::kCPU, at::kFloat); // float32 asks for nothing
            QCOMPARE(autocastDtype(x), at::kBFloat16);
        }
        // Matrix products do run in bfloat16 inside the scope.
        QCOMPARE(at::matmul(x, x.t()).scalar_type(), at::kBFloat16);
    }
    QCOMPARE(autocastDtype(x), at::kFloat);
    QCOMPARE(at::matmul(x, x.t()).scalar_type(), at::kFloat);
}

void TestAutocast::keepsTheReducedType_data() {
    QTest::addColumn<bool>("layerNorm");
    QTest::newRow("layer norm") << true;
    QTest::newRow("softmax") << false;
}

void TestAutocast::keepsTheReducedType() {
    QFETCH(bool, layerNorm);
    at::manual_seed(1);
    const at::Tensor x = (at::randn({64, 96}) * 3 + 1).to(at::kBFloat16);
    const at::Tensor w = at::randn({96}), b = at::randn({96});
    // (The CPU layer norm of LibTorch 1.13 wants its weights in the input's type.)
    const at::Tensor wx = w.to(x.scalar_type()), bx = b.to(x.scalar_type());
    auto plain = [&] {
        return layerNorm ? at::layer_norm(x, {96}, wx, bx, 1e-5) : at::softmax(x, -1);
    };
    auto inType = [&] {
        return layerNorm ? layerNormInType(x, {96}, w, b, 1e-5) : softmaxInType(x, -1);
    };
    const at::Tensor reference =
        layerNorm
            ? at::layer_norm(x.to(at::kFloat), {96}, wx.to(at::kFloat), bx.to(at::kFloat), 1e-5)
            : at::softmax(x.to(at::kFloat), -1);
    at::Tensor kept;
    {
        // On CUDA autocast's policy runs both operations in float32 (the reason the helpers
        // exist); the CPU policy of LibTorch 1.13, where this test runs, happens not to.
        AutocastScope scope(at::kCPU, at::kBFloat16);
        kept = inType();
    }
    QCOMPARE(kept.scalar_type(), at::kBFloat16);
    // The same values up to the bfloat16 rounding of the result (8 significant bits).
    const double scale = reference.abs().max().item<double>();
    const double err = (kept.to(at::kFloat) - reference).abs().max().item<double>();
    QVERIFY2(err <= 1e-2 * scale, qPrintable(QString("error %1, scale %2").arg(err).arg(scale)));
    // Outside autocast the helpers are the plain operations.
    QVERIFY(at::equal(inType(), plain()));
}

QTEST_GUILESS_MAIN(TestAutocast)
#include "tst_autocast.moc"
