// Fuzzes the .safetensors reader: any bytes give in-bounds tensors and metadata, or ModelError.
#include "fuzz_support.h"
#include "model/mapped_file.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const auto file = dermsam::MappedFile::fromBytes(
            std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
        const dermsam::SafetensorsFile st = dermsam::readSafetensors(file);
        for (const auto& entry : st.tensors)
            if (entry.second.defined() && entry.second.is_contiguous())
                dermsam::fuzz::touch(entry.second.data_ptr(), entry.second.nbytes());
    });
    return 0;
}
