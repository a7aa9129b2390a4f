// Protects the inference-only fast paths (folded decoder, cache, blocked attention) vs autograd's.
// labels: unit
#include "model/flat_linear.h"
#include "model/image_encoder_vit.h"
#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <QTest>

#include <algorithm>
#include <vector>

using namespace dermsam;

namespace {

double relativeError(const at::Tensor& ours, const at::Tensor& ref) {
    return (ours - ref).abs().max().item<double>() / ref.abs().max().item<double>();
}

// Three blocks, one global, windows padded (6 x 6 grid in windows of 4).
SamArchitecture smallVit() {
    SamArchitecture arch;
    arch.imgSize = 96;
    arch.embedDim = 32;
    arch.depth = 3;
    arch.numHeads = 2;
    arch.windowSize = 4;
    arch.mlpDim = 64;
    arch.outChans = 16;
    arch.globalAttnIndexes = {1};
    return arch;
}

} // namespace

class TestInferencePaths : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void decoderMatchesAutogradPath_data();
    void decoderMatchesAutogradPath();
    void cacheFollowsEmbeddingAndWeights();
    void blockedAttentionMatchesPlain_data();
    void blockedAttentionMatchesPlain();
    void biasSelectorGivesTheSum_data();
    void biasSelectorGivesTheSum();
    void relativeTermsMatchDefinition_data();
    void relativeTermsMatchDefinition();
    void flatLinearMatchesModule_data();
    void flatLinearMatchesModule();
    void gridConstantsFollowGridAndMode();
    void residualStreamIsContiguous();
    void encodeStopsBetweenBlocks_data();
    void encodeStopsBetweenBlocks();
    void stoppedEncodeResumes();

private:
    // The decoder run twice: without autograd (fast path, cache) and with it (upstream's form).
    std::pair<DecoderOutput, DecoderOutput> bothPaths(const at::Tensor& embedding,
                                                      const PromptTensors& p, bool multimask);
    at::Tensor parameter(const std::string& name);

    std::unique_ptr<SamModel> m_model;
    at::Tensor m_embedding;
};

void TestInferencePaths::initTestCase() {
    at::manual_seed(11);
    m_model = std::make_unique<SamModel>(SamArchitecture::compact());
    // Double precision: the fast path is the same maths in another order, so the two paths
    // must agree to many digits; a wrong fold would differ at the first.
    m_model->to(at::kCPU, at::kDouble);
    // Random weights are small; scale the decoder's up so attention is far from uniform.
    at::NoGradGuard noGrad;
    for (auto& p : m_model->modules().maskDecoder->parameters())
        p.mul_(3.0);
    m_embedding = at::randn({1, 256, 64, 64}, at::kDouble);
}

at::Tensor TestInferencePaths::parameter(const std::string& name) {
    for (const auto& p : m_model->modules().root->named_parameters(true))
        if (p.key() == name)
            return p.value();
    return {};
}

std::pair<DecoderOutput, DecoderOutput>
TestInferencePaths::bothPaths(const at::Tensor& embedding, const PromptTensors& p, bool multimask) {
    DecoderOutput fast, reference;
    {
        torch::NoGradGuard noGrad;
        fast = m_model->decodeTensors(embedding, p, multimask);
    }
    {
        at::AutoGradMode grad(true);
        reference = m_model->decodeTensors(embedding, p, multimask);
    }
    return {fast, reference};
}

void TestInferencePaths::decoderMatchesAutogradPath_data() {
    QTest::addColumn<int>("boxes");
    QTest::addColumn<int>("points");
    QTest::addColumn<bool>("mask");
    QTest::addColumn<bool>("multimask");
    QTest::newRow("box (cached)") << 1 << 0 << false << false;
    QTest::newRow("box multimask (cached)") << 1 << 0 << false << true;
    QTest::newRow("points (cached)") << 0 << 3 << false << true;
    QTest::newRow("box and mask prompt") << 1 << 0 << true << false;
    QTest::newRow("three boxes") << 3 << 0 << false << false;
    // 8 heads x 16 tokens reaches the internal width: the unfolded form is used.
    QTest::newRow("many points") << 0 << 11 << false << false;
}

