#pragma once

#include "core/image_io.h"

#include <ATen/core/Tensor.h>

namespace dermsam {

// The model's input format (model/preprocess.h): an (H, W, C) CPU tensor, C = 1 or 3, that owns
// its memory; uint8 for 8-bit images, int32 holding 0..65535 for 16-bit ones (preprocessImage
// divides those by 257). Throws CoreError(UnsupportedFormat) for an empty image or another
// pixel type.
at::Tensor imageToTensor(const Image& image);

} // namespace dermsam
