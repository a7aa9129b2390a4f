#pragma once

#include "core/image_io.h"

#include <ATen/core/Tensor.h>

namespace dermsam {

// The model's input format (model/preprocess.h): an (H, W, C) CPU tensor, C = 1 or 3, that owns
// its memory; uint8 for 8-bit images, int32 holding 0..65535 for 16-bit ones (preprocessImage
// divides those by 257). Throws CoreError(UnsupportedFormat) for an empty image or another
// pixel type.
at::Tensor imageToTensor(const Image& image);

// The one mask convention of the viewer, the CLI and evaluation: non-zero = lesion.
// A CV_8UC1 mask (any stride, a view is fine) -> an (H, W) uint8 tensor of 0/1 that owns its
// memory. Throws CoreError(UnsupportedFormat) for another type or an empty mask.
at::Tensor maskToTensor(const cv::Mat& mask);
// An (H, W) tensor (any dtype and device; non-zero = lesion) -> CV_8UC1 0/255.
cv::Mat tensorToMask(const at::Tensor& mask);

} // namespace dermsam
