// Fuzzes the .safetensors reader and the architecture read off its tensor shapes.
#include "fuzz_support.h"
#include "io/mapped_file.h"
#include "model/sam_architecture.h"
#include "model/serialization/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const auto file = dermsam::io::MappedFile::fromBytes(
            std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
        const dermsam::SafetensorsFile st = dermsam::readSafetensors(file);
        for (const auto& entry : st.tensors)
            if (entry.second.defined() && entry.second.is_contiguous())
                dermsam::fuzz::touch(entry.second.data_ptr(), entry.second.nbytes());
        // What loading a model does next: the architecture is read off the tensor shapes, and
        // every number must be refused or bounded before a module is built (no SIGFPE).
        dermsam::fuzz::expectTypedErrors(
            [&] { dermsam::SamArchitecture::fromStateDict(st.tensors); });
        dermsam::fuzz::expectTypedErrors(
            [&] { dermsam::SamArchitecture::compactFromStateDict(st.tensors); });
    });
    return 0;
}
