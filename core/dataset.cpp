#include "core/dataset.h"

#include "core/core_error.h"
#include "core/image_io.h"
#include "core/mask_io.h"
#include "io/files.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

namespace fs = std::filesystem;

namespace dermsam {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isImageFile(const fs::path& p) {
    const std::string ext = io::asciiLower(p.extension().string());
    const auto& known = imageFileExtensions();
    return std::find(known.begin(), known.end(), ext) != known.end();
}

// Sorted, non-hidden entries of a folder; files or folders only. Unreadable folders list empty.
std::vector<fs::path> listEntries(const fs::path& dir, bool directories) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path p = it->path();
        if (p.filename().string().rfind('.', 0) == 0)
            continue;
        std::error_code typeError;
        const bool isDir = it->is_directory(typeError);
        if (typeError)
            continue;
        if (isDir == directories && (directories || it->is_regular_file(typeError)))
            out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> listImageFiles(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const fs::path& p : listEntries(dir, false))
        if (isImageFile(p))
            out.push_back(p);
    return out;
}

bool isIsicMaskStem(const std::string& stem) {
    return endsWith(io::asciiLower(stem), "_segmentation");
}

// Image stems that are not images: ISIC masks and the ISIC 2017 superpixel maps.
bool isAuxiliaryStem(const std::string& stem) {
    const std::string s = io::asciiLower(stem);
    return endsWith(s, "_segmentation") || endsWith(s, "_superpixels");
}

std::string stripSuffix(const std::string& stem, size_t suffixLength) {
    return stem.substr(0, stem.size() - suffixLength);
}

std::optional<fs::path> findSubdir(const fs::path& root, bool (*matches)(const std::string&)) {
    for (const fs::path& d : listEntries(root, true))
        if (matches(io::asciiLower(d.filename().string())))
            return d;
    return std::nullopt;
}

bool isImageDirName(const std::string& n) {
    return n == "images" || n == "image" || n == "imgs" || n == "img" || n == "input" ||
           (n.find("input") != std::string::npos && n.find("isic") != std::string::npos);
}

bool isMaskDirName(const std::string& n) {
    return n == "masks" || n == "mask" || n == "labels" || n == "label" || n == "gts" ||
           n == "gt" || n == "groundtruth" || n == "ground_truth" ||
           (n.find("groundtruth") != std::string::npos && n.find("isic") != std::string::npos);
}

bool isNpyImageDirName(const std::string& n) {
    return n == "imgs";
}
bool isNpyMaskDirName(const std::string& n) {
    return n == "gts";
}
bool isPh2ImagesDirName(const std::string& n) {
    return n == "ph2 dataset images";
}

bool containsExtension(const fs::path& dir, const std::string& ext) {
    for (const fs::path& p : listEntries(dir, false))
        if (io::asciiLower(p.extension().string()) == ext)
            return true;
    return false;
}

bool hasIsicMasks(const fs::path& dir) {
    for (const fs::path& p : listEntries(dir, false))
        if (isImageFile(p) && isIsicMaskStem(p.stem().string()))
            return true;
    return false;
}

bool isPh2Case(const fs::path& caseDir) {
    const std::string name = caseDir.filename().string();
    std::error_code ec;
    return fs::is_directory(caseDir / (name + "_Dermoscopic_Image"), ec);
}

std::optional<fs::path> ph2Root(const fs::path& root) {
    if (auto inner = findSubdir(root, isPh2ImagesDirName))
        return ph2Root(*inner);
    for (const fs::path& d : listEntries(root, true))
        if (isPh2Case(d))
            return root;
    return std::nullopt;
}

struct Pairing {
    std::vector<DatasetItem> items;
    std::vector<DatasetProblem> problems;
};

