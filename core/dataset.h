#pragma once

#include <string>
#include <vector>

namespace dermsam {

// Dataset folder layouts (DESIGN.md "Data formats"):
//   Isic:      X.jpg + X_segmentation.png side by side, or in images/ + masks/ (also the
//              official ISIC2018_Task1-2_Training_Input/ + ..._GroundTruth/ folder names);
//   Ph2:       IMDxxx/IMDxxx_Dermoscopic_Image/IMDxxx.bmp + IMDxxx/IMDxxx_lesion/IMDxxx_lesion.bmp
//              (the root may also be the folder holding "PH2 Dataset images");
//   Generic:   images/S.* + masks/S.png (also S.bmp/.tif/.tiff/.jpg/.npy, S_mask.png);
//   MedSamNpy: imgs/S.npy + gts/S.npy.
enum class DatasetLayout { Auto, Isic, Ph2, Generic, MedSamNpy };

const char*
datasetLayoutName(DatasetLayout layout); // "auto", "isic", "ph2", "generic", "medsam-npy"
// Throws CoreError(BadArgument) for an unknown name.
DatasetLayout datasetLayoutFromName(const std::string& name);

enum class ProblemKind {
    MissingMask,  // an image without its mask (path = the image)
    MissingImage, // a mask without its image (path = the mask)
    SizeMismatch, // image and mask sizes differ (path = the mask); validate only
    Unreadable,   // the image or the mask does not decode (path = that file); validate only
    EmptyMask,    // the mask has no lesion pixel (path = the mask); validate only
};
const char* problemKindName(ProblemKind kind); // "missing-mask", ...

struct DatasetItem {
    std::string id; // file stem without "_segmentation", PH2 case name, ...
    std::string imagePath;
    std::string maskPath;
};

struct DatasetProblem {
    std::string id;
    std::string path;
    ProblemKind kind = ProblemKind::MissingMask;
    std::string detail; // machine detail: the expected mask path, "512x512 vs 600x450", ...
};

struct Dataset {
    DatasetLayout layout = DatasetLayout::Auto; // the layout found (never Auto after a scan)
    std::string root;                           // absolute path of the scanned folder
    std::vector<DatasetItem> items;             // usable pairs, sorted by id
    std::vector<DatasetProblem> problems;       // pairs left out, sorted by id

    // nullptr when absent.
    const DatasetItem* find(const std::string& id) const;
};

// Which layout a folder has. Throws CoreError: FileNotFound, NotADirectory, UnknownLayout.
DatasetLayout detectDatasetLayout(const std::string& dir);

// Lists the image/mask pairs of a folder. With layout Auto the layout is detected; a named
// layout the folder does not have throws CoreError(UnknownLayout). Pairs with a missing partner
// become problems. validate = also decode every image and mask and leave out pairs that are
// unreadable, differ in size or have an empty mask (slow: reads every file). Never throws for a
// bad pair; throws CoreError(FileNotFound / NotADirectory / UnknownLayout) for the folder.
Dataset scanDataset(const std::string& dir, DatasetLayout layout = DatasetLayout::Auto,
                    bool validate = false);

} // namespace dermsam
