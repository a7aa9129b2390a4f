#pragma once

#include "model/predictor.h"
#include "model/prompts.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dermsam {

class SamModel;

// Explainability for the promptable segmenter (DESIGN.md, Explainability): class-activation maps
// whose target is the sum of the mask logits over the predicted mask of the chosen candidate.
enum class CamMethod {
    GradCam,         // ReLU(sum_c mean(dY/dA_c) A_c)
    HiResCam,        // ReLU(sum_c dY/dA_c * A_c), element-wise
    GradCamPlusPlus, // Grad-CAM++ weights (Chattopadhay et al. 2018)
};

std::string camMethodName(CamMethod m);               // "gradcam", "hirescam", "gradcam++"
CamMethod camMethodFromName(const std::string& name); // throws ModelError(BadArgument)

struct CamOptions {
    CamMethod method = CamMethod::GradCam;
    // -1: the image embedding (gradients through the decoder only, cheap on a cached
    // embedding); k >= 0: the output of encoder block k (the encoder is recomputed).
    int block = -1;
    // Candidate mask per prompt when the decoder returns several: -1 = best predicted IoU.
    int candidate = -1;
    // The heatmap's longest side at most this many pixels (0: the image's own size). The viewer
    // draws it scaled over the photo: a map from a 64 x 64 grid has nothing finer to show, and
    // at a 6000 x 4000 photo's size it cost about 0.2 s to make and 96 MB to hold.
    int maxSide = 0;
    // The decoder whose answer is explained: the Auto decoder for a mask it made (a model
    // without one answers with its mask decoder, as SamModel::decode does).
    DecoderHead head = DecoderHead::Main;
};

// "embedding" or "block:N" (the CLI's --layer syntax); throws ModelError(BadArgument).
int camLayerFromName(const std::string& name);
std::string camLayerName(int block);
// Number of encoder blocks a CAM can target (block:0 .. block:count-1).
int camBlockCount(const SamModel& model);

// Torch-free result: row-major float maps.
struct CamResult {
    int width = 0; // the heatmap's size: the image's, or smaller with CamOptions::maxSide
    int height = 0;
    std::vector<float> heatmap; // [0, 1], height * width
    int rawWidth = 0;           // the layer's grid (embedding: 64 x 64 for SAM)
    int rawHeight = 0;
    std::vector<float> raw; // ReLU'd, unnormalised map on the layer's grid
    double target = 0.0;    // value of the target (sum of logits over the predicted mask)
    int candidate = 0;      // candidate index used (for the first prompt)
    CamMethod method = CamMethod::GradCam;
    int block = -1;
    // Position of the heatmap's maximum in image pixels (first in row-major order; with a
    // smaller heatmap, the image pixel under the centre of its maximum's pixel).
    int peakX = 0;
    int peakY = 0;
};

// Activation and gradient of the target at the chosen layer, channels-first (1, C, h, w), on the
// model's device, float32 (float64 when the model runs in double).
struct CamGradients {
    at::Tensor activation; // on the model's device
    at::Tensor gradient;   // on the model's device
    double target = 0.0;
    int candidate = 0;
};

// Runs the decoder (and, for an encoder block, the encoder) with gradients on and returns the
// layer's activation and the target's gradient. prompts are in original image coordinates;
// image is the original (H, W[, C]) image, needed only for encoder blocks; maskInput is an
// optional (1, 1, 256, 256) logit mask prompt. Thread: any; enables grad mode itself, so it also
// works when called under c10::InferenceMode.
CamGradients camGradients(const SamModel& model, const ImageEmbedding& embedding,
                          const Prompts& prompts, const CamOptions& options,
                          const at::Tensor& image = {}, const at::Tensor& maskInput = {});

// Per-channel weights (C) of Grad-CAM or Grad-CAM++ (HiResCAM: the Grad-CAM weights, which it
// does not use) for a (1, C, h, w) activation and gradient.
at::Tensor camChannelWeights(CamMethod method, const at::Tensor& activation,
                             const at::Tensor& gradient);
// ReLU'd low-resolution map (h, w), float32.
at::Tensor camMap(CamMethod method, const at::Tensor& activation, const at::Tensor& gradient);

// Low-resolution map -> (H, W) heatmap at the original image size in [0, 1], through the
// profile's geometry (the map covers the square input; SAM's padding is cropped away). Computed
// on the map's device. maxSide > 0: the image's aspect at a longest side of at most maxSide.
at::Tensor camToImage(const at::Tensor& map, const ImageGeometry& geometry, int maxSide = 0);

// Everything above: heatmap, raw map and peak.
CamResult computeCam(const SamModel& model, const ImageEmbedding& embedding, const Prompts& prompts,
                     const CamOptions& options, const at::Tensor& image = {},
                     const at::Tensor& maskInput = {});

// The viewer's usual heatmap, one box on the cached embedding, as a GraphedFunction function:
// {embedding (1, C, h, w) and box (1, 4) in the input frame, both in the model's dtype on its
// device} -> {raw map (h, w) float32, target (scalar) float32}. The same operations as
// camGradients + camMap for that case, with no host reads, so a CUDA graph can hold the forward
// and the backward pass. The model must outlive the function.
std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>
graphableBoxCam(const SamModel& model, CamMethod method);

// computeCam with CUDA graphs: on a CUDA model, a one-box CAM on the embedding (no points, mask
// prompt or multimask) replays a captured forward and backward pass, one graph per method,
// instead of launching a few hundred kernels through autograd one at a time; everything else,
// and every call on the CPU, is computeCam. Copies share the graphs. The model must not move
// after construction.
class CamEngine {
public:
    explicit CamEngine(std::shared_ptr<const SamModel> model, bool cudaGraphs = true);
    ~CamEngine();
    CamEngine(const CamEngine&) = default;
    CamEngine& operator=(const CamEngine&) = default;

    CamResult compute(const ImageEmbedding& embedding, const Prompts& prompts,
                      const CamOptions& options, const at::Tensor& image = {},
                      const at::Tensor& maskInput = {}) const;
    // Whether the last compute() replayed a graph (for benchmarks and checks), and if a graph
    // was refused, why ("" when none was).
    bool lastGraphed() const;
    std::string fallbackReason() const;

private:
    std::shared_ptr<const SamModel> m_model;
    struct Graphs;
    std::shared_ptr<Graphs> m_graphs;
};

} // namespace dermsam
