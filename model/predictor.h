#pragma once

#include "model/preprocess.h"
#include "model/prompts.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <vector>

namespace dermsam {

class SamModel;
class GraphedFunction;

// The two fixed-shape calls worth a CUDA graph, as GraphedFunction functions: the encoder
// ({input} -> {embedding}) and a one-box decode without multimask ({embedding, box (1, 4) in the
// input frame} -> {low-res logits, IoU}). The model must outlive the returned function.
std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>
graphableEncode(const SamModel& model);
std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>
graphableBoxDecode(const SamModel& model);

// A cached encoder result for one image: everything decode needs, nothing else.
struct ImageEmbedding {
    at::Tensor embedding; // (1, 256, 64, 64) float32 on the model's device
    ImageGeometry geometry;
    PreprocessProfile profile = PreprocessProfile::MedSam;
};

struct MaskResult {
    at::Tensor masks;        // (M, H, W) uint8 0/1 on CPU, original image size
    at::Tensor lowResLogits; // (M, S, S) float32 on CPU, S = maskInputSize() (mask prompts)
    std::vector<float> iou;  // predicted IoU per mask
};

struct EncodeResume;

// SamPredictor equivalent: image in, masks out, prompts in original image coordinates.
class Predictor {
public:
    // cudaGraphs: on a CUDA model, replay the encoder and single-box decodes from captured CUDA
    // graphs (fixed shapes; see cuda_graph.h). No effect on the CPU. A graph reads the weights
    // where they were at capture: move the model (to()) before making its predictor; in-place
    // updates (fine-tuning) are seen.
    Predictor(std::shared_ptr<const SamModel> model, PreprocessProfile profile,
              bool cudaGraphs = true);
    ~Predictor();
    Predictor(const Predictor&) = default;
    Predictor& operator=(const Predictor&) = default;

    ImageEmbedding encode(const at::Tensor& image) const;
    // stop: asked between and inside encoder blocks on the CPU, where an encode takes seconds;
    // true ends it with ModelError(Cancelled). A CUDA encode (milliseconds, one graph) is not
    // split.
    // resume: SamModel::encode's, for an encode stopped and started again on the same image.
    ImageEmbedding encode(const at::Tensor& image, const std::function<bool()>& stop,
                          EncodeResume* resume = nullptr) const;
    // Decodes one prompt set (several boxes = several masks, first candidate each).
    MaskResult decode(const ImageEmbedding& embedding, const Prompts& prompts,
                      const at::Tensor& maskInputLogits = {},
                      DecoderHead head = DecoderHead::Main) const;

    PreprocessProfile profile() const { return m_profile; }
    // Side of the low-res logits and of a mask prompt: four times the embedding grid (256 for a
    // 1024 input).
    int64_t maskInputSize() const;
    const SamModel& model() const { return *m_model; }

private:
    std::shared_ptr<const SamModel> m_model;
    PreprocessProfile m_profile;
    // Shared by copies of this predictor (same model): one capture serves them all.
    struct Graphs;
    std::shared_ptr<Graphs> m_graphs;
};

} // namespace dermsam
