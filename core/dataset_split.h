#pragma once

#include "core/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dermsam {

enum class SplitName { Train, Val, Test };

const char* splitNameString(SplitName split); // "train", "val", "test"
// Accepts train/training, val/valid/validation, test/testing (any case). False otherwise.
bool splitNameFromString(const std::string& text, SplitName& split);

struct SplitEntry {
    std::string id;
    SplitName split = SplitName::Train;
    int line = 0; // 1-based line in the file (0 for generated splits)
};

// A split file: one "id split" per line, separated by spaces, tabs or a comma; '#' starts a
// comment; blank lines and a header line "id split" are skipped; CRLF is fine. The same id
// twice with the same split is tolerated, with different splits it is an error.
struct SplitFile {
    std::string path;
    std::vector<SplitEntry> entries; // file order
};

// Throws CoreError: FileNotFound, FileUnreadable, BadSplitFile (detail "line N: ...").
SplitFile loadSplitFile(const std::string& path);
SplitFile parseSplitFile(const std::string& text, const std::string& pathForErrors = {});

// A dataset cut into train / val / test.
struct DatasetSplit {
    std::vector<DatasetItem> train;
    std::vector<DatasetItem> val;
    std::vector<DatasetItem> test;
    std::vector<std::string> unknownIds;    // in the split file, not in the dataset
    std::vector<std::string> unassignedIds; // in the dataset, not in the split file

    const std::vector<DatasetItem>& items(SplitName split) const;
};

// Matches split-file ids to dataset items by id (an id written with an extension or folder,
// "images/ISIC_0000000.jpg", matches by its stem). Items keep the dataset's order.
DatasetSplit applySplitFile(const Dataset& dataset, const SplitFile& file);

// Seeded random split: the items sorted by id are shuffled (Fisher-Yates with
// std::mt19937_64(seed), index = draw mod k, so the result is the same on every platform);
// counts are round(n * ratio / sum) for train and val, the rest is test. Ratios must be >= 0
// with a positive sum, else CoreError(BadArgument). Each split is sorted by id.
DatasetSplit randomSplit(const Dataset& dataset, double trainRatio, double valRatio,
                         double testRatio, uint64_t seed);

// Writes "id split" lines (sorted by id) atomically. Throws CoreError(FileWriteFailed).
void saveSplitFile(const std::string& path, const DatasetSplit& split);

} // namespace dermsam
