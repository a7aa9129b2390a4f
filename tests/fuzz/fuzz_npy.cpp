// Fuzzes the .npy reader (parseNpy): any bytes give a tensor whose data lies in bounds, or BadNpy.
#include "fuzz_support.h"
#include "model/serialization/npy.h"

#include <ATen/core/Tensor.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const at::Tensor t =
            dermsam::parseNpy(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
        if (t.defined() && t.is_contiguous())
            dermsam::fuzz::touch(t.data_ptr(), t.nbytes());
    });
    return 0;
}