// Pairs images and masks by id. `maskCandidates` gives, per image id, mask file names to try
// in order; masks whose id has no image become MissingImage problems.
Pairing pairByStem(const std::vector<fs::path>& images, const std::vector<fs::path>& masks,
                   const fs::path& maskDir, const std::vector<std::string>& maskSuffixes) {
    Pairing out;
    // Lower-case file name -> path: "ISIC_1.JPG" pairs with "ISIC_1_Segmentation.PNG" too.
    std::map<std::string, fs::path> maskByName;
    for (const fs::path& m : masks)
        maskByName.emplace(io::asciiLower(m.filename().string()), m);
    std::map<std::string, fs::path> imageById;
    for (const fs::path& img : images)
        imageById.emplace(img.stem().string(), img); // first (sorted) wins on duplicate stems

    std::map<std::string, bool> maskUsed;
    for (const auto& [id, imagePath] : imageById) {
        std::optional<fs::path> found;
        for (const std::string& suffix : maskSuffixes) {
            auto it = maskByName.find(io::asciiLower(id + suffix));
            if (it != maskByName.end() && it->second != imagePath) {
                found = it->second;
                break;
            }
        }
        if (found) {
            maskUsed[io::asciiLower(found->filename().string())] = true;
            out.items.push_back({id, imagePath.string(), found->string()});
        } else {
            out.problems.push_back({id, imagePath.string(), ProblemKind::MissingMask,
                                    (maskDir / (id + maskSuffixes.front())).string()});
        }
    }
    for (const fs::path& m : masks) {
        const std::string name = io::asciiLower(m.filename().string());
        if (maskUsed.count(name) || imageById.count(m.stem().string()))
            continue; // used, or an image of its own (side-by-side layouts)
        std::string id = m.stem().string();
        for (const std::string& suffix : maskSuffixes) {
            const std::string stemSuffix = fs::path(suffix).stem().string();
            if (!stemSuffix.empty() && endsWith(io::asciiLower(id), stemSuffix)) {
                id = stripSuffix(id, stemSuffix.size());
                break;
            }
        }
        out.problems.push_back({id, m.string(), ProblemKind::MissingImage, {}});
    }
    return out;
}

Pairing scanIsic(const fs::path& root) {
    const auto imageDir = findSubdir(root, isImageDirName);
    const auto maskDir = findSubdir(root, isMaskDirName);
    fs::path images = root;
    fs::path masks = root;
    if (imageDir && maskDir && hasIsicMasks(*maskDir)) {
        images = *imageDir;
        masks = *maskDir;
    } else if (!hasIsicMasks(root)) {
        throw CoreError(CoreErrorCode::UnknownLayout, root.string(), "no *_segmentation files");
    }
    std::vector<fs::path> imageFiles;
    std::vector<fs::path> maskFiles;
    for (const fs::path& p : listImageFiles(images))
        if (!isAuxiliaryStem(p.stem().string()))
            imageFiles.push_back(p);
    for (const fs::path& p : listImageFiles(masks))
        if (isIsicMaskStem(p.stem().string()))
            maskFiles.push_back(p);
    return pairByStem(imageFiles, maskFiles, masks,
                      {"_segmentation.png", "_segmentation.bmp", "_segmentation.tif",
                       "_segmentation.tiff", "_segmentation.jpg"});
}

Pairing scanGeneric(const fs::path& root) {
    const auto imageDir = findSubdir(root, isImageDirName);
    const auto maskDir = findSubdir(root, isMaskDirName);
    if (!imageDir || !maskDir)
        throw CoreError(CoreErrorCode::UnknownLayout, root.string(), "no images/ and masks/");
    return pairByStem(
        listImageFiles(*imageDir), listImageFiles(*maskDir), *maskDir,
        {".png", ".bmp", ".tif", ".tiff", ".npy", ".jpg", "_mask.png", "_segmentation.png"});
}

