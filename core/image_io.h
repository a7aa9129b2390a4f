#pragma once

#include "core/image_limits.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace dermsam {

// A decoded image as stored: no resizing, no colour management, alpha dropped.
struct Image {
    // CV_8UC3 RGB (not BGR), CV_16UC3 RGB, CV_8UC1 or CV_16UC1 grey.
    cv::Mat pixels;
    // Physical size of one pixel: row spacing = distance between rows (vertical), column
    // spacing = distance between columns (horizontal), in mm; 0 = unknown.
    double spacingRowMm = 0;
    double spacingColMm = 0;
    std::string sourcePath;
    bool isDicom = false;

    int width() const { return pixels.cols; }
    int height() const { return pixels.rows; }
    bool hasSpacing() const { return spacingRowMm > 0 && spacingColMm > 0; }
};

// Reads JPEG, PNG (8/16-bit; grey, grey+alpha, RGB, RGBA), BMP, TIFF (8/16-bit), DICOM (see
// dicom_io.h) and .npy arrays ((H, W) or (H, W, 1|3|4); uint8, 16-bit, or float in [0, 1]
// scaled to 0..255). DICOM is recognised by "DICM" at byte 128 or a .dcm/.dicom extension, npy
// by its magic; JPEG, PNG, BMP and TIFF by content, never by extension alone; any other
// content is UnsupportedFormat. The EXIF orientation tag is not applied: pixels come back as
// stored, the frame masks are drawn in.
// Hostile input (docs/reliability.md): the header's width x height is checked against
// limits.maxPixels, and against the file's size, before any pixel buffer is allocated; JPEG is
// decoded strictly (a truncated or damaged file fails instead of coming back smeared); the
// libraries print nothing.
// Throws CoreError: FileNotFound, FileUnreadable, UnsupportedFormat (unknown content or pixel
// type), CorruptFile (a known format the decoder rejects, or a header declaring more pixels
// than the file holds), ImageTooLarge, UnsupportedDicom, DicomDictionaryMissing.
Image loadImage(const std::string& path, const ImageLimits& limits = {});

// The 8-bit RGB view for display and thumbnails: grey is replicated, 16-bit is divided by 257
// (0..65535 onto 0..255, the rule model/preprocess uses). Always CV_8UC3, never shares data.
cv::Mat toRgb8(const Image& image);

// True when the first bytes carry the DICOM Part 10 preamble ("DICM" at offset 128).
bool hasDicomPreamble(const std::string& path);

// Lower-case extensions (with the dot) that dataset scans treat as images.
const std::vector<std::string>& imageFileExtensions();

} // namespace dermsam
