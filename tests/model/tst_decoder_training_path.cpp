// Protects the decoder's autograd path (training, Grad-CAM): its outputs and every gradient equal
// those of the decoder written as upstream structures it.
// labels: unit
#include "model/autocast.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"
#include "model/tensor_map.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>

#include <ATen/ATen.h>

#include <QTest>

#include <map>

using namespace dermsam;

namespace {

// Upstream's MaskDecoder.predict_masks and TwoWayTransformer, composed from the model's own
// modules: per-head projections of every image token, NCHW transposed convolutions and the
// channels-first LayerNorm2d. Written out here so that the library's faster rewrite has an
// independent reference.
class UpstreamDecoder {
public:
    explicit UpstreamDecoder(SamModel& model)
        : m_model(model) {
        for (const auto& kv : model.modules().maskDecoder->named_modules("", false))
            m_mods[kv.key()] = kv.value();
    }

    DecoderOutput decode(const at::Tensor& embedding, const PromptTensors& p, bool multimask) {
        auto [sparse, dense] = m_model.modules().promptEncoder->forward(
            p.pointCoords, p.pointLabels, p.boxes, p.maskInput);
        const at::Tensor pe = m_model.denseImagePositionalEncoding();
        const int64_t n = sparse.size(0);
        const at::Tensor output = at::cat({get<torch::nn::EmbeddingImpl>("iou_token")->weight,
                                           get<torch::nn::EmbeddingImpl>("mask_tokens")->weight},
                                          0)
                                      .unsqueeze(0)
                                      .expand({n, -1, -1});
        const at::Tensor tokens = at::cat({output, sparse}, 1);
        const at::Tensor src = at::repeat_interleave(embedding, n / embedding.size(0), 0) + dense;
        const at::Tensor pos = at::repeat_interleave(pe, n / pe.size(0), 0);
        const int64_t b = src.size(0), c = src.size(1), h = src.size(2), w = src.size(3);
        const at::Tensor peSeq = pos.flatten(2).permute({0, 2, 1});
        at::Tensor queries = tokens, keys = src.flatten(2).permute({0, 2, 1});
        for (int i = 0; i < 2; ++i) {
            const std::string l = "transformer.layers." + std::to_string(i) + ".";
            if (i == 0) {
                queries = attn(l + "self_attn", queries, queries, queries);
            } else {
                const at::Tensor q = queries + tokens;
                queries = queries + attn(l + "self_attn", q, q, queries);
            }
            queries = norm(l + "norm1", queries);
            at::Tensor q = queries + tokens, k = keys + peSeq;
            queries =
                norm(l + "norm2", queries + attn(l + "cross_attn_token_to_image", q, k, keys));
            queries = norm(l + "norm3", queries + get<MlpBlockImpl>(l + "mlp")->forward(queries));
            q = queries + tokens;
            k = keys + peSeq;
            keys = norm(l + "norm4", keys + attn(l + "cross_attn_image_to_token", k, q, queries));
        }
        const at::Tensor q = queries + tokens, k = keys + peSeq;
        queries = norm("transformer.norm_final_attn",
                       queries + attn("transformer.final_attn_token_to_image", q, k, keys));

        at::Tensor up = keys.transpose(1, 2).reshape({b, c, h, w});
        up = get<torch::nn::ConvTranspose2dImpl>("output_upscaling.0")->forward(up);
        up = at::gelu(get<LayerNorm2dImpl>("output_upscaling.1")->forward(up));
        up = at::gelu(get<torch::nn::ConvTranspose2dImpl>("output_upscaling.3")->forward(up));
        std::vector<at::Tensor> hyper;
        for (int t = 0; t < 4; ++t)
            hyper.push_back(get<DecoderMlpImpl>("output_hypernetworks_mlps." + std::to_string(t))
                                ->forward(queries.select(1, 1 + t)));
        const int64_t uc = up.size(1), uh = up.size(2), uw = up.size(3);
        const at::Tensor masks =
            at::matmul(at::stack(hyper, 1), up.reshape({b, uc, uh * uw})).reshape({b, -1, uh, uw});
        const at::Tensor iou =
            get<DecoderMlpImpl>("iou_prediction_head")->forward(queries.select(1, 0));
        if (multimask)
            return {masks.slice(1, 1), iou.slice(1, 1)};
        return {masks.slice(1, 0, 1), iou.slice(1, 0, 1)};
    }

private:
    template <typename M> std::shared_ptr<M> get(const std::string& name) {
        auto m = std::dynamic_pointer_cast<M>(m_mods.at(name));
        if (!m)
            throw std::runtime_error("unexpected module type at " + name);
        return m;
    }
    at::Tensor attn(const std::string& name, const at::Tensor& q, const at::Tensor& k,
                    const at::Tensor& v) {
        // forward() is the plain per-head attention of upstream's Attention module.
        return get<TokenAttentionImpl>(name)->forward(q.contiguous(), k.contiguous(),
                                                      v.contiguous());
    }
    at::Tensor norm(const std::string& name, const at::Tensor& x) {
        return get<torch::nn::LayerNormImpl>(name)->forward(x);
    }