void TestInferencePaths::decoderMatchesAutogradPath() {
    QFETCH(int, boxes);
    QFETCH(int, points);
    QFETCH(bool, mask);
    QFETCH(bool, multimask);
    const auto d = at::TensorOptions().dtype(at::kDouble);
    const int64_t n = std::max(boxes, 1);
    PromptTensors p;
    if (boxes > 0)
        p.boxes =
            at::rand({n, 2}, d).mul(400).repeat({1, 2}) + at::tensor({0.0, 0.0, 300.0, 250.0}, d);
    if (points > 0) {
        p.pointCoords = at::rand({n, points, 2}, d) * 1024;
        p.pointLabels = (at::rand({n, points}, d) > 0.3).to(at::kDouble);
    }
    if (mask)
        p.maskInput = at::randn({n, 1, 256, 256}, d) * 4;
    const auto [fast, reference] = bothPaths(m_embedding, p, multimask);
    QCOMPARE(fast.lowResLogits.sizes(), reference.lowResLogits.sizes());
    QCOMPARE(fast.iouPredictions.sizes(), reference.iouPredictions.sizes());
    const double logitsErr = relativeError(fast.lowResLogits, reference.lowResLogits);
    const double iouErr = relativeError(fast.iouPredictions, reference.iouPredictions);
    qInfo("logits relative error %.2e, iou %.2e", logitsErr, iouErr);
    QVERIFY2(logitsErr < 1e-10, qPrintable(QString::number(logitsErr)));
    QVERIFY2(iouErr < 1e-10, qPrintable(QString::number(iouErr)));
}

void TestInferencePaths::cacheFollowsEmbeddingAndWeights() {
    PromptTensors box;
    box.boxes = at::tensor({100.0, 120.0, 700.0, 650.0}, at::kDouble).view({1, 4});
    auto check = [&](const at::Tensor& embedding, const char* what) {
        const auto [fast, reference] = bothPaths(embedding, box, false);
        const double err = relativeError(fast.lowResLogits, reference.lowResLogits);
        QVERIFY2(err < 1e-10, qPrintable(QString("%1: %2").arg(what).arg(err)));
    };
    at::Tensor a = m_embedding.clone();
    const at::Tensor b = at::randn_like(a);
    check(a, "first image");
    check(a, "first image again (from the cache)");
    check(b, "another image");
    check(a, "back to the first");
    {
        // An in-place change of the embedding (a normal tensor has a version counter).
        at::NoGradGuard noGrad;
        a.mul_(-0.5);
    }
    check(a, "embedding changed in place");
    {
        // What a fine-tuning step does to a first-layer weight the cache depends on.
        at::NoGradGuard noGrad;
        parameter("mask_decoder.transformer.layers.0.cross_attn_token_to_image.k_proj.weight")
            .add_(0.05);
    }
    check(a, "first-layer weight changed in place");
    {
        at::NoGradGuard noGrad;
        parameter("prompt_encoder.no_mask_embed.weight").add_(0.3);
    }
    check(a, "no-mask embedding changed");
}

void TestInferencePaths::blockedAttentionMatchesPlain_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("grid");
    QTest::addColumn<int>("heads");
    QTest::addColumn<bool>("relPos");
    // Global attention: blocks of grid rows, the last one partial (50 rows in blocks of 4).
    QTest::newRow("global 50x50") << 1 << 50 << 4 << true;
    // Windowed attention: blocks of whole windows x heads (13 of 300), the last group partial.
    QTest::newRow("windows 14x14") << 25 << 14 << 12 << true;
    QTest::newRow("no relative positions") << 3 << 20 << 2 << false;
}

void TestInferencePaths::blockedAttentionMatchesPlain() {
    QFETCH(int, batch);
    QFETCH(int, grid);
    QFETCH(int, heads);
    QFETCH(bool, relPos);
    at::manual_seed(5);
    VitAttention attn(8 * heads, heads, relPos, grid);
    attn->to(at::kDouble);
    {
        at::NoGradGuard noGrad;
        for (auto& p : attn->named_parameters())
            p.value().copy_(at::randn_like(p.value()) * 0.3);
    }
    const at::Tensor x = at::randn({batch, grid, grid, 8 * heads}, at::kDouble);
    at::Tensor blocked, plain;
    {
        torch::NoGradGuard noGrad;
        blocked = attn->forward(x);
    }
    {
        // With autograd on, the plain (head-chunked) form runs.
        at::AutoGradMode grad(true);
        plain = attn->forward(x).detach();
    }
    QCOMPARE(blocked.sizes(), plain.sizes());
    const double err = relativeError(blocked, plain);
    qInfo("blocked attention relative error %.2e", err);
    QVERIFY2(err < 1e-12, qPrintable(QString::number(err)));
}

