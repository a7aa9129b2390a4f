// Protects training: decoder gradients match finite differences and repeat exactly run to run.
// labels: unit
#include "model/sam_model.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>

#include <QTest>

using namespace dermsam;

class TestDecoderGradients : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void matchesFiniteDifferences_data();
    void matchesFiniteDifferences();
    void repeatsExactly();

private:
    at::Tensor loss();
    at::Tensor parameter(const std::string& name);

    std::unique_ptr<SamModel> m_model;
    at::Tensor m_embedding;
    PromptTensors m_prompt;
};

void TestDecoderGradients::initTestCase() {
    at::manual_seed(3);
    m_model = std::make_unique<SamModel>(SamArchitecture::compact());
    // Double precision so central differences are accurate to many digits.
    m_model->modules().root->to(at::kDouble);
    m_embedding = at::randn({1, 256, 64, 64}, at::kDouble);
    m_prompt.boxes = at::tensor({30.0, 40.0, 180.0, 200.0}, at::kDouble).view({1, 4});
}

at::Tensor TestDecoderGradients::loss() {
    const DecoderOutput out = m_model->decodeTensors(m_embedding, m_prompt, false);
    return at::sigmoid(out.lowResLogits).mean() + out.iouPredictions.mean();
}

at::Tensor TestDecoderGradients::parameter(const std::string& name) {
    for (const auto& p : m_model->modules().root->named_parameters(true))
        if (p.key() == name)
            return p.value();
    return {};
}

void TestDecoderGradients::matchesFiniteDifferences_data() {
    QTest::addColumn<QString>("name");
    // The upscaling path (whose fast inference form once broke gradients), a hypernetwork, the
    // transformer and the prompt encoder's box corners.
    for (const char* n :
         {"mask_decoder.output_upscaling.0.bias", "mask_decoder.output_upscaling.1.weight",
          "mask_decoder.output_upscaling.3.bias",
          "mask_decoder.output_hypernetworks_mlps.0.layers.2.bias",
          "mask_decoder.transformer.norm_final_attn.weight",
          "mask_decoder.iou_prediction_head.layers.2.bias",
          "prompt_encoder.point_embeddings.2.weight"})
        QTest::newRow(n) << QString(n);
}

void TestDecoderGradients::matchesFiniteDifferences() {
    QFETCH(QString, name);
    at::Tensor p = parameter(name.toStdString());
    QVERIFY(p.defined());
    p.set_requires_grad(true);
    p.mutable_grad() = at::Tensor();
    loss().backward();
    const at::Tensor grad = p.grad().reshape({-1}).clone();
    p.set_requires_grad(false);
    at::NoGradGuard noGrad;
    at::Tensor flat = p.view({-1});
    for (int64_t i : {int64_t(0), flat.numel() / 2, flat.numel() - 1}) {
        const double h = 1e-5;
        const double orig = flat[i].item<double>();
        flat[i] = orig + h;
        const double up = loss().item<double>();
        flat[i] = orig - h;
        const double down = loss().item<double>();
        flat[i] = orig;
        const double fd = (up - down) / (2 * h);
        const double ad = grad[i].item<double>();
        QVERIFY2(std::abs(fd - ad) <= 1e-6 + 1e-4 * std::abs(fd),
                 qPrintable(QString("%1[%2]: autograd %3, finite difference %4")
                                .arg(name)
                                .arg(i)
                                .arg(ad)
                                .arg(fd)));
    }
}

void TestDecoderGradients::repeatsExactly() {
    for (const auto& p : m_model->modules().root->parameters(true))
        p.set_requires_grad(true);
    std::vector<at::Tensor> first;
    for (int run = 0; run < 4; ++run) {
        m_model->modules().root->zero_grad();
        loss().backward();
        size_t k = 0;
        for (const auto& p : m_model->modules().root->parameters(true)) {
            if (!p.grad().defined())
                continue;
            if (run == 0)
                first.push_back(p.grad().clone());
            else
                QVERIFY(at::equal(first.at(k), p.grad()));
            ++k;
        }
    }
    for (const auto& p : m_model->modules().root->parameters(true))
        p.set_requires_grad(false);
}

QTEST_GUILESS_MAIN(TestDecoderGradients)
#include "tst_decoder_gradients.moc"
