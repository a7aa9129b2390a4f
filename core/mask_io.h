#pragma once

#include "core/image_limits.h"
#include "model/prompts.h"

#include <opencv2/core/mat.hpp>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dermsam {

// How stored values become lesion / background. One rule for reading masks and for scoring, so
// a mask file scores the same whether it is loaded first or handed to the metrics directly:
//   Auto (images): a two-level mask (values {0, v}, e.g. 0/1 or 0/255) -> lesion = non-zero,
//     as the ISIC scorer rescales such ground truths; a mask with more levels (a resampled
//     or JPEG-compressed mask, a probability map) is thresholded like the ISIC 2018 scorer:
//     8-bit > 128, 16-bit > 128 * 257, float > 0.5; int32 label maps -> non-zero.
//   NonZero (label arrays such as MedSAM .npy ground truths): every non-zero value is lesion.
// Colour masks use the maximum over the colour channels; alpha is ignored.
enum class MaskValueRule { Auto, NonZero };

// -> CV_8UC1 holding 0 and 255. Throws CoreError(BadMask) for an empty matrix or an
// unsupported type.
cv::Mat binarizeMask(const cv::Mat& values, MaskValueRule rule = MaskValueRule::Auto);

// What a saved mask remembers about how it was made (DESIGN.md "A saved mask").
struct MaskSidecar {
    Prompts prompts;                  // in original-image pixel coordinates
    std::string sourceImage;          // the image's file name (or path) the mask belongs to
    std::string modelFile;            // the checkpoint's file name, or "default"
    std::string modelHash;            // hex SHA-256 of the checkpoint file
    std::string preprocessingProfile; // "medsam" or "sam" (model/preprocess.h profileName)
    // The decoder that made the mask: a heatmap made again later must ask the same one. Written
    // as "model": {"decoder": "auto"} only for the Auto decoder, so other files stay as they were.
    DecoderHead decoder = DecoderHead::Main;
    std::optional<double> predictedIou;
    bool edited = false;      // touched by hand after the model produced it
    std::string createdUtc;   // ISO 8601; saveMask fills it with the current UTC time when empty
    std::string appVersion;   // saveMask fills it with DERMSAM_VERSION_STRING when empty
    std::string operatorName; // who saved it (the viewer's operator setting), "" = not given
    // Physical pixel size in mm (0 = unknown) and where it came from: "dicom" (PixelSpacing),
    // "calibration" (a line of known length drawn by the user) or "none".
    double pixelSizeRowMm = 0;
    double pixelSizeColMm = 0;
    std::string pixelSizeSource = "none";
    // The user's calibration line (image pixels) when pixelSizeSource is "calibration".
    std::optional<std::array<double, 4>> calibrationLine;
    // Measurements of the saved mask, name -> value; names carry their unit ("areaPx",
    // "areaMm2", "maxDiameterPx", "maxDiameterMm").
    std::vector<std::pair<std::string, double>> measurements;
};

// "<dir>/<stem>_segmentation.png" and the sidecar path for any mask path (extension -> .json).
std::string maskPathFor(const std::string& dir, const std::string& stem);
std::string sidecarPathFor(const std::string& maskPngPath);

// Writes the mask (CV_8UC1, non-zero = lesion) as an 8-bit single-channel 0/255 PNG and its
// JSON sidecar beside it. Each file is written atomically (io::AtomicFileWriter: temporary,
// fsync, rename, fsync of the folder), and nothing is renamed into place unless both were
// written, so a failure leaves the old files as they were. Throws CoreError: BadMask,
// FileWriteFailed (path = the file that failed).
void saveMask(const std::string& maskPngPath, const cv::Mat& mask, const MaskSidecar& sidecar);
// The PNG alone, atomically.
void saveMaskPng(const std::string& maskPngPath, const cv::Mat& mask);

// The sidecar as JSON text (stable key names; see mask_io.cpp; written by io::JsonWriter in
// QJsonDocument::Indented's layout, doubles round-trip) and back (QJsonDocument).
std::string sidecarToJson(const MaskSidecar& sidecar, int maskWidth, int maskHeight);
MaskSidecar sidecarFromJson(const std::string& json, const std::string& pathForErrors = {});
// Throws CoreError: FileNotFound, FileUnreadable, BadSidecar (also for a file over 1 MiB, which
// is not read whole).
MaskSidecar loadMaskSidecar(const std::string& jsonPath);

// A pixel size the user set by drawing a line of known length on an image, kept beside the
// image as "<dir>/<stem>_calibration.json" so that it is there the next time the image opens,
// whether or not a mask was saved.
struct Calibration {
    double mmPerPixel = 0;
    std::array<double, 4> line{}; // x0, y0, x1, y1 in image pixels
};
std::string calibrationPathFor(const std::string& dir, const std::string& stem);
// Atomic. Throws CoreError(FileWriteFailed) or (BadArgument) for a non-positive size.
void saveCalibration(const std::string& path, const Calibration& calibration);
// nullopt when the file does not exist; throws CoreError(BadSidecar) when it cannot be used
// (not JSON, not a calibration, a size out of range, a file over 64 KiB).
std::optional<Calibration> loadCalibration(const std::string& path);

// Reads a mask from PNG, BMP, TIFF, JPEG (rule Auto) or .npy (rule NonZero) -> CV_8UC1 0/255.
// Throws CoreError like loadImage (limits as loadImage's).
cv::Mat loadMask(const std::string& path, const ImageLimits& limits = {});

} // namespace dermsam
