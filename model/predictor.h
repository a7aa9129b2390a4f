#pragma once

#include "model/preprocess.h"
#include "model/prompts.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

namespace dermsam {

class SamModel;

// A cached encoder result for one image: everything decode needs, nothing else.
struct ImageEmbedding {
    at::Tensor embedding; // (1, 256, 64, 64) float32 on the model's device
    ImageGeometry geometry;
    PreprocessProfile profile = PreprocessProfile::MedSam;
};

struct MaskResult {
    at::Tensor masks;        // (M, H, W) uint8 0/1 on CPU, original image size
    at::Tensor lowResLogits; // (M, 256, 256) float32 on CPU (for refinement / mask prompts)
    std::vector<float> iou;  // predicted IoU per mask
};

// SamPredictor equivalent: image in, masks out, prompts in original image coordinates.
class Predictor {
public:
    Predictor(std::shared_ptr<const SamModel> model, PreprocessProfile profile);

    ImageEmbedding encode(const at::Tensor& image) const;
    // Decodes one prompt set (several boxes = several masks, first candidate each).
    MaskResult decode(const ImageEmbedding& embedding, const Prompts& prompts,
                      const at::Tensor& maskInputLogits = {}) const;

    PreprocessProfile profile() const { return m_profile; }
    const SamModel& model() const { return *m_model; }

private:
    std::shared_ptr<const SamModel> m_model;
    PreprocessProfile m_profile;
};

} // namespace dermsam
