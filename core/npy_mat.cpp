#include "core/npy_mat.h"

#include "core/core_error.h"
#include "model/model_error.h"
#include "model/serialization/npy.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>

#include <cstring>

namespace dermsam {

cv::Mat readNpyMat(const std::string& path) {
    at::Tensor t;
    try {
        t = readNpy(path);
    } catch (const ModelError& e) {
        switch (e.code()) {
        case ErrorCode::FileNotFound:
            throw CoreError(CoreErrorCode::FileNotFound, path, e.detail());
        case ErrorCode::FileUnreadable:
            throw CoreError(CoreErrorCode::FileUnreadable, path, e.detail());
        case ErrorCode::UnsupportedDtype:
            throw CoreError(CoreErrorCode::UnsupportedFormat, path, e.detail());
        default:
            throw CoreError(CoreErrorCode::CorruptFile, path, e.what());
        }
    } catch (const c10::Error& e) {
        throw CoreError(CoreErrorCode::CorruptFile, path, e.what_without_backtrace());
    }

    if (t.dim() == 3 && t.size(0) == 1 && t.size(2) > 4)
        t = t.squeeze(0); // (1, H, W) label maps
    if (t.dim() == 2)
        t = t.unsqueeze(2);
    if (t.dim() != 3 || t.size(2) < 1 || t.size(2) > 4 || t.size(0) < 1 || t.size(1) < 1 ||
        t.size(0) > (1 << 16) || t.size(1) > (1 << 16))
        throw CoreError(CoreErrorCode::UnsupportedFormat, path, "shape not (H, W[, C<=4])");

    int depth = 0;
    switch (t.scalar_type()) {
    case at::kByte:
        depth = CV_8U;
        break;
    case at::kBool:
        t = t.to(at::kByte);
        depth = CV_8U;
        break;
    case at::kInt:
        depth = CV_32S;
        break;
    case at::kLong: {
        const int64_t lo = t.numel() ? t.min().item<int64_t>() : 0;
        const int64_t hi = t.numel() ? t.max().item<int64_t>() : 0;
        if (lo < INT32_MIN || hi > INT32_MAX)
            throw CoreError(CoreErrorCode::UnsupportedFormat, path, "int64 values out of range");
        t = t.to(at::kInt);
        depth = CV_32S;
        break;
    }
    case at::kHalf:
    case at::kFloat:
        t = t.to(at::kFloat);
        depth = CV_32F;
        break;
    case at::kDouble:
        depth = CV_64F;
        break;
    default:
        throw CoreError(CoreErrorCode::UnsupportedFormat, path,
                        std::string("dtype ") + c10::toString(t.scalar_type()));
    }
    t = t.contiguous();
    const int rows = static_cast<int>(t.size(0));
    const int cols = static_cast<int>(t.size(1));
    const int channels = static_cast<int>(t.size(2));
    cv::Mat mat(rows, cols, CV_MAKETYPE(depth, channels));
    std::memcpy(mat.data, t.data_ptr(), t.numel() * t.element_size());
    return mat;
}

} // namespace dermsam
