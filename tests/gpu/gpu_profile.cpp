// Where the GPU time goes: the encoder, a one-box decode, Grad-CAM and decoder-only training steps
// under LibTorch's Kineto profiler, summed per kernel. A separate program from dermsam-gpu-check
// because the profiler's C++ API changes between LibTorch releases: if it stops compiling, only
// this tool is lost. Prints SKIP and exits 0 without CUDA.
#include "model/device.h"
#include "model/gradcam.h"
#include "model/sam_model.h"
#include "model/trainer.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace dermsam;
namespace prof = torch::autograd::profiler;
namespace impl = torch::profiler::impl;

namespace {

// Kineto events report microseconds in older LibTorch releases and nanoseconds in newer ones.
template <typename E> auto eventUs(const E& e, int) -> decltype(e.durationNs(), double()) {
    return double(e.durationNs()) / 1000.0;
}
template <typename E> double eventUs(const E& e, long) {
    return double(e.durationUs());
}

// Runs fn `warm` times unprofiled, then `n` times under the profiler, and prints the kernels
// that took most device time per call, with the wall time per call beside their sum.
void profile(const std::string& what, const std::function<void()>& fn, int warm, int n) {
    for (int i = 0; i < warm; ++i)
        fn();
    torch::cuda::synchronize();
    const impl::ProfilerConfig config(impl::ProfilerState::KINETO);
    const std::set<impl::ActivityType> activities{impl::ActivityType::CPU,
                                                  impl::ActivityType::CUDA};
    prof::prepareProfiler(config, activities);
    prof::enableProfiler(config, activities);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
        fn();
    torch::cuda::synchronize();
    const double wallMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
        n;
    const std::unique_ptr<prof::ProfilerResult> result = prof::disableProfiler();

    std::map<std::string, std::pair<double, int>> kernels; // name -> (us, count)
    double deviceUs = 0;
    int launches = 0;
    for (const prof::KinetoEvent& e : result->events()) {
        if (e.deviceType() != c10::DeviceType::CUDA)
            continue;
        auto& k = kernels[e.name()];
        k.first += eventUs(e, 0);
        ++k.second;
        deviceUs += eventUs(e, 0);
        ++launches;
    }
    std::vector<std::pair<std::string, std::pair<double, int>>> sorted(kernels.begin(),
                                                                       kernels.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    std::printf("\n## %s: wall %.3f ms per call (profiled), device events %.3f ms per call, "
                "%.1f device events per call\n",
                what.c_str(), wallMs, deviceUs / 1000.0 / n, double(launches) / n);
    int shown = 0;
    for (const auto& [name, v] : sorted) {
        if (++shown > 25)
            break;
        std::printf("%7.3f ms %5.1f%% %5d x  %.110s\n", v.first / 1000.0 / n,
                    100.0 * v.first / std::max(1.0, deviceUs), v.second / n, name.c_str());
    }
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    if (!torch::cuda::is_available()) {
        std::printf("dermsam-gpu-profile: SKIP: no CUDA device\n");
        return 0;
    }
    const std::string arch = argc > 1 ? argv[1] : "vit_b";
    try {
        const c10::Device cuda(c10::kCUDA, 0);
        configureCuda(true);
        at::manual_seed(0);
        auto model = std::make_shared<SamModel>(SamArchitecture::byName(arch));
        const int s = model->architecture().imgSize;
        Prompts box;
        box.boxes.push_back({s * 0.3f, s * 0.3f, s * 0.7f, s * 0.72f});
        for (const c10::ScalarType dtype : {c10::kBFloat16, c10::kFloat}) {
            // Outside inference mode: Grad-CAM and training below need normal parameters.
            model->to(cuda, dtype);
            c10::InferenceMode guard;
            const at::Tensor input = at::rand({1, 3, s, s}).to(cuda, dtype);
            at::Tensor emb;
            profile(
                "encode " + dtypeName(dtype) + " (TF32 on), eager",
                [&] { emb = model->encode(input); }, 3, 5);
            profile(
                "decode one box " + dtypeName(dtype) + ", eager", [&] { model->decode(emb, box); },
                3, 20);
        }
        {
            model->to(cuda, c10::kFloat);
            at::Tensor e;
            {
                c10::InferenceMode guard;
                e = model->encode(at::rand({1, 3, s, s}).to(cuda));
            }
            ImageEmbedding emb;
            emb.embedding = e.clone();
            emb.geometry = {s, s, s, s, s};
            profile(
                "Grad-CAM on the embedding, float32", [&] { computeCam(*model, emb, box, {}); }, 3,
                10);
            const CamEngine cams(model);
            profile(
                "Grad-CAM on the embedding, float32, CamEngine (graphed when captured)",
                [&] { cams.compute(emb, box, {}); }, 3, 10);
            std::printf("CamEngine graphed: %s %s\n", cams.lastGraphed() ? "yes" : "no",
                        cams.fallbackReason().c_str());
        }
        for (const c10::ScalarType dtype : {c10::kFloat, c10::kBFloat16}) {
            // The bench's decoder-only training at batch 64: cached embeddings on the card.
            const int64_t batch = 64;
            const TrainingSet set = syntheticEmbeddingSet(batch * 4, model->architecture().outChans,
                                                          model->architecture().embeddingSize());
            model->to(cuda, c10::kFloat);
            TrainOptions o;
            o.batchSize = int(batch);
            o.epochs = 1;
            o.patience = 0;
            o.autocast = dtype;
            // Eager steps: the kernels are what is being looked at (a fit() this short would
            // spend its steps warming up and capturing the graph anyway).
            o.cudaGraphs = false;
            Trainer trainer(*model, PreprocessProfile::MedSam, o);
            profile(
                "decoder training, batch 64, one epoch of 4 eager steps, " + dtypeName(dtype) +
                    " (TF32 on)",
                [&] { trainer.fit(set, TrainingSet{}, TrainState{}, TrainCallbacks{}); }, 1, 2);
        }
    } catch (const std::exception& e) {
        std::printf("FAIL profile: %s\n", e.what());
        return 1;
    }
    return 0;
}
