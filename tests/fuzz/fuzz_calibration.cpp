// Fuzzes the calibration file reader (loadCalibration): a calibration or BadSidecar, never more.
#include "core/mask_io.h"
#include "fuzz_support.h"

#include <cmath>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = dermsam::fuzz::writeTempFile("x_calibration.json", data, size);
    dermsam::fuzz::expectTypedErrors([&] {
        const std::optional<dermsam::Calibration> c = dermsam::loadCalibration(path);
        // Its promise: a positive, finite pixel size up to 1000 mm.
        if (c && !(c->mmPerPixel > 0 && std::isfinite(c->mmPerPixel) && c->mmPerPixel <= 1e3))
            std::abort();
    });
    return 0;
}
