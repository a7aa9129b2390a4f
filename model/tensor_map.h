#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>

namespace dermsam {

// A state dict: parameter name -> tensor, sorted by name so that writers are deterministic.
using TensorMap = std::map<std::string, at::Tensor>;

// String metadata stored alongside tensors (safetensors "__metadata__").
using MetadataMap = std::map<std::string, std::string>;

// The metadata key naming the prompt Auto starts from with this model ("frame", "point", or
// both comma-separated; core/auto_segment.h). `finetune --frame` writes "frame".
inline constexpr const char* kAutoStartMetadataKey = "auto_start";

} // namespace dermsam