void TestInferencePaths::biasSelectorGivesTheSum_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<int>("H");
    QTest::addColumn<int>("W");
    const std::pair<const char*, at::ScalarType> types[] = {
        {"float64", at::kDouble}, {"float32", at::kFloat}, {"bfloat16", at::kBFloat16}};
    for (const auto& [name, type] : types) {
        // A window of ViT-B, and a non-square grid (rows and columns must not be swapped).
        QTest::addRow("%s 14x14", name) << int(type) << 14 << 14;
        QTest::addRow("%s 5x9", name) << int(type) << 5 << 9;
    }
}

// The GPU path forms the bias as [relH | relW] x selector on the matrix units; with two non-zero
// products per output it must equal the broadcasting sum bit for bit, in every precision.
void TestInferencePaths::biasSelectorGivesTheSum() {
    QFETCH(int, dtype);
    QFETCH(int, H);
    QFETCH(int, W);
    const auto type = static_cast<at::ScalarType>(dtype);
    at::manual_seed(11);
    const int64_t BH = 6;
    const auto opts = at::TensorOptions().dtype(type);
    const at::Tensor relH = at::randn({BH, H, W, H}, at::kDouble).to(type);
    const at::Tensor relW = at::randn({BH, H, W, W}, at::kDouble).to(type);
    const at::Tensor selector = attentionBiasSelector(H, W, opts);
    QCOMPARE(selector.sizes(), (at::IntArrayRef{H + W, H * W}));
    const at::Tensor product = decomposedAttentionBias(relH, relW, selector);
    const at::Tensor sum = decomposedAttentionBias(relH, relW, at::Tensor());
    QCOMPARE(product.sizes(), (at::IntArrayRef{BH, H * W, H * W}));
    QCOMPARE(product.scalar_type(), type);
    // Spot check against the definition: query (i, j), key (jh, jw).
    const int64_t b = 4, i = 2, j = W - 1, jh = H - 2, jw = 3;
    const double expected = relH[b][i][j][jh].to(at::kDouble).item<double>() +
                            relW[b][i][j][jw].to(at::kDouble).item<double>();
    QVERIFY(std::abs(sum[b][i * W + j][jh * W + jw].to(at::kDouble).item<double>() - expected) <=
            0.01 * std::abs(expected) + 1e-12);
    QVERIFY2(at::equal(product, sum), "selector product differs from the sum");

    // Padded to whole rows of 16 (what the GPU path asks for): the same values, read through a
    // view whose rows start at aligned addresses.
    const int64_t columns = (H * W + 15) / 16 * 16;
    const at::Tensor padded = attentionBiasSelector(H, W, opts, columns);
    QCOMPARE(padded.sizes(), (at::IntArrayRef{H + W, columns}));
    QVERIFY(at::equal(padded.narrow(1, 0, H * W), selector));
    QCOMPARE(padded.narrow(1, H * W, columns - H * W).abs().sum().item<double>(), 0.0);
    const at::Tensor aligned = decomposedAttentionBias(relH, relW, padded);
    QCOMPARE(aligned.sizes(), (at::IntArrayRef{BH, H * W, H * W}));
    QCOMPARE(aligned.stride(1), columns);
    QVERIFY2(at::equal(aligned, sum), "padded selector product differs from the sum");
}

void TestInferencePaths::relativeTermsMatchDefinition_data() {
    QTest::addColumn<int>("H");
    QTest::addColumn<int>("W");
    QTest::addRow("window 14x14") << 14 << 14;
    QTest::addRow("5x9") << 5 << 9;
    QTest::addRow("9x5") << 9 << 5;
    QTest::addRow("one row") << 1 << 4;
}

