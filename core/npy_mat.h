#pragma once

#include <opencv2/core/mat.hpp>

#include <string>

namespace dermsam {

// Reads a .npy array (model/serialization/npy.h) as an OpenCV matrix without changing its values:
// (H, W) -> 1 channel, (H, W, C) with C <= 4 -> C channels, (1, H, W) -> 1 channel.
// dtypes: uint8 -> CV_8U, bool -> CV_8U (0/1), int32/int64 -> CV_32S (values must fit),
// float16/float32 -> CV_32F, float64 -> CV_64F. The matrix owns its data.
// Throws CoreError: FileNotFound, CorruptFile (bad header / truncated), UnsupportedFormat
// (rank, channel count or dtype).
cv::Mat readNpyMat(const std::string& path);

} // namespace dermsam
