#include "model/predictor.h"

#include "model/cuda_graph.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <mutex>

namespace dermsam {

std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>
graphableEncode(const SamModel& model) {
    return [&model](const std::vector<at::Tensor>& in) {
        return std::vector<at::Tensor>{model.encode(in[0])};
    };
}

std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>
graphableBoxDecode(const SamModel& model) {
    return [&model](const std::vector<at::Tensor>& in) {
        PromptTensors p;
        p.boxes = in[1];
        const DecoderOutput o = model.decodeTensors(in[0], p, false);
        return std::vector<at::Tensor>{o.lowResLogits, o.iouPredictions};
    };
}

// The encoder always sees one (1, 3, S, S) input and a box decode one (1, 4) box, so each is
// captured once and replayed; anything else (points, several boxes, mask prompts, multimask)
// runs eagerly.
struct Predictor::Graphs {
    std::mutex mutex; // the GUI's worker and a CLI thread may share a predictor
    GraphedFunction encode;
    GraphedFunction boxDecode;
    Graphs(const SamModel& model, bool enabled)
        : encode(graphableEncode(model), enabled)
        , boxDecode(graphableBoxDecode(model), enabled) {}
};

Predictor::Predictor(std::shared_ptr<const SamModel> model, PreprocessProfile profile,
                     bool cudaGraphs)
    : m_model(std::move(model))
    , m_profile(profile)
    , m_graphs(std::make_shared<Graphs>(*m_model, cudaGraphs)) {}

Predictor::~Predictor() = default;

ImageEmbedding Predictor::encode(const at::Tensor& image) const {
    return encode(image, {});
}

ImageEmbedding Predictor::encode(const at::Tensor& image, const std::function<bool()>& stop,
                                 EncodeResume* resume) const {
    torch::NoGradGuard noGrad;
    // On a GPU the resampling to the input size runs there too: only the (smaller) image is
    // copied, and the card, not a few CPU cores, does the bicubic pass over 1024 x 1024 x 3.
    const PreprocessResult pre =
        preprocessImage(image, m_profile, m_model->architecture().imgSize, m_model->device());
    ImageEmbedding e;
    if (m_model->device().is_cuda()) {
        const at::Tensor input = pre.input.to(m_model->device(), m_model->dtype());
        at::Tensor graphed;
        {
            const std::lock_guard<std::mutex> lock(m_graphs->mutex);
            graphed = m_graphs->encode({input})[0];
        }
        // The graph's outputs are inference tensors; a copy made here is an ordinary one, as
        // the eager path returns, so Grad-CAM can take gradients with respect to it.
        e.embedding = graphed.to(at::kFloat).clone();
    } else {
        e.embedding = m_model->encode(pre.input, stop, resume).to(at::kFloat);
    }
    e.geometry = pre.geometry;
    e.profile = m_profile;
    return e;
}

int64_t Predictor::maskInputSize() const {
    return 4 * int64_t{m_model->architecture().embeddingSize()};
}

MaskResult Predictor::decode(const ImageEmbedding& embedding, const Prompts& prompts,
                             const at::Tensor& maskInputLogits, DecoderHead head) const {
    torch::NoGradGuard noGrad;
    const Prompts framed = promptsToInputFrame(prompts, embedding.geometry, embedding.profile);
    // (S, S) and (M, S, S) as well as the decoder's (M, 1, S, S); SamModel::decode checks S.
    at::Tensor maskInput = maskInputLogits;
    if (maskInput.defined() && maskInput.dim() == 2)
        maskInput = maskInput.unsqueeze(0);
    if (maskInput.defined() && maskInput.dim() == 3)
        maskInput = maskInput.unsqueeze(1);
    DecoderOutput out;
    // The captured graph is the main decoder's.
    if (m_model->device().is_cuda() && !m_model->usesAutoDecoder(head) && !maskInput.defined() &&
        framed.boxes.size() == 1 && framed.points.empty() && !framed.multimask) {
        const BoxPrompt& b = framed.boxes.front();
        const at::Tensor box = at::tensor({b.x0, b.y0, b.x1, b.y1}, at::kFloat)
                                   .view({1, 4})
                                   .to(m_model->device(), m_model->dtype());
        const at::Tensor emb = embedding.embedding.to(m_model->device(), m_model->dtype());
        std::vector<at::Tensor> o;
        {
            const std::lock_guard<std::mutex> lock(m_graphs->mutex);
            o = m_graphs->boxDecode({emb, box});
        }
        out = {o[0], o[1]};
    } else {
        out = m_model->decode(embedding.embedding, framed, maskInput, head);
    }
    // Resampled to the image size where the logits are; only bytes of mask cross to the host.
    const at::Tensor masks =
        postprocessMasks(out.lowResLogits, embedding.geometry, embedding.profile);
    const at::Tensor logits = out.lowResLogits.to(at::kCPU, at::kFloat);
    MaskResult r;
    r.masks =
        masks.reshape({-1, embedding.geometry.originalHeight, embedding.geometry.originalWidth})
            .to(at::kCPU)
            .contiguous();
    r.lowResLogits = logits.reshape({-1, logits.size(2), logits.size(3)}).contiguous();
    const at::Tensor iou = out.iouPredictions.to(at::kCPU, at::kFloat).reshape({-1}).contiguous();
    r.iou.assign(iou.data_ptr<float>(), iou.data_ptr<float>() + iou.numel());
    return r;
}

} // namespace dermsam
