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
        const cv::Mat mask = loadMask(item.maskPath);
        p.mask = at::from_blob(const_cast<uint8_t*>(mask.ptr<uint8_t>()), {mask.rows, mask.cols},
                               {static_cast<int64_t>(mask.step[0]), 1}, at::kByte)
                     .clone();
        return p;
    };
    return src;
}

} // namespace dermsam
