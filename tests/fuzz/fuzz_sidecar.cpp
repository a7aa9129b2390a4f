// Fuzzes the mask sidecar JSON parser (sidecarFromJson): any text gives a sidecar or BadSidecar.
#include "core/mask_io.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const dermsam::MaskSidecar s = dermsam::sidecarFromJson(
            std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
        // What was read must be writable again (the viewer re-saves sidecars it opened).
        dermsam::sidecarToJson(s, 16, 16);
    });
    return 0;
}
