#pragma once

#include "model/gradcam.h"
#include "model/predictor.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace dermsam::cli {

// For segment's --heatmap (cli_image.cpp's writeSegmentExtras hook): writes the Grad-CAM
// heatmap of the prompts' mask as a PNG, an overlay on rgbPixels ((H, W, 3) uint8) when given,
// else the colour-mapped heatmap alone. colormap: "turbo", "jet" or "viridis". Call it under
// the caller's InferenceMode; gradients are enabled inside.
void writeHeatmapPng(const std::string& path, const Predictor& predictor,
                     const ImageEmbedding& embedding, const Prompts& prompts,
                     const CamOptions& options, const at::Tensor& rgbPixels = {},
                     const std::string& colormap = "turbo", double opacity = 0.5);

} // namespace dermsam::cli