Pairing scanMedSamNpy(const fs::path& root) {
    const auto imageDir = findSubdir(root, isNpyImageDirName);
    const auto maskDir = findSubdir(root, isNpyMaskDirName);
    if (!imageDir || !maskDir)
        throw CoreError(CoreErrorCode::UnknownLayout, root.string(), "no imgs/ and gts/");
    auto npyOnly = [](const fs::path& dir) {
        std::vector<fs::path> out;
        for (const fs::path& p : listEntries(dir, false))
            if (io::asciiLower(p.extension().string()) == ".npy")
                out.push_back(p);
        return out;
    };
    return pairByStem(npyOnly(*imageDir), npyOnly(*maskDir), *maskDir, {".npy"});
}

std::optional<fs::path> firstImageIn(const fs::path& dir, const std::string& preferredName) {
    std::error_code ec;
    if (fs::is_regular_file(dir / preferredName, ec))
        return dir / preferredName;
    const auto files = listImageFiles(dir);
    if (files.empty())
        return std::nullopt;
    return files.front();
}

Pairing scanPh2(const fs::path& root) {
    const auto cases = ph2Root(root);
    if (!cases)
        throw CoreError(CoreErrorCode::UnknownLayout, root.string(), "no IMDxxx cases");
    Pairing out;
    for (const fs::path& caseDir : listEntries(*cases, true)) {
        if (!isPh2Case(caseDir))
            continue;
        const std::string id = caseDir.filename().string();
        const fs::path imageDir = caseDir / (id + "_Dermoscopic_Image");
        const fs::path lesionDir = caseDir / (id + "_lesion");
        const auto image = firstImageIn(imageDir, id + ".bmp");
        const auto mask = firstImageIn(lesionDir, id + "_lesion.bmp");
        if (!image)
            out.problems.push_back({id, imageDir.string(), ProblemKind::MissingImage,
                                    (imageDir / (id + ".bmp")).string()});
        else if (!mask)
            out.problems.push_back({id, image->string(), ProblemKind::MissingMask,
                                    (lesionDir / (id + "_lesion.bmp")).string()});
        else
            out.items.push_back({id, image->string(), mask->string()});
    }
    return out;
}

// Decodes both files; returns the problem, if any.
std::optional<DatasetProblem> validatePair(const DatasetItem& item) {
    cv::Size imageSize;
    try {
        imageSize = loadImage(item.imagePath).pixels.size();
    } catch (const CoreError& e) {
        return DatasetProblem{item.id, item.imagePath, ProblemKind::Unreadable,
                              coreErrorCodeName(e.code())};
    } catch (const std::exception& e) {
        return DatasetProblem{item.id, item.imagePath, ProblemKind::Unreadable, e.what()};
    }
    cv::Mat mask;
    try {
        mask = loadMask(item.maskPath);
    } catch (const CoreError& e) {
        return DatasetProblem{item.id, item.maskPath, ProblemKind::Unreadable,
                              coreErrorCodeName(e.code())};
    } catch (const std::exception& e) {
        return DatasetProblem{item.id, item.maskPath, ProblemKind::Unreadable, e.what()};
    }
    if (mask.size() != imageSize)
        return DatasetProblem{item.id, item.maskPath, ProblemKind::SizeMismatch,
                              std::to_string(imageSize.width) + "x" +
                                  std::to_string(imageSize.height) + " vs " +
                                  std::to_string(mask.cols) + "x" + std::to_string(mask.rows)};
    if (cv::countNonZero(mask) == 0)
        return DatasetProblem{item.id, item.maskPath, ProblemKind::EmptyMask, {}};
    return std::nullopt;
}

} // namespace

const char* datasetLayoutName(DatasetLayout layout) {
    switch (layout) {
    case DatasetLayout::Auto:
        return "auto";
    case DatasetLayout::Isic:
        return "isic";
    case DatasetLayout::Ph2:
        return "ph2";
    case DatasetLayout::Generic:
        return "generic";
    case DatasetLayout::MedSamNpy:
        return "medsam-npy";
    }
    return "auto";
}