    SamModel& m_model;
    std::map<std::string, std::shared_ptr<torch::nn::Module>> m_mods;
};

} // namespace

class TestDecoderTrainingPath : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void matchesUpstreamStructure_data();
    void matchesUpstreamStructure();

private:
    TensorMap m_weights;
};

void TestDecoderTrainingPath::initTestCase() {
    at::manual_seed(11);
    SamModel model(SamArchitecture::compact());
    // Random weights instead of the initial ones (zero biases, unit norms) so that every
    // parameter's gradient is exercised.
    at::NoGradGuard ng;
    for (auto& p : model.modules().root->parameters(true))
        p.copy_(at::randn_like(p) * 0.2);
    m_weights = model.stateDict();
}

void TestDecoderTrainingPath::matchesUpstreamStructure_data() {
    QTest::addColumn<int>("images");
    QTest::addColumn<int>("prompts");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("multimask");
    QTest::addColumn<QString>("precision");
    // In double precision the two forms differ only by summation order, far below the margin;
    // the float32 rows catch kernels that misbehave in the precision the application runs in;
    // the bfloat16 rows (autocast over float32 weights, as mixed-precision training runs) are
    // held to bfloat16's rounding.
    for (const char* precision : {"float64", "float32", "bfloat16"}) {
        const QString p = QString(precision) + ", ";
        QTest::newRow(qPrintable(p + "one box (Grad-CAM)"))
            << 1 << 1 << "box" << false << precision;
        QTest::newRow(qPrintable(p + "a box per image, batch 3"))
            << 3 << 3 << "box" << false << precision;
        QTest::newRow(qPrintable(p + "two clicks on one image, multimask"))
            << 1 << 2 << "points" << true << precision;
        QTest::newRow(qPrintable(p + "boxes with mask prompts"))
            << 2 << 2 << "mask" << false << precision;
    }
}

