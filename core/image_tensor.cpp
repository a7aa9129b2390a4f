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

at::Tensor maskToTensor(const cv::Mat& mask) {
    if (mask.empty() || mask.dims != 2 || mask.type() != CV_8UC1)
        throw CoreError(CoreErrorCode::UnsupportedFormat, "", "a mask must be one 8-bit channel");
    at::Tensor out = at::empty({mask.rows, mask.cols}, at::kByte);
    cv::Mat dst(mask.rows, mask.cols, CV_8UC1, out.data_ptr<uint8_t>());
    // 0/255 from the comparison, then 0/1: two vectorised passes over the rows.
    cv::compare(mask, 0, dst, cv::CMP_NE);
    cv::bitwise_and(dst, 1, dst);
    CV_Assert(dst.data == out.data_ptr<uint8_t>()); // written in place, not reallocated
    return out;
}

cv::Mat tensorToMask(const at::Tensor& mask) {
    if (mask.dim() != 2)
        throw CoreError(CoreErrorCode::UnsupportedFormat, "",
                        "a mask tensor must have two dimensions");
    const at::Tensor m = mask.to(at::kCPU).ne(0).to(at::kByte).contiguous();
    const cv::Mat wrap(static_cast<int>(m.size(0)), static_cast<int>(m.size(1)), CV_8UC1,
                       m.data_ptr<uint8_t>());
    cv::Mat out;
    cv::compare(wrap, 0, out, cv::CMP_GT);
    return out;
}

} // namespace dermsam
