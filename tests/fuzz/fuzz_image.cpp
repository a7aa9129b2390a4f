// Fuzzes loadImage on raw bytes: PNG/JPEG/BMP/TIFF headers and decoders, .npy images, dispatch.
#include "core/image_io.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The extension is neutral, so the format comes from the content as for any user file.
    const std::string path = dermsam::fuzz::writeTempFile("image.bin", data, size);
    // A smaller pixel limit than the default keeps each input fast; the default's size checks
    // are the same code with a larger number (tests/core/tst_hostile_images.cpp).
    dermsam::ImageLimits limits;
    limits.maxPixels = 4'000'000;
    dermsam::fuzz::expectTypedErrors([&] {
        const dermsam::Image image = dermsam::loadImage(path, limits);
        dermsam::toRgb8(image);
    });
    return 0;
}
