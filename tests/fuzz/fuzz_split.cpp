// Fuzzes the split-file parser (parseSplitFile): entries with ids and line numbers, or
// BadSplitFile.
#include "core/dataset_split.h"
#include "fuzz_support.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dermsam::fuzz::expectTypedErrors([&] {
        const dermsam::SplitFile file = dermsam::parseSplitFile(
            std::string(reinterpret_cast<const char*>(data), size), "fuzz-split.txt");
        for (const dermsam::SplitEntry& e : file.entries)
            if (e.id.empty() || e.line < 1)
                std::abort();
        // Ids are matched by stem against a dataset, which takes them apart as paths.
        static const dermsam::Dataset dataset = [] {
            dermsam::Dataset d;
            d.layout = dermsam::DatasetLayout::Generic;
            d.items = {{"ISIC_0000000", "images/ISIC_0000000.jpg", "masks/ISIC_0000000.png"},
                       {"a", "images/a.png", "masks/a.png"}};
            return d;
        }();
        dermsam::applySplitFile(dataset, file);
    });
    return 0;
}
