// Protects LiteMedSAM (TinyViT) parity with upstream and that TinyViT is read from the shapes.
// labels: parity
#include "model/image_encoder_tinyvit.h"
#include "model/model_error.h"
#include "model/preprocess.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"
#include "model/serialization/checkpoint.h"
#include "model/serialization/npy.h"
#include "parity_prompts.h"
#include "test_support.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace dermsam;

namespace {

double relativeError(const at::Tensor& ours, const at::Tensor& ref) {
    const at::Tensor a = ours.to(at::kDouble), b = ref.to(at::kDouble);
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

at::Tensor npy(const QString& dir, const QString& name) {
    return readNpy((dir + "/" + name).toStdString());
}

QString liteFixtureDir() {
    const QString shared = test::sharedDir();
    const QString dir = shared + "/fixtures/litemedsam-parity";
    return !shared.isEmpty() && QDir(dir).exists() ? dir : QString();
}

// A TinyViT smaller than LiteMedSAM's in every number, 3 or 4 stages.
SamArchitecture smallTinyVit(bool fourStages) {
    SamArchitecture a = SamArchitecture::liteMedSam();
    a.stemDim = 8;
    a.localConvSize = 3;
    a.stages = {{16, 1, 48, 0, 0, 256}, {24, 2, 72, 2, 7, 128}, {32, 1, 64, 4, 5, 64}};
    if (fourStages)
        a.stages.push_back({40, 1, 80, 5, 4, 64});
    a.embedDim = a.stages.back().dim;
    a.depth = fourStages ? 5 : 4;
    return a;
}

} // namespace

class TestLiteMedSamParity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void architectureFromShapes();
    void encoder();
    void decoder_data();
    void decoder();
    void endToEnd();
    void smallerTinyVitFromShapes_data();
    void smallerTinyVitFromShapes();
    void attentionBiases();
    void biasIndexFromCheckpoint();
    void badShapesRefused();

private:
    QString m_dir;
    std::unique_ptr<SamModel> m_model;        // weights.pth as it is
    std::unique_ptr<SamModel> m_fixtureModel; // with the attention biases the reference used
    QJsonObject m_cases;
};

void TestLiteMedSamParity::initTestCase() {
    m_dir = liteFixtureDir();
    if (m_dir.isEmpty())
        return; // the fixture tests skip one by one; the synthetic ones run
    TensorMap w = readCheckpoint((m_dir + "/weights.pth").toStdString()).tensors;
    m_model = SamModel::fromStateDict(w);
    // The fixture's encoder outputs were made with every attention bias at zero, not with the
    // random ones in weights.pth: upstream's Attention keeps a copy of the gathered biases
    // (`ab`), made when .eval() is called, and the generator called it before setting the
    // random weights. Upstream code here, loading weights.pth and calling .eval() after (as
    // CVPR24_LiteMedSAM_infer.py does), differs from image_embedding.npy by 1.49e-2; with its
    // `ab` zeroed, by 1.8e-6. So the reference is compared with zeroed biases, and
    // attentionBiases() checks the biases themselves against a plain computation.
    for (auto& [k, v] : w)
        if (k.find("attention_biases") != std::string::npos)
            v = at::zeros_like(v);
    m_fixtureModel = SamModel::fromStateDict(w);
    QFile f(m_dir + "/cases.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    m_cases = QJsonDocument::fromJson(f.readAll()).object();
}

#define REQUIRE_LITE_FIXTURE()                                                                     \
    if (m_dir.isEmpty())                                                                           \
    QSKIP("../shared/fixtures/litemedsam-parity is absent: parity test skipped")

void TestLiteMedSamParity::architectureFromShapes() {
    REQUIRE_LITE_FIXTURE();
    // The fixture README's numbers: widths 64/128/160/320, depths 2/2/6/2, heads 2/4/5/10,
    // windows 7/7/14/7, MBConv expansion 4, local conv 3, 9.79 M parameters.
    const SamArchitecture& a = m_model->architecture();
    QCOMPARE(a.encoder, std::string("tinyvit"));
    QCOMPARE(a.name(), std::string("litemedsam"));
    QCOMPARE(a.stages.size(), size_t{4});
    const int dims[] = {64, 128, 160, 320}, depths[] = {2, 2, 6, 2}, heads[] = {0, 4, 5, 10},
              windows[] = {0, 7, 14, 7}, res[] = {256, 128, 64, 64};
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(a.stages[i].dim, dims[i]);
        QCOMPARE(a.stages[i].depth, depths[i]);
        QCOMPARE(a.stages[i].heads, heads[i]);
        QCOMPARE(a.stages[i].window, windows[i]);
        QCOMPARE(a.stages[i].hidden, 4 * dims[i]);
        QCOMPARE(a.stages[i].resolution, res[i]);
    }
    QCOMPARE(a.localConvSize, 3);
    QCOMPARE(a.imgSize, 256);
    QCOMPARE(a.embeddingSize(), 64);
    QCOMPARE(a.outChans, 256);
    const int64_t total = m_model->parameterCount();
    QVERIFY2(std::abs(total - 9790000) < 10000, qPrintable(QString::number(total)));
    QCOMPARE(defaultProfileFor(a), PreprocessProfile::LiteMedSam);
}

