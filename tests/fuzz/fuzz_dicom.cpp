// Fuzzes DICOM reading: the structure pre-scan, then DCMTK's parse and render (loadDicomImage).
#include "core/dicom_io.h"
#include "core/dicom_structure.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = dermsam::fuzz::writeTempFile("image.dcm", data, size);
    dermsam::ImageLimits limits;
    limits.maxPixels = 4'000'000; // as fuzz_image: fast inputs, same checks
    dermsam::fuzz::expectTypedErrors([&] {
        // The pre-scan on its own first: it must end with a verdict whatever the bytes.
        dermsam::checkDicomStructure(path, limits);
    });
    dermsam::fuzz::expectTypedErrors([&] {
        const dermsam::Image image = dermsam::loadDicomImage(path, limits);
        dermsam::toRgb8(image);
    });
    return 0;
}
