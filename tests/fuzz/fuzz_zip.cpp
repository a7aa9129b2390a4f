// Fuzzes the zip reader: every entry it lists must lie inside the archive's bytes.
#include "fuzz_support.h"
#include "io/mapped_file.h"
#include "io/zip_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const dermsam::io::ZipArchive zip(dermsam::io::MappedFile::fromBytes(
            std::string(reinterpret_cast<const char*>(data), size), "fuzz.zip"));
        for (const dermsam::io::ZipEntry& e : zip.entries()) {
            dermsam::fuzz::expectTypedErrors([&] {
                dermsam::fuzz::touch(zip.data(e), static_cast<size_t>(e.size));
                zip.verifyCrc(e);
                zip.read(e.name);
            });
        }
    });
    return 0;
}
