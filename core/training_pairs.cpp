#include "core/training_pairs.h"

#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>

namespace dermsam {

PairSource trainingPairs(const std::vector<DatasetItem>& items) {
    PairSource src;
    src.count = items.size();
    src.load = [items](size_t i) {
        const DatasetItem& item = items.at(i);
        ImageMaskPair p;
        p.id = item.id;
        p.image = imageToTensor(loadImage(item.imagePath));
        p.mask = maskToTensor(loadMask(item.maskPath));
        return p;
    };
    return src;
}

} // namespace dermsam
