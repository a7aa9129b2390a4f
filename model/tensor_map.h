#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <string_view>

namespace dermsam {

// A state dict: parameter name -> tensor, sorted by name so that writers are deterministic.
using TensorMap = std::map<std::string, at::Tensor>;

// String metadata stored alongside tensors (safetensors "__metadata__").
using MetadataMap = std::map<std::string, std::string>;

// The metadata key naming the prompt Auto starts from with this model ("frame", "point", or
// both comma-separated; core/auto_segment.h). `finetune --frame` writes "frame".
inline constexpr const char* kAutoStartMetadataKey = "auto_start";

// The Auto decoder's module (SamModel::addAutoDecoder), whose tensors are "auto_decoder.*".
inline constexpr std::string_view kAutoDecoderModule = "auto_decoder";
inline bool isAutoDecoderKey(std::string_view key) {
    const size_t n = kAutoDecoderModule.size();
    return key.size() > n && key.substr(0, n) == kAutoDecoderModule && key[n] == '.';
}

// The Refine decoder's module (SamModel::addRefineDecoder), whose tensors are "refine_decoder.*".
inline constexpr std::string_view kRefineDecoderModule = "refine_decoder";
inline bool isRefineDecoderKey(std::string_view key) {
    const size_t n = kRefineDecoderModule.size();
    return key.size() > n && key.substr(0, n) == kRefineDecoderModule && key[n] == '.';
}

} // namespace dermsam
