#pragma once

#include "model/prompts.h"
#include "model/sam_architecture.h"
#include "model/tensor_map.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dermsam {

struct SamModules; // torch::nn modules, internal to model/ (see sam_modules.h)
struct FirstLayerCache;

// Mask decoder outputs for N prompts with M masks each (M = 3 with multimask, else 1).
struct DecoderOutput {
    at::Tensor lowResLogits;   // (N, M, 256, 256) float
    at::Tensor iouPredictions; // (N, M) float
};

// Inputs of the mask decoder as tensors, in the 1024 input frame. Any may be undefined.
struct PromptTensors {
    at::Tensor pointCoords; // (N, P, 2) float
    at::Tensor pointLabels; // (N, P) int/float
    at::Tensor boxes;       // (N, 4) float
    at::Tensor maskInput;   // (N, 1, 256, 256) float logits
};

// Where a stopped encode got to: the output of encoder block `done`.
struct EncodeResume {
    int done = -1;
    at::Tensor activation; // undefined: start from the beginning
};

// SAM / MedSAM / the built-in model: image encoder + prompt encoder + mask decoder. The two
// calls the application needs are encode (slow, cached by callers) and decode (milliseconds).
class SamModel {
public:
    explicit SamModel(const SamArchitecture& arch); // randomly initialised (seeded by torch)
    ~SamModel();
    SamModel(const SamModel&) = delete;
    SamModel& operator=(const SamModel&) = delete;

    // Builds the architecture read from the tensors and loads them strictly.
    static std::unique_ptr<SamModel> fromStateDict(const TensorMap& tensors);

    // Strict: throws ModelError naming missing keys, unexpected keys or the first shape mismatch.
    void loadStateDict(const TensorMap& tensors);
    TensorMap stateDict() const; // CPU copies of every parameter and persistent buffer

    const SamArchitecture& architecture() const { return m_arch; }
    c10::Device device() const { return m_device; }
    c10::ScalarType dtype() const { return m_dtype; }
    void to(c10::Device device, c10::ScalarType dtype = c10::kFloat);

    // (B, 3, S, S) preprocessed input -> (B, 256, S/16, S/16) embedding. No grad unless the
    // caller enables it.
    at::Tensor encode(const at::Tensor& input) const;
    // The same, calling stop() between encoder blocks and between steps inside them: when it
    // returns true the encode ends with ModelError(Cancelled). For work in the background that
    // a user's request preempts.
    // With a resume state, a stopped encode leaves its place there, and the next call with the
    // same state (and the same input: the caller's to ensure) goes on from it.
    at::Tensor encode(const at::Tensor& input, const std::function<bool()>& stop,
                      EncodeResume* resume = nullptr) const;

    // Upstream SamPredictor.predict_torch semantics: prompts in the 1024 input frame.
    DecoderOutput decode(const at::Tensor& embedding, const Prompts& prompts,
                         const at::Tensor& maskInput = {},
                         DecoderHead head = DecoderHead::Main) const;
    DecoderOutput decodeTensors(const at::Tensor& embedding, const PromptTensors& prompts,
                                bool multimask, DecoderHead head = DecoderHead::Main) const;

    // The Auto decoder: a file with "auto_decoder.*" tensors has one; addAutoDecoder starts one
    // as a copy of the mask decoder (for training it), on the model's device and dtype.
    bool hasAutoDecoder() const;
    void addAutoDecoder();
    // Whether the Auto decoder answers `head`: asked for, and the model has one (else the mask
    // decoder answers).
    bool usesAutoDecoder(DecoderHead head) const {
        return head == DecoderHead::Auto && hasAutoDecoder();
    }
    // The Refine decoder: a file with "refine_decoder.*" tensors has one; addRefineDecoder starts
    // one as a copy of the mask decoder. When a model has one, it answers every decode with a
    // mask prompt (and no Auto head): the mask decoder, trained without mask prompts, answered
    // them with noise.
    bool hasRefineDecoder() const;
    void addRefineDecoder();

    // Positional encoding of the embedding grid, (1, 256, 64, 64).
    at::Tensor denseImagePositionalEncoding() const;

    int64_t parameterCount() const;
    int64_t parameterCount(const std::string& prefix) const; // "image_encoder", ...

    SamModules& modules() { return *m_modules; }
    const SamModules& modules() const { return *m_modules; }

private:
    void checkEncoderInput(const at::Tensor& input) const;
    // Throws BadArgument / BadPrompt for shapes the decoder cannot take (empty batches, wrong
    // ranks or channel counts, prompt batches that disagree).
    void checkDecoderInputs(const at::Tensor& embedding, const PromptTensors& prompts) const;

    SamArchitecture m_arch;
    std::unique_ptr<SamModules> m_modules;
    c10::Device m_device = c10::kCPU;
    c10::ScalarType m_dtype = c10::kFloat;
    // The grid's positional encoding depends only on a frozen buffer: computed once per
    // device/dtype instead of on every decode.
    mutable at::Tensor m_densePe;

    // The decoder's prompt-independent work for the last image decoded without a mask prompt
    // (see MaskDecoderImpl::buildImageCache): a box decode on a cached embedding repeats it for
    // every prompt otherwise.
    struct DecoderCacheEntry;
    std::shared_ptr<const DecoderCacheEntry>
    decoderCache(const at::Tensor& embedding, const at::Tensor& pe, const at::Tensor& dense) const;
    mutable std::mutex m_cacheMutex;
    mutable std::shared_ptr<const DecoderCacheEntry> m_decoderCache;
};

} // namespace dermsam