void TestDecoderTrainingPath::matchesUpstreamStructure() {
    QFETCH(int, images);
    QFETCH(int, prompts);
    QFETCH(QString, kind);
    QFETCH(bool, multimask);
    QFETCH(QString, precision);
    const bool lowp = precision == "bfloat16";
    const auto dtype = precision == "float64" ? at::kDouble : at::kFloat;
    const double tolerance = lowp ? 5e-2 : precision == "float32" ? 1e-4 : 1e-9;
    auto model = std::make_unique<SamModel>(SamArchitecture::compact());
    model->loadStateDict(m_weights);
    model->to(at::kCPU, dtype);
    const auto d = at::TensorOptions().dtype(dtype);
    at::manual_seed(5);
    const at::Tensor embedding = at::randn({images, 256, 64, 64}, d);
    PromptTensors p;
    if (kind == "points") {
        p.pointCoords = at::rand({prompts, 2, 2}, d) * 255;
        p.pointLabels = at::tensor({1.0, 0.0, 1.0, 1.0}).to(dtype).view({prompts, 2});
    } else {
        const at::Tensor lo = at::rand({prompts, 2}, d) * 120;
        p.boxes = at::cat({lo, lo + 40 + at::rand({prompts, 2}, d) * 90}, 1);
    }
    if (kind == "mask")
        p.maskInput = at::randn({prompts, 1, 256, 256}, d) * 4;

    std::vector<at::Tensor> params;
    std::vector<std::string> names;
    for (const auto& kv : model->modules().root->named_parameters(true))
        if (kv.key().rfind("image_encoder.", 0) != 0) {
            kv.value().set_requires_grad(true);
            params.push_back(kv.value());
            names.push_back(kv.key());
        }
    auto run = [&](auto&& decode) {
        for (auto& q : params)
            q.mutable_grad() = at::Tensor();
        const DecoderOutput out = decode();
        // Fixed random weights make every output element count in the gradients.
        at::manual_seed(9);
        const at::Tensor loss = (out.lowResLogits * at::randn_like(out.lowResLogits)).sum() +
                                (out.iouPredictions * at::randn_like(out.iouPredictions)).sum();
        loss.backward();
        std::vector<at::Tensor> grads{out.lowResLogits.detach(), out.iouPredictions.detach()};
        for (auto& q : params)
            grads.push_back(q.grad().defined() ? q.grad().clone() : at::zeros_like(q));
        return grads;
    };
    UpstreamDecoder upstream(*model);
    const auto expected = run([&] { return upstream.decode(embedding, p, multimask); });
    const auto actual = run([&] {
        AutocastScope autocast(at::kCPU, lowp ? at::kBFloat16 : at::kFloat);
        DecoderOutput out = model->decodeTensors(embedding, p, multimask);
        return DecoderOutput{out.lowResLogits.to(dtype), out.iouPredictions.to(dtype)};
    });
    for (auto& q : params)
        q.set_requires_grad(false);

    QCOMPARE(actual.size(), expected.size());
    double largest = 0;
    for (const auto& g : expected)
        largest = std::max(largest, g.abs().max().item<double>());
    for (size_t i = 0; i < expected.size(); ++i) {
        const QString what =
            i < 2 ? QString(i == 0 ? "logits" : "IoU") : QString::fromStdString(names[i - 2]);
        QCOMPARE(actual[i].sizes(), expected[i].sizes());
        const double scale = expected[i].abs().max().item<double>();
        const double err = (actual[i] - expected[i]).abs().max().item<double>();
        // Key-projection biases have zero gradients in exact arithmetic (softmax ignores a
        // constant per query): only rounding, so they are measured against the largest gradient.
        const bool zeroInExact = what.endsWith("k_proj.bias");
        if (lowp) {
            // bfloat16 keeps 8 significant bits: values within a few per cent, and gradients
            // (random weights amplify the rounding through every layer) pointing the same way.
            // 15 %: on processors with native bfloat16 dot products (AVX512-BF16, seen on the
            // 2026-12-06 development machine) the mask-prompt IoU head came out 11.6 % off its
            // scale, against under 10 % where LibTorch emulates them in float32.
            const bool output = i < 2;
            if (output)
                QVERIFY2(err <= 0.15 * scale,
                         qPrintable(
                             QString("%1: max error %2, scale %3").arg(what).arg(err).arg(scale)));
            if (scale > 0 && !zeroInExact) {
                const double cosine =
                    at::cosine_similarity(actual[i].reshape({1, -1}).to(at::kDouble),
                                          expected[i].reshape({1, -1}).to(at::kDouble))
                        .item<double>();
                QVERIFY2(cosine >= (output ? 0.99 : 0.8),
                         qPrintable(QString("%1: cosine %2").arg(what).arg(cosine)));
            }
            continue;
        }
        QVERIFY2(err <= tolerance * (zeroInExact ? 1e-3 * largest : scale),
                 qPrintable(QString("%1: max error %2, scale %3").arg(what).arg(err).arg(scale)));
        // Apart from those and the hypernetworks of outputs not returned, every decoder
        // parameter has a gradient here, so the comparison above is not between zeros.
        if (what.startsWith("mask_decoder.") && !what.contains("hypernetworks") && !zeroInExact)
            QVERIFY2(scale > 1e-6 * largest, qPrintable(what + " has no gradient"));
    }
}

QTEST_GUILESS_MAIN(TestDecoderTrainingPath)
#include "tst_decoder_training_path.moc"
