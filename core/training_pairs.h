#pragma once

#include "core/dataset.h"
#include "model/finetune_job.h"

#include <vector>

namespace dermsam {

// The image/mask pairs of a dataset split for fine-tuning, read from disk when the trainer asks
// for one: the image as imageToTensor gives it, the mask as an (H, W) uint8 tensor (non-zero =
// lesion). What `dermsam-cli finetune` and the wizard both train on.
PairSource trainingPairs(const std::vector<DatasetItem>& items);

} // namespace dermsam
