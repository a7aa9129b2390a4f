#pragma once

#include "core/mask_io.h"

#include <opencv2/core/mat.hpp>

#include <string>

namespace dermsam {

// Writes a binary DICOM Segmentation (SEG) object for a mask drawn on a DICOM image, with
// DCMTK's dcmseg: one segment "Lesion" (SCT 49755003 "Morphologically Abnormal Structure" /
// SCT 52988006 "Lesion"), algorithm type SEMIAUTOMATIC (the model is prompted by a person;
// "DermSAM" as algorithm name), patient / study / frame of reference taken from the source, and
// one frame whose Derivation Image functional group references the source image (required for
// 2-D sources without a frame of reference). The sidecar's model file and profile go into the
// series description. Written to a temporary file beside the target and renamed into place.
// mask: CV_8UC1, non-zero = lesion, the source image's size.
// Throws CoreError: BadMask, SizeMismatch (mask vs source Rows/Columns), FileNotFound,
// CorruptFile / UnsupportedDicom (the source), FileWriteFailed (DCMTK detail in detail()).
void saveDicomSeg(const std::string& segPath, const cv::Mat& mask,
                  const std::string& sourceDicomPath, const MaskSidecar& sidecar);

// Reads the first segment of a binary DICOM SEG back as CV_8UC1 0/255 (frames of segment 1
// are OR-ed). Throws CoreError: FileNotFound, CorruptFile, UnsupportedDicom.
cv::Mat loadDicomSeg(const std::string& segPath);

} // namespace dermsam
