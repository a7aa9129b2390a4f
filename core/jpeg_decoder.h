#pragma once

#include "core/image_limits.h"

#include <opencv2/core/mat.hpp>

#include <string>

namespace dermsam {

// Decodes a JPEG held in bytes with libjpeg directly rather than through OpenCV, because
// OpenCV (and libjpeg's default error manager) turn a truncated or damaged file into a
// partial image with smeared rows and a warning on stderr. Here every libjpeg warning about
// the data (premature end, bad Huffman code, extraneous bytes, ...) is an error, and nothing
// is printed. Returns CV_8UC1 grey or CV_8UC3 RGB (CMYK/YCCK converted as OpenCV does); the
// pixels are what OpenCV's decoder gives for the same intact file (same library, same
// defaults: islow DCT, fancy upsampling). Throws CorruptFile with libjpeg's message,
// UnsupportedFormat for 2 or more than 4 components, ImageTooLarge above limits.
cv::Mat decodeJpeg(const std::string& bytes, const std::string& path, const ImageLimits& limits);

} // namespace dermsam