void TestLiteMedSamParity::encoder() {
    REQUIRE_LITE_FIXTURE();
    at::NoGradGuard noGrad;
    const at::Tensor input = npy(m_dir, "input.npy");
    const at::Tensor ref = npy(m_dir, "image_embedding.npy");
    const at::Tensor ours = m_fixtureModel->encode(input);
    QCOMPARE(ours.sizes().vec(), ref.sizes().vec());
    const double err = relativeError(ours, ref);
    qInfo("encoder relative error %.3g", err);
    // With the file's own biases the embedding moves as much as upstream's does (1.49e-2).
    const double moved = relativeError(m_model->encode(input), ref);
    qInfo("with weights.pth's attention biases: %.3g", moved);
    QVERIFY(moved > 1e-2 && moved < 2e-2);
    QVERIFY2(err <= 1e-4, qPrintable(QString("relative error %1").arg(err)));
}

void TestLiteMedSamParity::decoder_data() {
    QTest::addColumn<int>("index");
    const QJsonArray cases =
        liteFixtureDir().isEmpty() ? QJsonArray() : m_cases.value("cases").toArray();
    for (int i = 0; i < cases.size(); ++i)
        QTest::newRow(qPrintable(cases[i].toObject().value("name").toString())) << i;
    if (cases.isEmpty())
        QTest::newRow("no fixture") << -1;
}

void TestLiteMedSamParity::decoder() {
    QFETCH(int, index);
    REQUIRE_LITE_FIXTURE();
    at::NoGradGuard noGrad;
    const QJsonObject c = m_cases.value("cases").toArray()[index].toObject();
    const QString name = c.value("name").toString();
    const PromptTensors p = promptsFromFixtureCase(c);
    const at::Tensor embedding = npy(m_dir, "image_embedding.npy");
    const DecoderOutput out = m_model->decodeTensors(embedding, p, c.value("multimask").toBool());
    const at::Tensor refLogits = npy(m_dir, name + "_low_res_logits.npy");
    const at::Tensor refIou = npy(m_dir, name + "_iou_predictions.npy");
    QCOMPARE(out.lowResLogits.sizes().vec(), refLogits.sizes().vec());
    QCOMPARE(out.iouPredictions.sizes().vec(), refIou.sizes().vec());
    const double errLogits = relativeError(out.lowResLogits, refLogits);
    const double errIou = relativeError(out.iouPredictions, refIou);
    qInfo("%s: logits relative error %.3g, iou %.3g", qPrintable(name), errLogits, errIou);
    // Not 1e-4 for the decoder: this decoder's random cross-attention weights (std 0.5) make
    // its softmaxes so peaked that float32 rounding alone moves the logits by ~1e-4. Upstream's
    // own code on this machine (Debian's PyTorch 1.13.1) differs from the fixture by 1.24e-4
    // (box), 5.0e-5 (three_boxes), 7.5e-5 (point); ours differs from that local upstream run by
    // 8.6e-5, 7.2e-5 and 2.5e-5, and from the fixture by 2.0e-4, 1.2e-4 and 6.3e-5 (IoU: up to
    // 1.05e-4, box).
    QVERIFY2(errLogits <= 3e-4, qPrintable(QString("logits error %1").arg(errLogits)));
    QVERIFY2(errIou <= 3e-4, qPrintable(QString("iou error %1").arg(errIou)));
}

