// GPU checks that need only LibTorch (so they build on the GPU machine): CUDA float32 against CPU
// float32, and bfloat16 masks against float32 masks. Prints SKIP and exits 0 without CUDA.
#include "model/device.h"
#include "model/model_loader.h"
#include "model/npy_dataset.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/sam_modules.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <cstdio>
#include <cstring>
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

} // namespace

int main(int argc, char** argv) {
    if (!torch::cuda::is_available()) {
        std::printf("dermsam-gpu-check: SKIP: no CUDA device\n");
        return 0;
    }
    const std::string cmd = argc > 1 ? argv[1] : "parity";
    try {
        if (cmd == "parity")
            parity();
        else if (cmd == "bf16" && argc >= 4)
            bf16(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 50);
        else {
            std::fprintf(stderr, "usage: dermsam-gpu-check parity | bf16 MODEL NPYDIR [N]\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::printf("FAIL %s: %s\n", cmd.c_str(), e.what());
        return 1;
    }
    std::printf("%d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}
