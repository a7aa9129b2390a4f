// Protects GraphedFunction and GraphedStep: graphed calls equal eager calls for fresh inputs, a
// step runs exactly once per call; CPU falls back.
// labels: unit
#include "model/cuda_graph.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <QTest>

using namespace dermsam;

class TestCudaGraph : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cpuCallsTheFunction_data();
    void cpuCallsTheFunction();
    void cudaReplaysWithNewInputs();
    void cudaDecodeMatchesEager();
    void stepRunsOncePerCall_data();
    void stepRunsOncePerCall();
};

void TestCudaGraph::cpuCallsTheFunction_data() {
    QTest::addColumn<int>("rows");
    QTest::newRow("4 rows") << 4;
    QTest::newRow("9 rows") << 9;
}

// Off the GPU the wrapper must be the function itself: same values, every call, any shape.
void TestCudaGraph::cpuCallsTheFunction() {
    QFETCH(int, rows);
    int calls = 0;
    GraphedFunction f([&calls](const std::vector<at::Tensor>& in) {
        ++calls;
        return std::vector<at::Tensor>{in[0].matmul(in[1]) + 1, in[0].sum()};
    });
    const at::Tensor a = at::randn({rows, 5}), b = at::randn({5, 3});
    const std::vector<at::Tensor> out = f({a, b});
    QCOMPARE(calls, 1);
    QCOMPARE(out.size(), size_t(2));
    QVERIFY(at::equal(out[0], a.matmul(b) + 1));
    QVERIFY(at::equal(out[1], a.sum()));
    QVERIFY(!f.captured());
    QVERIFY(f.fallbackReason().empty());
}

// A replay must read the new input values, not the ones seen at capture, and a shape change
// must capture again rather than replay the wrong buffers.
void TestCudaGraph::cudaReplaysWithNewInputs() {
    if (!torch::cuda::is_available())
        QSKIP("no CUDA device: GPU path not exercised (run tools/gpu/run.sh on a GPU machine)");
    QVERIFY(GraphedFunction::supported());
    const c10::Device cuda(c10::kCUDA, 0);
    GraphedFunction f([](const std::vector<at::Tensor>& in) {
        return std::vector<at::Tensor>{at::relu(in[0].matmul(in[1])) * 2};
    });
    for (int64_t rows : {8, 8, 8, 16, 16}) {
        const at::Tensor a = at::randn({rows, 32}, cuda), b = at::randn({32, 4}, cuda);
        const at::Tensor expected = at::relu(a.matmul(b)) * 2;
        const std::vector<at::Tensor> out = f({a, b});
        QVERIFY2(f.captured(), f.fallbackReason().c_str());
        QVERIFY(at::allclose(out[0], expected, 1e-5, 1e-5));
    }
}

// The decoder is what the application graphs: two different embeddings through one graph give
// what eager decoding gives for each.
void TestCudaGraph::cudaDecodeMatchesEager() {
    if (!torch::cuda::is_available())
        QSKIP("no CUDA device: GPU path not exercised (run tools/gpu/run.sh on a GPU machine)");
    const c10::Device cuda(c10::kCUDA, 0);
    at::manual_seed(5);
    SamModel model(SamArchitecture::compact());
    model.to(cuda);
    c10::InferenceMode guard;
    GraphedFunction decode([&model](const std::vector<at::Tensor>& in) {
        PromptTensors p;
        p.boxes = in[1];
        const DecoderOutput o = model.decodeTensors(in[0], p, false);
        return std::vector<at::Tensor>{o.lowResLogits, o.iouPredictions};
    });
    const at::Tensor box = at::tensor({100.f, 120.f, 600.f, 700.f}).view({1, 4}).to(cuda);
    for (int i = 0; i < 3; ++i) {
        const at::Tensor emb = at::randn({1, 256, 64, 64}, cuda);
        PromptTensors p;
        p.boxes = box;
        const DecoderOutput ref = model.decodeTensors(emb, p, false);
        const std::vector<at::Tensor> out = decode({emb, box});
        QVERIFY2(decode.captured(), decode.fallbackReason().c_str());
        QVERIFY(at::allclose(out[0], ref.lowResLogits, 1e-4, 1e-4));
        QVERIFY(at::allclose(out[1], ref.iouPredictions, 1e-4, 1e-4));
    }
}

void TestCudaGraph::stepRunsOncePerCall_data() {
    QTest::addColumn<bool>("cuda");
    QTest::newRow("cpu") << false;
    QTest::newRow("cuda") << true;
}

// A step with side effects (a training step updates weights in place) must take effect exactly
// once per call: during warm-up, at the call that captures, on replays, and for an input of
// another shape, which runs eagerly beside the graph.
void TestCudaGraph::stepRunsOncePerCall() {
    QFETCH(bool, cuda);
    if (cuda && !torch::cuda::is_available())
        QSKIP("no CUDA device: GPU path not exercised (run tools/gpu/run.sh on a GPU machine)");
    const c10::Device device = cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    at::Tensor state = at::zeros({4}, device);
    GraphedStep step([&state](const std::vector<at::Tensor>& in) {
        state.add_(in[0].sum(0));
        return std::vector<at::Tensor>{state * 1};
    });
    at::Tensor expected = at::zeros({4}, at::kDouble);
    for (int call = 0; call < 7; ++call) {
        const int64_t rows = call == 5 ? 3 : 2; // one call of another shape
        const at::Tensor in = at::full({rows, 4}, double(call + 1), device);
        expected += double(rows * (call + 1));
        const std::vector<at::Tensor> out = step({in});
        QVERIFY(at::allclose(out[0].to(at::kCPU, at::kDouble), expected));
        QVERIFY(at::allclose(state.to(at::kCPU, at::kDouble), expected));
    }
    // Three warm-up calls, then capture: on CUDA the later calls were replays.
    QCOMPARE(step.captured(), cuda && GraphedFunction::supported());
    if (!cuda)
        QVERIFY(step.fallbackReason().empty());
}

QTEST_GUILESS_MAIN(TestCudaGraph)
#include "tst_cuda_graph.moc"
