#pragma once

#include "model/image_encoder.h"
#include "model/mask_decoder.h"
#include "model/prompt_encoder.h"

#include <torch/nn/module.h>

namespace dermsam {

// The network as one torch::nn::Module tree whose parameter names are upstream's state-dict
// keys ("image_encoder.blocks.0.attn.qkv.weight", ...). Internal to model/.
struct SamModules {
    std::shared_ptr<torch::nn::Module> root;
    std::shared_ptr<ImageEncoderBase> imageEncoder;
    PromptEncoder promptEncoder{nullptr};
    MaskDecoder maskDecoder{nullptr};
    // Optional second mask decoder ("auto_decoder.*"), trained for Auto's whole-frame prompt
    // while the first keeps answering boxes and clicks (SamModel::addAutoDecoder).
    MaskDecoder autoDecoder{nullptr};
    // Optional third one ("refine_decoder.*"), trained for a box with a mask prompt (the viewer's
    // Refine), which answers every decode that has a mask prompt (SamModel::addRefineDecoder).
    MaskDecoder refineDecoder{nullptr};
};

} // namespace dermsam
