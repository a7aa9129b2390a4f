#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

namespace dermsam {

// One image and its mask as tensors: image (H, W, C) uint8 (or int32 for 16-bit), mask (H, W)
// uint8 with any non-zero pixel lesion.
struct ImageMaskPair {
    std::string id;
    at::Tensor image;
    at::Tensor mask;
};

// Reads a split file: lines "id split" (train/val/test); '#' comments and blank lines skipped.
// Throws ModelError(BadArgument) naming the line on malformed input.
std::map<std::string, std::string> readSplitFile(const std::string& path);

// The MedSAM npy layout (imgs/ID.npy + gts/ID.npy), readable with LibTorch alone so the headless
// GPU build can train. Returns the ids present in both folders, sorted.
std::vector<std::string> listNpyDataset(const std::string& dir);
ImageMaskPair readNpyPair(const std::string& dir, const std::string& id);

} // namespace dermsam