// relativePositionTerms reads both terms out of one product through strided views; an off-by-one
// in a stride or an offset would pair a query row with the wrong distance. Checked against
// upstream's definition, tables gathered by explicit indices.
void TestInferencePaths::relativeTermsMatchDefinition() {
    QFETCH(int, H);
    QFETCH(int, W);
    at::manual_seed(5);
    const int64_t BH = 3, c = 8;
    const auto leaf = [](at::IntArrayRef shape) {
        return at::randn(shape, at::kDouble).requires_grad_(true);
    };
    const at::Tensor q = leaf({BH, H * W, c}), tableH = leaf({2 * H - 1, c}),
                     tableW = leaf({2 * W - 1, c});
    const auto [relH, relW] = relativePositionTerms(q, tableH, tableW, H, W);
    QCOMPARE(relH.sizes(), (at::IntArrayRef{BH, H, W, H}));
    QCOMPARE(relW.sizes(), (at::IntArrayRef{BH, H, W, W}));
    auto distances = [](int64_t n) {
        const at::Tensor i = at::arange(n, at::kLong);
        return i.unsqueeze(1) - i.unsqueeze(0) + (n - 1); // [query, key] -> table row
    };
    const at::Tensor rq = q.view({BH, H, W, c});
    const at::Tensor expectedH = at::einsum("bhwc,hkc->bhwk", {rq, tableH.index({distances(H)})});
    const at::Tensor expectedW = at::einsum("bhwc,wkc->bhwk", {rq, tableW.index({distances(W)})});
    QVERIFY(at::allclose(relH, expectedH, 1e-12, 1e-12));
    QVERIFY(at::allclose(relW, expectedW, 1e-12, 1e-12));

    // Gradients through the strided views (Grad-CAM or training on encoder blocks) are the
    // definition's too.
    const at::Tensor wh = at::randn_like(expectedH), ww = at::randn_like(expectedW);
    const auto grads = [&](const at::Tensor& a, const at::Tensor& b) {
        return torch::autograd::grad({(a * wh).sum() + (b * ww).sum()}, {q, tableH, tableW});
    };
    const auto ours = grads(relH, relW), expected = grads(expectedH, expectedW);
    for (size_t i = 0; i < ours.size(); ++i)
        QVERIFY2(at::allclose(ours[i], expected[i], 1e-12, 1e-12), qPrintable(QString::number(i)));
}

void TestInferencePaths::flatLinearMatchesModule_data() {
    QTest::addColumn<int>("dims");
    QTest::addColumn<bool>("withGelu");
    for (int dims : {2, 3, 4}) {
        QTest::addRow("%d-D", dims) << dims << false;
        QTest::addRow("%d-D, GELU", dims) << dims << true;
    }
}

// The encoder's linears run as one product with the bias (and, in bfloat16 on CUDA, the GELU)
// inside it; the result must be the layer's, in the input's shape. The CPU's GELU is the exact
// one (CUDA's epilogue uses the tanh form: gpu-check's bfloat16 tolerances cover it).
void TestInferencePaths::flatLinearMatchesModule() {
    QFETCH(int, dims);
    QFETCH(bool, withGelu);
    at::manual_seed(9);
    torch::nn::Linear layer(12, 7);
    layer->to(at::kDouble);
    std::vector<int64_t> shape = {2, 3, 5, 12};
    shape.erase(shape.begin(), shape.begin() + (4 - dims));
    const at::Tensor x = at::randn(shape, at::kDouble);
    at::NoGradGuard noGrad;
    at::Tensor expected = layer->forward(x);
    if (withGelu)
        expected = at::gelu(expected);
    const at::Tensor ours = flatLinear(layer, x, withGelu);
    shape.back() = 7;
    QCOMPARE(ours.sizes(), at::IntArrayRef(shape));
    QVERIFY2(at::allclose(ours, expected, 1e-12, 1e-12),
             qPrintable(QString::number((ours - expected).abs().max().item<double>())));
}

// The relative-position indices and the selector are made once per grid: a second grid size
// must not reuse the first's, and a first call under InferenceMode must not leave tensors that
// autograd refuses to save (Grad-CAM on encoder blocks, encoder training).
void TestInferencePaths::gridConstantsFollowGridAndMode() {
    at::manual_seed(3);
    const int64_t heads = 2, dim = 8 * heads, grid = 6;
    VitAttention cached(dim, heads, true, grid);
    VitAttention fresh(dim, heads, true, grid);
    {
        at::NoGradGuard noGrad;
        auto same = fresh->named_parameters();
        for (auto& p : cached->named_parameters()) {
            p.value().copy_(at::randn_like(p.value()) * 0.3);
            same[p.key()].copy_(p.value());
        }
    }
    const at::Tensor big = at::randn({1, grid, grid, dim});
    const at::Tensor small = at::randn({2, 4, 5, dim}); // another grid: tables resized, new index
    at::Tensor first, other, again;
    {
        c10::InferenceMode inference;
        first = cached->forward(big).clone();
        other = cached->forward(small).clone();
        again = cached->forward(big).clone(); // back to the first grid, made anew in this mode
    }
    {
        // The constants of the last grid were made under InferenceMode.
        at::AutoGradMode grad(true);
        const at::Tensor loss = cached->forward(big).square().sum();
        loss.backward();
        const at::Tensor g = cached->named_parameters()["rel_pos_h"].grad();
        QVERIFY(g.defined());
        QVERIFY(g.abs().sum().item<double>() > 0);
    }
    at::NoGradGuard noGrad;
    const at::Tensor expected = fresh->forward(big);
    QVERIFY(at::equal(first, expected));
    QVERIFY(at::equal(again, expected));
    QVERIFY(at::equal(other, fresh->forward(small)));
}