void TestLiteMedSamParity::endToEnd() {
    REQUIRE_LITE_FIXTURE();
    at::NoGradGuard noGrad;
    const QJsonObject e2e = m_cases.value("e2e").toObject();
    // The image's geometry (600 x 800) as the profile computes it: 192 x 256 inside 256.
    const at::Tensor image = at::zeros({600, 800, 3}, at::kByte);
    const ImageGeometry g = imageGeometry(image, PreprocessProfile::LiteMedSam, 256);
    QCOMPARE(g.inputHeight, e2e.value("resized_hw").toArray()[0].toInt());
    QCOMPARE(g.inputWidth, e2e.value("resized_hw").toArray()[1].toInt());
    // The box in image pixels -> the 256 frame, truncated as upstream.
    const QJsonArray box = e2e.value("box").toArray();
    Prompts prompts;
    prompts.boxes.push_back(
        {static_cast<float>(box[0].toDouble()), static_cast<float>(box[1].toDouble()),
         static_cast<float>(box[2].toDouble()), static_cast<float>(box[3].toDouble())});
    const Prompts scaled = promptsToInputFrame(prompts, g, PreprocessProfile::LiteMedSam);
    const QJsonArray box256 = e2e.value("box_256").toArray();
    QCOMPARE(scaled.boxes[0].x0, static_cast<float>(box256[0].toDouble()));
    QCOMPARE(scaled.boxes[0].y0, static_cast<float>(box256[1].toDouble()));
    QCOMPARE(scaled.boxes[0].x1, static_cast<float>(box256[2].toDouble()));
    QCOMPARE(scaled.boxes[0].y1, static_cast<float>(box256[3].toDouble()));

    const at::Tensor embedding = m_fixtureModel->encode(npy(m_dir, "e2e_input.npy"));
    const DecoderOutput out = m_fixtureModel->decode(embedding, scaled);
    const at::Tensor ref = npy(m_dir, "e2e_low_res_logits.npy");
    QCOMPARE(out.lowResLogits.sizes().vec(), ref.sizes().vec());
    const double err = relativeError(out.lowResLogits, ref);
    qInfo("e2e logits relative error %.3g", err);
    QVERIFY2(err <= 1e-4, qPrintable(QString("logits error %1").arg(err)));

    const at::Tensor refMask = npy(m_dir, "e2e_mask_600x800.npy").to(at::kBool);
    const at::Tensor fast =
        postprocessMasks(out.lowResLogits, g, PreprocessProfile::LiteMedSam)[0][0].to(at::kBool);
    const at::Tensor slow =
        binarize(postprocessLogits(out.lowResLogits, g, PreprocessProfile::LiteMedSam),
                 PreprocessProfile::LiteMedSam)[0][0];
    QCOMPARE(fast.sizes().vec(), refMask.sizes().vec());
    for (const at::Tensor& ours : {fast, slow}) {
        const double differ = (ours != refMask).to(at::kDouble).mean().item<double>();
        qInfo("e2e mask differs on %.5f%% of pixels", 100 * differ);
        QVERIFY2(differ <= 0.001, qPrintable(QString("differing fraction %1").arg(differ)));
    }
    const double fraction = refMask.to(at::kDouble).mean().item<double>();
    QVERIFY(std::abs(fraction - e2e.value("mask_fraction").toDouble()) < 1e-9);
}

void TestLiteMedSamParity::smallerTinyVitFromShapes_data() {
    QTest::addColumn<bool>("fourStages");
    QTest::newRow("4 stages") << true;
    QTest::newRow("3 stages") << false;
}

