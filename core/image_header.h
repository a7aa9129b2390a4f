#pragma once

#include "core/image_limits.h"

#include <cstdint>
#include <string>

namespace dermsam {

// What a raster file's header declares, read without decoding a pixel.
struct ImageHeader {
    enum class Format { Unknown, Png, Jpeg, Bmp, Tiff };
    Format format = Format::Unknown;
    std::int64_t width = 0;
    std::int64_t height = 0;
    int channels = 0; // as stored (palette = 1, grey + alpha = 2, ...)
    int bitDepth = 0; // bits per channel
    // False when the file is too short for the pixel data the header declares (see below).
    bool dataFitsFile = true;
};

// Reads the header of a PNG (IHDR and the chunk list), JPEG (the first SOF marker), BMP (the
// info header) or TIFF (the first IFD) held in bytes; Format::Unknown for any other content.
// Throws CorruptFile when a recognised header is malformed or cut off. dataFitsFile is false
// when the declared pixels cannot be in the file: PNG, more than deflate's 1032:1 ratio of the
// IDAT bytes; uncompressed BMP, fewer bytes than rows; sequential Huffman JPEG, less than one
// bit per 8x8 block.
ImageHeader readImageHeader(const std::string& bytes, const std::string& path);

// Throws ImageTooLarge when width x height exceeds limits.maxPixels.
void checkImageLimits(std::int64_t width, std::int64_t height, const ImageLimits& limits,
                      const std::string& path);

// checkImageLimits, then CorruptFile when the declared pixel data cannot fit in the file.
void checkImageHeader(const ImageHeader& header, const ImageLimits& limits,
                      const std::string& path);

} // namespace dermsam
