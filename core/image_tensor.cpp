#include "core/image_tensor.h"

#include "core/core_error.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>

namespace dermsam {

at::Tensor imageToTensor(const Image& image) {
    const cv::Mat& src = image.pixels;
    if (src.empty() || src.dims != 2)
        throw CoreError(CoreErrorCode::UnsupportedFormat, image.sourcePath, "empty image");
    const int channels = src.channels();
    if (channels != 1 && channels != 3)
        throw CoreError(CoreErrorCode::UnsupportedFormat, image.sourcePath,
                        std::to_string(channels) + " channels");

    cv::Mat converted;
    at::ScalarType type;
    if (src.depth() == CV_8U) {
        converted = src.isContinuous() ? src : src.clone();
        type = at::kByte;
    } else if (src.depth() == CV_16U) {
        src.convertTo(converted, CV_MAKETYPE(CV_32S, channels));
        type = at::kInt;
    } else {
        throw CoreError(CoreErrorCode::UnsupportedFormat, image.sourcePath,
                        "pixel depth " + std::to_string(src.depth()));
    }
    const at::Tensor view = at::from_blob(converted.data, {src.rows, src.cols, channels},
                                          at::TensorOptions().dtype(type));
    return view.clone(); // owns its memory once `converted` goes away
}

} // namespace dermsam
