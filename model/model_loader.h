#pragma once

#include "model/preprocess.h"
#include "model/tensor_map.h"

#include <c10/core/Device.h>

#include <memory>
#include <optional>
#include <string>

namespace dermsam {

class SamModel;

struct LoadedModel {
    std::shared_ptr<SamModel> model;
    PreprocessProfile profile = PreprocessProfile::MedSam;
    std::string path;   // resolved file
    std::string sha256; // of the checkpoint file: keys caches and sidecars
    std::string format; // "pth" or "safetensors"
    MetadataMap metadata;
    bool isDefault = false;
};

struct LoadOptions {
    std::optional<PreprocessProfile> profile; // overrides the checkpoint's metadata
    std::string base;                         // base model for decoder-only checkpoints
};

// The built-in model's file, or empty when this build has none. Looked up beside the
// executable (../share/dermsam/models or ../../share/dermsam/models), or via
// DERMSAM_DEFAULT_MODEL; never at a path of the build machine.
std::string defaultModelPath();

// "default" or a checkpoint path (.pth, .safetensors). The model stays on the CPU in float32;
// callers move it. Throws ModelError.
LoadedModel loadModel(const std::string& pathOrDefault, const LoadOptions& options = {});

} // namespace dermsam