// The patch embedding is a permuted view of the convolution's output. Carried into the blocks,
// the residual stream kept that channels-first memory order, so every residual add and layer
// norm of every block was a transposing pass (about 0.4 s of a 6.5 s ViT-B encode on the CPU).
void TestInferencePaths::residualStreamIsContiguous() {
    ImageEncoderVit encoder(smallVit());
    c10::InferenceMode inference;
    std::vector<bool> contiguous;
    const at::Tensor out =
        encoder.forwardObserved(at::randn({1, 3, 96, 96}), [&](int, const at::Tensor& x) {
            contiguous.push_back(x.is_contiguous());
            return x;
        });
    QCOMPARE(out.sizes(), (at::IntArrayRef{1, 16, 6, 6}));
    QCOMPARE(contiguous, std::vector<bool>(3, true));
}

void TestInferencePaths::encodeStopsBetweenBlocks_data() {
    QTest::addColumn<int>("stopAt"); // the call of stop() that says yes; 0: never
    QTest::newRow("never") << 0;
    QTest::newRow("before starting") << 1;
    QTest::newRow("in the first block") << 3;
    QTest::newRow("later") << 12;
}

// A background encode (the viewer's prefetch) gives way at the first yes, inside blocks too;
// one that is never stopped gives exactly the normal result.
void TestInferencePaths::encodeStopsBetweenBlocks() {
    QFETCH(int, stopAt);
    at::manual_seed(2);
    const SamModel model(smallVit());
    c10::InferenceMode inference;
    const at::Tensor input = at::randn({1, 3, 96, 96});
    int asked = 0;
    const auto stop = [&] { return ++asked == stopAt; };
    if (stopAt == 0) {
        QVERIFY(at::equal(model.encode(input, stop), model.encode(input)));
        // Asked before starting, after each of the 3 blocks, and within each block.
        QVERIFY2(asked > 1 + 3 * 2, qPrintable(QString::number(asked)));
        return;
    }
    try {
        model.encode(input, stop);
        QFAIL("the encode was not stopped");
    } catch (const ModelError& e) {
        QCOMPARE(e.code(), ErrorCode::Cancelled);
    }
    QCOMPARE(asked, stopAt);
}

// Stopped again and again and resumed each time, an encode gives exactly the uninterrupted
// result, going on from the last finished block. An encoder that cannot resume (the compact
// CNN) starts again instead.
void TestInferencePaths::stoppedEncodeResumes() {
    at::manual_seed(4);
    const SamModel model(smallVit());
    c10::InferenceMode inference;
    const at::Tensor input = at::randn({1, 3, 96, 96});
    const at::Tensor expected = model.encode(input);
    int asked = 0;
    model.encode(input, [&] { return ++asked < 0; });
    const int total = asked; // stop() calls of a whole encode

    EncodeResume resume;
    std::vector<int> done;
    at::Tensor out;
    for (int attempt = 0; attempt < 20 && !out.defined(); ++attempt) {
        asked = 0;
        try {
            // Each attempt gets a third of a whole encode's asks before it is stopped.
            out = model.encode(
                input, [&] { return ++asked > total / 3; }, &resume);
        } catch (const ModelError& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
            done.push_back(resume.done);
        }
    }
    QVERIFY(out.defined());
    QVERIFY(at::equal(out, expected));
    QVERIFY(!resume.activation.defined());
    QVERIFY2(done.size() >= 2, qPrintable(QString::number(done.size())));
    QVERIFY(std::is_sorted(done.begin(), done.end()));
    QVERIFY(done.front() >= 0); // the first attempt finished a block

    const SamModel compact(SamArchitecture::compact());
    const at::Tensor image = at::randn({1, 3, 256, 256});
    EncodeResume fromCompact;
    asked = 0;
    QVERIFY_THROWS_EXCEPTION(ModelError, compact.encode(
                                             image, [&] { return ++asked == 2; }, &fromCompact));
    QVERIFY(fromCompact.activation.defined());
    QVERIFY(at::equal(compact.encode(
                          image, [] { return false; }, &fromCompact),
                      compact.encode(image)));
}

QTEST_GUILESS_MAIN(TestInferencePaths)
#include "tst_inference_paths.moc"
