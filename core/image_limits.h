#pragma once

#include <cmath>
#include <cstdint>

namespace dermsam {

// Bounds checked against an image's header before anything is decoded, so a hostile or broken
// file cannot make DermSAM allocate gigabytes or recurse without end (docs/reliability.md).
struct ImageLimits {
    // Declared width x height above this is refused with ImageTooLarge. 200 megapixels is
    // about 14000 x 14000: far above any dermoscope, and 0.6 GB as 8-bit RGB.
    std::int64_t maxPixels = 200'000'000;
    // DICOM sequences nested deeper than this are refused before DCMTK parses them: its reader
    // recurses once per level and overflows the stack at a few thousand.
    int maxDicomSequenceDepth = 16;

    // The limits of the command line's --max-megapixels N (N > 0).
    static ImageLimits withMegapixels(double megapixels) {
        ImageLimits limits;
        limits.maxPixels = std::llround(megapixels * 1e6);
        return limits;
    }
};

} // namespace dermsam