DatasetLayout datasetLayoutFromName(const std::string& name) {
    const std::string n = io::asciiLower(name);
    for (DatasetLayout l : {DatasetLayout::Auto, DatasetLayout::Isic, DatasetLayout::Ph2,
                            DatasetLayout::Generic, DatasetLayout::MedSamNpy})
        if (n == datasetLayoutName(l))
            return l;
    if (n == "npy" || n == "medsam")
        return DatasetLayout::MedSamNpy;
    throw CoreError(CoreErrorCode::BadArgument, {}, "unknown dataset layout '" + name + "'");
}

const char* problemKindName(ProblemKind kind) {
    switch (kind) {
    case ProblemKind::MissingMask:
        return "missing-mask";
    case ProblemKind::MissingImage:
        return "missing-image";
    case ProblemKind::SizeMismatch:
        return "size-mismatch";
    case ProblemKind::Unreadable:
        return "unreadable";
    case ProblemKind::EmptyMask:
        return "empty-mask";
    }
    return "unknown";
}

const DatasetItem* Dataset::find(const std::string& id) const {
    auto it = std::lower_bound(
        items.begin(), items.end(), id,
        [](const DatasetItem& item, const std::string& key) { return item.id < key; });
    return it != items.end() && it->id == id ? &*it : nullptr;
}

DatasetLayout detectDatasetLayout(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec))
        throw CoreError(CoreErrorCode::FileNotFound, dir);
    if (!fs::is_directory(dir, ec))
        throw CoreError(CoreErrorCode::NotADirectory, dir);
    const fs::path root(dir);

    const auto npyImages = findSubdir(root, isNpyImageDirName);
    const auto npyMasks = findSubdir(root, isNpyMaskDirName);
    if (npyImages && npyMasks && containsExtension(*npyImages, ".npy"))
        return DatasetLayout::MedSamNpy;
    const auto imageDir = findSubdir(root, isImageDirName);
    const auto maskDir = findSubdir(root, isMaskDirName);
    if (imageDir && maskDir)
        return hasIsicMasks(*maskDir) ? DatasetLayout::Isic : DatasetLayout::Generic;
    if (hasIsicMasks(root))
        return DatasetLayout::Isic;
    if (ph2Root(root))
        return DatasetLayout::Ph2;
    throw CoreError(CoreErrorCode::UnknownLayout, dir);
}

Dataset scanDataset(const std::string& dir, DatasetLayout layout, bool validate) {
    const DatasetLayout found = layout == DatasetLayout::Auto ? detectDatasetLayout(dir) : layout;
    std::error_code ec;
    if (!fs::exists(dir, ec))
        throw CoreError(CoreErrorCode::FileNotFound, dir);
    if (!fs::is_directory(dir, ec))
        throw CoreError(CoreErrorCode::NotADirectory, dir);
    const fs::path root = fs::absolute(fs::path(dir), ec).lexically_normal();

    Pairing pairing;
    switch (found) {
    case DatasetLayout::Isic:
        pairing = scanIsic(root);
        break;
    case DatasetLayout::Ph2:
        pairing = scanPh2(root);
        break;
    case DatasetLayout::Generic:
        pairing = scanGeneric(root);
        break;
    case DatasetLayout::MedSamNpy:
        pairing = scanMedSamNpy(root);
        break;
    case DatasetLayout::Auto:
        break;
    }

    Dataset dataset;
    dataset.layout = found;
    dataset.root = root.string();
    dataset.problems = std::move(pairing.problems);
    if (validate) {
        for (DatasetItem& item : pairing.items) {
            if (auto problem = validatePair(item))
                dataset.problems.push_back(std::move(*problem));
            else
                dataset.items.push_back(std::move(item));
        }
    } else {
        dataset.items = std::move(pairing.items);
    }
    auto byId = [](const auto& a, const auto& b) { return a.id < b.id; };
    std::sort(dataset.items.begin(), dataset.items.end(), byId);
    std::stable_sort(dataset.problems.begin(), dataset.problems.end(), byId);
    return dataset;
}

} // namespace dermsam
