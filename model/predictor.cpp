#include "model/predictor.h"

#include "model/model_error.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace dermsam {

Predictor::Predictor(std::shared_ptr<const SamModel> model, PreprocessProfile profile)
    : m_model(std::move(model))
    , m_profile(profile) {}

ImageEmbedding Predictor::encode(const at::Tensor& image) const {
    torch::NoGradGuard noGrad;
    const PreprocessResult pre = preprocessImage(image, m_profile, m_model->architecture().imgSize);
    ImageEmbedding e;
    e.embedding = m_model->encode(pre.input).to(at::kFloat);
    e.geometry = pre.geometry;
    e.profile = m_profile;
    return e;
}

MaskResult Predictor::decode(const ImageEmbedding& embedding, const Prompts& prompts,
                             const at::Tensor& maskInputLogits) const {
    torch::NoGradGuard noGrad;
    const Prompts framed = promptsToInputFrame(prompts, embedding.geometry, embedding.profile);
    at::Tensor maskInput = maskInputLogits;
    if (maskInput.defined()) {
        if (maskInput.dim() == 2)
            maskInput = maskInput.unsqueeze(0).unsqueeze(0);
        else if (maskInput.dim() == 3)
            maskInput = maskInput.unsqueeze(0);
        if (maskInput.dim() != 4 || maskInput.size(2) != 256 || maskInput.size(3) != 256)
            throw ModelError(ErrorCode::BadPrompt, {}, "mask prompt must be 256 x 256 logits");
    }
    const DecoderOutput out = m_model->decode(embedding.embedding, framed, maskInput);
    const at::Tensor logits = out.lowResLogits.to(at::kCPU, at::kFloat);
    const at::Tensor post = postprocessLogits(logits, embedding.geometry, embedding.profile);
    MaskResult r;
    r.masks =
        binarize(post, embedding.profile)
            .to(at::kByte)
            .reshape({-1, embedding.geometry.originalHeight, embedding.geometry.originalWidth})
            .contiguous();
    r.lowResLogits = logits.reshape({-1, logits.size(2), logits.size(3)}).contiguous();
    const at::Tensor iou = out.iouPredictions.to(at::kCPU, at::kFloat).reshape({-1}).contiguous();
    r.iou.assign(iou.data_ptr<float>(), iou.data_ptr<float>() + iou.numel());
    return r;
}

} // namespace dermsam
