// GPU checks that need only LibTorch (so they build on the GPU machine): CUDA float32 against CPU
// float32, bfloat16 masks against float32 masks, CUDA graphs against eager calls (with their
// timings). Prints SKIP and exits 0 without CUDA.
#include "model/autocast.h"
#include "model/cuda_graph.h"
#include "model/device.h"
#include "model/gradcam.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"
#include "model/serialization/npy_dataset.h"
#include "model/trainer.h"
#include "model/training_data.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

using namespace dermsam;

namespace {

int failures = 0;
int passes = 0;

void check(bool ok, const char* what, double value, double limit) {
    std::printf("%s %s: %.3g (limit %.3g)\n", ok ? "PASS" : "FAIL", what, value, limit);
    ++(ok ? passes : failures);
}

double relativeError(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor x = a.to(at::kCPU, at::kDouble), y = b.to(at::kCPU, at::kDouble);
    return (x - y).abs().max().item<double>() / y.abs().max().item<double>();
}

// CUDA float32 (TF32 off) must reproduce CPU float32 on a seeded random ViT-B.
void parity() {
    c10::InferenceMode guard;
    at::manual_seed(0);
    SamModel model(SamArchitecture::vitB());
    // Non-zero relative-position tables and positions so every term is exercised.
    for (const auto& p : model.modules().root->named_parameters(true))
        if (p.key().find("rel_pos") != std::string::npos ||
            p.key().find("pos_embed") != std::string::npos)
            p.value().normal_(0, 0.02);
    const at::Tensor input = at::randn({1, 3, 1024, 1024});
    Prompts box;
    box.boxes.push_back({300, 280, 700, 760});
    const at::Tensor embCpu = model.encode(input);
    const DecoderOutput outCpu = model.decode(embCpu, box);
    configureCuda(false);
    model.to(c10::Device(c10::kCUDA, 0));
    const at::Tensor embGpu = model.encode(input);
    const DecoderOutput outGpu = model.decode(embGpu, box);
    check(relativeError(embGpu, embCpu) <= 1e-3, "vit_b embedding cuda fp32 vs cpu fp32",
          relativeError(embGpu, embCpu), 1e-3);
    check(relativeError(outGpu.lowResLogits, outCpu.lowResLogits) <= 1e-3,
          "vit_b logits cuda fp32 vs cpu fp32",
          relativeError(outGpu.lowResLogits, outCpu.lowResLogits), 1e-3);
    // The reduced-precision paths (TF32 products; bfloat16, where the attention bias is a
    // matrix product with a selector) against the same CPU float32 reference, at the error
    // those formats carry.
    configureCuda(true);
    const at::Tensor embTf32 = model.encode(input);
    check(relativeError(embTf32, embCpu) <= 5e-3, "vit_b embedding cuda tf32 vs cpu fp32",
          relativeError(embTf32, embCpu), 5e-3);
    model.to(c10::Device(c10::kCUDA, 0), c10::kBFloat16);
    const at::Tensor embBf16 = model.encode(input.to(c10::kBFloat16));
    check(relativeError(embBf16, embCpu) <= 5e-2, "vit_b embedding cuda bf16 vs cpu fp32",
          relativeError(embBf16, embCpu), 5e-2);
    model.to(c10::Device(c10::kCUDA, 0), c10::kHalf);
    const at::Tensor embHalf = model.encode(input.to(c10::kHalf));
    check(relativeError(embHalf, embCpu) <= 5e-2, "vit_b embedding cuda fp16 vs cpu fp32",
          relativeError(embHalf, embCpu), 5e-2);
    configureCuda(false);
}

// The decoder's autograd path (training, Grad-CAM) on CUDA: float32 gradients against the CPU's
// (which tests/model/tst_decoder_training_path holds to upstream's structure), and bfloat16
// autocast, whose norms and softmaxes must stay in bfloat16 where CUDA's policy would not.
void trainingParity() {
    const c10::Device cuda(c10::kCUDA, 0);
    at::manual_seed(4);
    SamModel model(SamArchitecture::compact());
    {
        at::NoGradGuard ng;
        for (auto& p : model.modules().root->parameters(true))
            p.copy_(at::randn_like(p) * 0.1);
    }
    const int64_t b = 8;
    const at::Tensor embedding = at::randn({b, 256, 64, 64});
    const at::Tensor lo = at::rand({b, 2}) * 120;
    PromptTensors prompts;
    prompts.boxes = at::cat({lo, lo + 40 + at::rand({b, 2}) * 90}, 1);
    const at::Tensor lw = at::randn({b, 1, 256, 256}), iw = at::randn({b, 1});
    auto gradients = [&](c10::ScalarType autocast) {
        std::vector<at::Tensor> out;
        // Every parameter's: the prompt encoder's gradients of the CPU pass stay on the CPU
        // when the model moves, and the CUDA pass would accumulate into them.
        for (auto& p : model.modules().root->parameters(true))
            p.mutable_grad() = at::Tensor();
        for (auto& p : model.modules().maskDecoder->parameters(true))
            p.set_requires_grad(true);
        at::Tensor loss;
        {
            AutocastScope scope(model.device(), autocast);
            PromptTensors onDevice;
            onDevice.boxes = prompts.boxes.to(model.device());
            const DecoderOutput o =
                model.decodeTensors(embedding.to(model.device()), onDevice, false);
            const auto dev = o.lowResLogits.device();
            loss = (o.lowResLogits.to(at::kFloat) * lw.to(dev)).sum() +
                   (o.iouPredictions.to(at::kFloat) * iw.to(dev)).sum();
            out.push_back(o.lowResLogits.detach().to(at::kCPU, at::kFloat));
        }
        loss.backward();
        for (auto& p : model.modules().maskDecoder->parameters(true)) {
            out.push_back(p.grad().defined() ? p.grad().to(at::kCPU) : at::zeros_like(p, at::kCPU));
            p.set_requires_grad(false);
        }
        return out;
    };
    const auto cpu = gradients(at::kFloat);
    configureCuda(false);
    model.to(cuda);
    const auto fp32 = gradients(at::kFloat);
    const auto bf16 = gradients(at::kBFloat16);
    // Tensors whose gradients are below a thousandth of the largest are left out: among them
    // the key-projection biases, zero in exact arithmetic (softmax ignores them), only rounding.
    double largest = 0, worst = 0;
    for (size_t i = 1; i < cpu.size(); ++i)
        largest = std::max(largest, cpu[i].abs().max().item<double>());
    for (size_t i = 0; i < cpu.size(); ++i)
        if (i == 0 || cpu[i].abs().max().item<double>() > 1e-3 * largest)
            worst = std::max(worst, relativeError(fp32[i], cpu[i]));
    check(worst <= 1e-3, "decoder logits and gradients cuda fp32 vs cpu fp32 (worst tensor)", worst,
          1e-3);
    auto flat = [](const std::vector<at::Tensor>& v) {
        std::vector<at::Tensor> f;
        for (size_t i = 1; i < v.size(); ++i)
            f.push_back(v[i].reshape({-1}).to(at::kDouble));
        return at::cat(f).view({1, -1});
    };
    const double logitErr = relativeError(bf16[0], cpu[0]);
    check(logitErr <= 5e-2, "decoder logits cuda bf16 autocast vs cpu fp32", logitErr, 5e-2);
    const double cosine = at::cosine_similarity(flat(bf16), flat(cpu)).item<double>();
    check(cosine >= 0.99, "decoder gradients cuda bf16 autocast vs cpu fp32 (cosine)", cosine,
          0.99);
    // The reason for layerNormInType: CUDA autocast would return float32 here.
    const at::Tensor x = at::randn({64, 256}, at::TensorOptions().device(cuda)).to(at::kBFloat16);
    const at::Tensor w = at::ones({256}, x.options().dtype(at::kFloat)), z = at::zeros_like(w);
    AutocastScope scope(cuda, at::kBFloat16);
    const bool kept = layerNormInType(x, {256}, w, z, 1e-5).scalar_type() == at::kBFloat16 &&
                      softmaxInType(x, -1).scalar_type() == at::kBFloat16;
    check(kept, "bf16 autocast: decoder norms and softmaxes stay bf16", kept ? 1 : 0, 1);
    try {
        const auto policy = at::layer_norm(x, {256}, w, z, 1e-5).scalar_type();
        std::printf("note: autocast's own policy returns layer_norm in %s\n",
                    c10::toString(policy));
    } catch (const c10::Error&) {
        std::printf("note: autocast's own policy does not run layer_norm on these types\n");
    }
}

// A training step replayed from a CUDA graph must train as the eager step does: a capture that
// missed the backward pass or the optimizer's kernels would replay stale updates silently.
// Returns the eager run's weights. reference: float32 eager weights of the same run (seed, data
// and steps), the yardstick for the bfloat16 comparison.
TensorMap trainGraphs(c10::ScalarType autocast, const TensorMap* reference) {
    configureCuda(false);
    const c10::Device cuda(c10::kCUDA, 0);
    at::manual_seed(5); // the same data in the float32 and the bfloat16 call
    const TrainingSet set = syntheticEmbeddingSet(64, 256, 64); // 8 steps of 8 per epoch
    std::vector<double> losses[2];
    TensorMap weights[2], initial;
    std::string mode[2];
    for (int run = 0; run < 2; ++run) {
        at::manual_seed(6);
        SamModel model(SamArchitecture::compact());
        model.to(cuda);
        TrainOptions o;
        o.epochs = 3;
        o.batchSize = 8;
        o.lr = 1e-4;
        o.patience = 0;
        o.autocast = autocast;
        o.cudaGraphs = run == 1;
        if (run == 0)
            for (const auto& [name, t] : model.stateDict())
                initial[name] = t.to(at::kCPU, at::kDouble);
        Trainer trainer(model, PreprocessProfile::MedSam, o);
        TrainCallbacks cb;
        cb.epoch = [&](const EpochReport& r) { losses[run].push_back(r.trainLoss); };
        trainer.fit(set, TrainingSet{}, TrainState{}, cb);
        weights[run] = model.stateDict();
        mode[run] = trainer.stepMode();
    }
    const std::string what = std::string("training steps graphed vs eager, ") +
                             (autocast == at::kFloat ? "fp32" : "bf16 autocast");
    std::printf("%s: step modes %s / %s\n", what.c_str(), mode[0].c_str(), mode[1].c_str());
    check(mode[1] == "graph", (what + ": captured").c_str(), mode[1] == "graph" ? 1 : 0, 1);
    double lossErr = 0;
    for (size_t e = 0; e < losses[0].size() && e < losses[1].size(); ++e)
        lossErr = std::max(lossErr, std::abs(losses[1][e] - losses[0][e]) / losses[0][e]);
    check(losses[1].size() == losses[0].size() && lossErr <= 1e-4,
          (what + ": epoch losses (relative)").c_str(), lossErr, 1e-4);
    // Key-projection biases are left out: zero gradients in exact arithmetic, which AdamW
    // scales from rounding noise into whole steps.
    auto distance = [](const TensorMap& a, const TensorMap& b) {
        double sum = 0, largest = 0;
        for (const auto& [name, t] : a) {
            if (name.find("k_proj.bias") != std::string::npos)
                continue;
            const at::Tensor d = t.to(at::kCPU, at::kDouble) - b.at(name).to(at::kCPU, at::kDouble);
            sum += d.square().sum().item<double>();
            largest = std::max(largest, d.abs().max().item<double>());
        }
        return std::make_pair(std::sqrt(sum), largest);
    };
    const auto [apart, largest] = distance(weights[1], weights[0]);
    const double moved = distance(weights[0], initial).first;
    std::printf("%s: weights apart %.3g (L2), %.3g (max abs); moved by training %.3g (L2)\n",
                what.c_str(), apart, largest, moved);
    // A capture that missed the optimizer's kernels leaves the runs about as far apart as training
    // moved the weights (a ratio near 1).
    if (autocast == at::kFloat) {
        // Single weights are not compared: AdamW turns gradients near zero into steps of the
        // full learning rate, whose sign rounding decides (4e-7, 1.3e-5 and 6.5e-5 in three H100
        // runs of 2026-11-27).
        check(apart <= 1e-3 * moved, (what + ": weights apart / moved (L2)").c_str(), apart / moved,
              1e-3);
    } else if (reference) {
        // bfloat16 rounds each step, and kernels chosen differently inside a capture round
        // differently: the graphed run must stay closer to the eager one than bfloat16 itself
        // is to float32 (same seed, data and steps).
        const double precision = distance(weights[0], *reference).first;
        std::printf("%s: eager bf16 vs eager fp32 weights %.3g (L2)\n", what.c_str(), precision);
        check(apart <= precision, (what + ": weights apart / bf16-vs-fp32 apart (L2)").c_str(),
              apart / precision, 1);
    }
    return weights[0];
}

// bfloat16 masks must agree with float32 masks on real images (IoU >= 0.99 on average).
void bf16(const std::string& modelPath, const std::string& data, int limit) {
    c10::InferenceMode guard;
    LoadedModel m = loadModel(modelPath);
    auto fp32 = std::make_shared<SamModel>(m.model->architecture());
    fp32->loadStateDict(m.model->stateDict());
    fp32->to(c10::Device(c10::kCUDA, 0), c10::kFloat);
    auto half = std::make_shared<SamModel>(m.model->architecture());
    half->loadStateDict(m.model->stateDict());
    half->to(c10::Device(c10::kCUDA, 0), c10::kBFloat16);
    const Predictor a(fp32, m.profile), b(half, m.profile);
    const std::vector<std::string> ids = listNpyDataset(data);
    double iouSum = 0, worst = 1;
    int n = 0;
    for (const std::string& id : ids) {
        if (n >= limit)
            break;
        const ImageMaskPair p = readNpyPair(data, id);
        const at::Tensor nz = p.mask.nonzero();
        if (nz.size(0) == 0)
            continue;
        Prompts box;
        box.boxes.push_back(
            {nz.select(1, 1).min().item<float>(), nz.select(1, 0).min().item<float>(),
             nz.select(1, 1).max().item<float>(), nz.select(1, 0).max().item<float>()});
        const at::Tensor ma = a.decode(a.encode(p.image), box).masks.to(at::kBool);
        const at::Tensor mb = b.decode(b.encode(p.image), box).masks.to(at::kBool);
        const double uni = (ma | mb).sum().item<double>();
        const double iou = uni > 0 ? (ma & mb).sum().item<double>() / uni : 1.0;
        iouSum += iou;
        worst = std::min(worst, iou);
        ++n;
    }
    std::printf("bf16 vs fp32 masks on %d images: mean IoU %.5f, worst %.5f\n", n,
                iouSum / std::max(n, 1), worst);
    check(n > 0 && iouSum / n >= 0.99, "bf16 vs fp32 mean mask IoU", n ? iouSum / n : 0, 0.99);
}

// Median wall time of fn over n calls, each ended by a device synchronisation (so the figure is
// what a caller waiting for the result sees).
double medianMs(const std::function<void()>& fn, int n) {
    for (int i = 0; i < 3; ++i)
        fn();
    torch::cuda::synchronize();
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        torch::cuda::synchronize();
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// CUDA graphs of the encoder and of a one-box decode at fixed shapes: same values as eager calls
// for inputs the graph never saw, and the time each takes. dtype: float32 (TF32 on) or bfloat16.
void graphs(const std::string& arch, c10::ScalarType dtype) {
    configureCuda(true);
    at::manual_seed(0);
    // Made and moved outside InferenceMode: weights made under it are inference tensors, which
    // the Grad-CAM below cannot save for its backward pass.
    SamModel model(SamArchitecture::byName(arch));
    const c10::Device cuda(c10::kCUDA, 0);
    model.to(cuda, dtype);
    std::optional<c10::InferenceMode> guard(std::in_place);
    const int64_t size = arch == "compact" ? 256 : 1024;
    GraphedFunction encode(graphableEncode(model));
    GraphedFunction decode(graphableBoxDecode(model));
    const at::Tensor box = at::tensor({100.f, 120.f, 600.f, 700.f}).view({1, 4}).to(cuda, dtype);
    double worstEnc = 0, worstDec = 0;
    for (int i = 0; i < 3; ++i) {
        const at::Tensor input = at::randn({1, 3, size, size}, cuda).to(dtype);
        const at::Tensor embEager = model.encode(input);
        const at::Tensor embGraph = encode({input})[0];
        worstEnc = std::max(worstEnc, relativeError(embGraph, embEager));
        PromptTensors p;
        p.boxes = box;
        const at::Tensor logitsEager = model.decodeTensors(embEager, p, false).lowResLogits;
        const at::Tensor logitsGraph = decode({embEager, box})[0];
        worstDec = std::max(worstDec, relativeError(logitsGraph, logitsEager));
    }
    if (!encode.captured())
        std::printf("encoder not captured: %s\n", encode.fallbackReason().c_str());
    if (!decode.captured())
        std::printf("decoder not captured: %s\n", decode.fallbackReason().c_str());
    // Kernels may be chosen differently inside and outside a capture: allow float rounding.
    const double limit = dtype == at::kFloat ? 1e-4 : 2e-2;
    check(encode.captured() && worstEnc <= limit, "graphed encoder vs eager", worstEnc, limit);
    check(decode.captured() && worstDec <= limit, "graphed decoder vs eager", worstDec, limit);

    const at::Tensor input = at::randn({1, 3, size, size}, cuda).to(dtype);
    const at::Tensor emb = model.encode(input);
    PromptTensors p;
    p.boxes = box;
    const double encEager = medianMs([&] { model.encode(input); }, 20);
    const double encGraph = medianMs([&] { encode({input}); }, 20);
    const double decEager = medianMs([&] { model.decodeTensors(emb, p, false); }, 50);
    const double decGraph = medianMs([&] { decode({emb, box}); }, 50);
    guard.reset();

    // Grad-CAM for one box: the captured forward and backward pass against autograd's eager
    // one, on embeddings the graph never saw.
    const std::shared_ptr<const SamModel> shared(&model, [](const SamModel*) {});
    const CamEngine camGraph(shared), camEager(shared, false);
    Prompts camBox;
    camBox.boxes.push_back({100.f, 120.f, 600.f, 700.f});
    auto embeddingOf = [&](const at::Tensor& e) {
        ImageEmbedding ie;
        ie.embedding = e.to(at::kFloat);
        ie.geometry.originalHeight = ie.geometry.originalWidth = int(size);
        ie.geometry.inputHeight = ie.geometry.inputWidth = ie.geometry.inputSize = int(size);
        return ie;
    };
    double worstCam = 0;
    for (int i = 0; i < 3; ++i) {
        at::Tensor fresh;
        {
            c10::InferenceMode encodeOnly;
            fresh = model.encode(at::randn({1, 3, size, size}, cuda).to(dtype));
        }
        const ImageEmbedding ie = embeddingOf(fresh);
        const CamResult a = camGraph.compute(ie, camBox, CamOptions{});
        const CamResult b = camEager.compute(ie, camBox, CamOptions{});
        const at::Tensor ra = at::tensor(a.raw), rb = at::tensor(b.raw);
        worstCam =
            std::max(worstCam, rb.abs().max().item<double>() > 0 ? relativeError(ra, rb)
                                                                 : ra.abs().max().item<double>());
    }
    if (!camGraph.lastGraphed())
        std::printf("Grad-CAM not captured: %s\n", camGraph.fallbackReason().c_str());
    check(camGraph.lastGraphed() && worstCam <= limit, "graphed Grad-CAM vs eager", worstCam,
          limit);
    const ImageEmbedding ie = embeddingOf(emb);
    const double camEagerMs = medianMs([&] { camEager.compute(ie, camBox, CamOptions{}); }, 20);
    const double camGraphMs = medianMs([&] { camGraph.compute(ie, camBox, CamOptions{}); }, 20);
    std::printf("{\"check\":\"graphs\",\"arch\":\"%s\",\"precision\":\"%s\","
                "\"encode_ms\":{\"eager\":%.3f,\"graph\":%.3f},"
                "\"decode_ms\":{\"eager\":%.3f,\"graph\":%.3f},"
                "\"gradcam_ms\":{\"eager\":%.3f,\"graph\":%.3f}}\n",
                arch.c_str(), dtypeName(dtype).c_str(), encEager, encGraph, decEager, decGraph,
                camEagerMs, camGraphMs);
}

} // namespace

int main(int argc, char** argv) {
    if (!torch::cuda::is_available()) {
        std::printf("dermsam-gpu-check: SKIP: no CUDA device\n");
        return 0;
    }
    const std::string cmd = argc > 1 ? argv[1] : "parity";
    try {
        if (cmd == "parity") {
            parity();
            trainingParity();
        } else if (cmd == "graphs")
            graphs(argc > 2 ? argv[2] : "vit_b",
                   resolveDtype(argc > 3 ? argv[3] : "float32", c10::Device(c10::kCUDA, 0)));
        else if (cmd == "train-graphs") {
            const TensorMap float32 = trainGraphs(at::kFloat, nullptr);
            trainGraphs(at::kBFloat16, &float32);
        } else if (cmd == "bf16" && argc >= 4)
            bf16(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 50);
        else {
            std::fprintf(stderr, "usage: dermsam-gpu-check parity | graphs [ARCH] [PRECISION] | "
                                 "train-graphs | bf16 MODEL NPYDIR [N]\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::printf("FAIL %s: %s\n", cmd.c_str(), e.what());
        return 1;
    }
    std::printf("%d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}