void TestLiteMedSamParity::smallerTinyVitFromShapes() {
    // Nothing is fixed to LiteMedSAM's numbers: a smaller TinyViT's own state dict rebuilds the
    // same network, which runs to the 64 x 64 embedding and gives the same output.
    QFETCH(bool, fourStages);
    at::manual_seed(7);
    const SamArchitecture arch = smallTinyVit(fourStages);
    SamModel original(arch);
    TensorMap state = original.stateDict();
    // Random running statistics, so that eval-mode batch norm is exercised.
    for (auto& [key, value] : state) {
        if (key.find("running_var") != std::string::npos)
            value = at::rand_like(value) + 0.5;
        else if (key.find("running_mean") != std::string::npos ||
                 key.find("attention_biases") != std::string::npos)
            value = at::randn_like(value);
    }
    original.loadStateDict(state);
    const std::unique_ptr<SamModel> loaded = SamModel::fromStateDict(state);
    const SamArchitecture& a = loaded->architecture();
    QCOMPARE(a.encoder, std::string("tinyvit"));
    QCOMPARE(a.stages, arch.stages);
    QCOMPARE(a.stemDim, 8);
    QVERIFY(a.name() != "litemedsam");
    at::NoGradGuard noGrad;
    const at::Tensor input = at::rand({2, 3, 256, 256});
    const at::Tensor ours = loaded->encode(input);
    QCOMPARE(ours.sizes().vec(), (std::vector<int64_t>{2, 256, 64, 64}));
    QVERIFY(at::equal(ours, original.encode(input)));
    QVERIFY(ours.isfinite().all().item<bool>());
    // With autograd (Grad-CAM on encoder blocks) the plain path runs: the same numbers.
    at::Tensor plain;
    {
        at::AutoGradMode grad(true);
        plain = loaded->encode(input).detach();
    }
    const double pathErr = relativeError(plain, ours);
    qInfo("autograd path vs inference path: %.3g", pathErr);
    QVERIFY2(pathErr <= 1e-5, qPrintable(QString::number(pathErr)));
    // The blocks the observer sees, channels-first.
    std::vector<std::vector<int64_t>> shapes;
    loaded->modules().imageEncoder->forwardObserved(input, [&](int, const at::Tensor& x) {
        shapes.push_back(x.sizes().vec());
        return x;
    });
    QCOMPARE(static_cast<int>(shapes.size()), loaded->modules().imageEncoder->blockCount());
    QCOMPARE(shapes.front(), (std::vector<int64_t>{2, 16, 256, 256}));
    QCOMPARE(shapes.back(), (std::vector<int64_t>{2, a.stages.back().dim, 64, 64}));
}

void TestLiteMedSamParity::attentionBiases() {
    // One attention module against a plain computation in double, with the bias table built as
    // upstream builds it: offsets (|dy|, |dx|) numbered in order of first appearance over all
    // token pairs of the window.
    at::manual_seed(11);
    SamModel model(smallTinyVit(true));
    TensorMap state = model.stateDict();
    for (auto& [k, v] : state)
        if (k.find("attention_biases") != std::string::npos)
            v = at::randn_like(v);
    model.loadStateDict(state);
    auto modules = model.modules().imageEncoder->named_modules();
    const auto attn =
        std::dynamic_pointer_cast<TinyVitAttentionImpl>(modules["layers.1.blocks.0.attn"]);
    QVERIFY(attn);
    const int64_t ws = 7, n = ws * ws, C = 24, heads = 2, d = C / heads, B = 3;
    const std::string prefix = "image_encoder.layers.1.blocks.0.attn.";
    const auto param = [&](const std::string& name) {
        return state.at(prefix + name).to(at::kDouble);
    };
    at::NoGradGuard noGrad;
    const at::Tensor x = at::randn({B, n, C});
    const at::Tensor ours = attn->forward(x);

    std::map<std::pair<int64_t, int64_t>, int64_t> offsets;
    at::Tensor table = at::empty({heads, n, n}, at::kDouble);
    const at::Tensor biases = param("attention_biases");
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            const std::pair<int64_t, int64_t> o{std::abs(i / ws - j / ws),
                                                std::abs(i % ws - j % ws)};
            if (!offsets.count(o)) {
                const int64_t next = static_cast<int64_t>(offsets.size());
                offsets[o] = next;
            }
            for (int64_t h = 0; h < heads; ++h)
                table[h][i][j] = biases[h][offsets[o]];
        }
    QCOMPARE(offsets.size(), size_t{49});
    const at::Tensor xn =
        at::layer_norm(x.to(at::kDouble), {C}, param("norm.weight"), param("norm.bias"), 1e-5);
    const at::Tensor qkv = at::linear(xn, param("qkv.weight"), param("qkv.bias"))
                               .view({B, n, heads, 3 * d})
                               .permute({0, 2, 1, 3}); // (B, heads, n, 3d): q, k, v per head
    const at::Tensor q = qkv.narrow(3, 0, d), k = qkv.narrow(3, d, d), v = qkv.narrow(3, 2 * d, d);
    const at::Tensor probs =
        at::softmax(at::matmul(q, k.transpose(2, 3)) / std::sqrt(double(d)) + table, -1);
    const at::Tensor out = at::matmul(probs, v).permute({0, 2, 1, 3}).reshape({B, n, C});
    const at::Tensor expected = at::linear(out, param("proj.weight"), param("proj.bias"));
    const double err = relativeError(ours, expected);
    qInfo("attention with learned biases: relative error %.3g", err);
    QVERIFY2(err <= 1e-5, qPrintable(QString("relative error %1").arg(err)));
}

