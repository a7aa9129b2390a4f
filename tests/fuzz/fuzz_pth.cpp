// Fuzzes the whole .pth path (zip archive, byte order, data.pkl, storages, state dict).
#include "fuzz_support.h"
#include "model/mapped_file.h"
#include "model/pth_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const auto file = dermsam::MappedFile::fromBytes(
            std::string(reinterpret_cast<const char*>(data), size), "fuzz.pth");
        const dermsam::TensorMap tensors = dermsam::readPthStateDict(file);
        for (const auto& entry : tensors)
            if (entry.second.defined() && entry.second.is_contiguous())
                dermsam::fuzz::touch(entry.second.data_ptr(), entry.second.nbytes());
    });
    return 0;
}
