// Fuzzes the restricted unpickler alone (data.pkl bytes, storages served from memory).
#include "fuzz_support.h"
#include "model/serialization/pickle_reader.h"
#include "model/serialization/pth_reader.h"

#include <ATen/ATen.h>

namespace {

// The real loader (pth_reader.cpp) refuses storages larger than their zip record; small
// storages of zeros stand in for records here, so tensor views over them get checked.
at::Tensor zeroStorage(const std::string& key, at::ScalarType dtype, int64_t numel) {
    if (numel < 0 || numel > (int64_t(1) << 16))
        throw dermsam::ModelError(dermsam::ErrorCode::TruncatedFile, "fuzz.pkl",
                                  "storage '" + key + "' larger than the fuzzing stand-in");
    return at::zeros({numel}, at::TensorOptions().dtype(dtype));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const dermsam::PickleDocument doc =
            dermsam::unpickle(reinterpret_cast<const char*>(data), size, zeroStorage, "fuzz.pkl");
        dermsam::fuzz::expectTypedErrors(
            [&] { dermsam::stateDictFromPickle(doc.root(), "fuzz.pkl"); });
    });
    return 0;
}