void TestLiteMedSamParity::biasIndexFromCheckpoint() {
    // attention_bias_idxs is not saved upstream, but a file that has it is read, and its values
    // are checked: an index outside the bias table is a ModelError, never an out-of-bounds read.
    at::manual_seed(3);
    const SamArchitecture arch = smallTinyVit(true);
    SamModel original(arch);
    TensorMap state = original.stateDict();
    for (auto& [k, v] : state)
        if (k.find("attention_biases") != std::string::npos)
            v = at::randn_like(v);
    original.loadStateDict(state);
    const std::string key = "image_encoder.layers.1.blocks.0.attn.attention_bias_idxs";
    at::Tensor index = at::zeros({49, 49}); // every pair reads offset 0
    state[key] = index;
    const std::unique_ptr<SamModel> zeroIndex = SamModel::fromStateDict(state);
    at::NoGradGuard noGrad;
    const at::Tensor input = at::rand({1, 3, 256, 256});
    QVERIFY(!at::equal(zeroIndex->encode(input), original.encode(input)));
    state[key] = at::full({49, 49}, 49.0);
    QVERIFY_THROWS_EXCEPTION(ModelError, SamModel::fromStateDict(state));
    state[key] = at::zeros({48, 48});
    QVERIFY_THROWS_EXCEPTION(ModelError, SamModel::fromStateDict(state));
}

void TestLiteMedSamParity::badShapesRefused() {
    at::manual_seed(5);
    const TensorMap good = SamModel(smallTinyVit(true)).stateDict();
    const auto refused = [&](const std::string& key, const at::Tensor& value) {
        TensorMap t = good;
        if (value.defined())
            t[key] = value;
        else
            t.erase(key);
        try {
            SamModel::fromStateDict(t);
        } catch (const ModelError&) {
            return true;
        }
        return false;
    };
    // A window whose offsets are not a square, a huge window, heads not dividing the width,
    // a missing stage weight, a stage 0 that would need gigabytes, a patch merging missing.
    QVERIFY(refused("image_encoder.layers.1.blocks.0.attn.attention_biases", at::zeros({2, 50})));
    QVERIFY(refused("image_encoder.layers.1.blocks.0.attn.attention_biases",
                    at::zeros({2, 1000 * 1000})));
    QVERIFY(refused("image_encoder.layers.1.blocks.0.attn.attention_biases", at::zeros({5, 49})));
    QVERIFY(refused("image_encoder.layers.2.blocks.0.mlp.fc2.weight", {}));
    QVERIFY(refused("image_encoder.layers.0.blocks.0.conv1.c.weight", at::zeros({4000, 16, 1, 1})));
    QVERIFY(refused("image_encoder.layers.0.downsample.conv1.c.weight", {}));
    QVERIFY(refused("image_encoder.patch_embed.seq.0.c.weight", at::zeros({8, 3, 3, 3})));
    // Two stages end at a 128 grid: not the decoder's 64.
    TensorMap two;
    for (const auto& [k, v] : good)
        if (k.rfind("image_encoder.layers.2.", 0) != 0 &&
            k.rfind("image_encoder.layers.3.", 0) != 0)
            two[k] = v;
    QVERIFY_THROWS_EXCEPTION(ModelError, SamModel::fromStateDict(two));
}

QTEST_GUILESS_MAIN(TestLiteMedSamParity)
#include "tst_litemedsam_parity.moc"
