#pragma once

#include "core/image_io.h"

#include <string>

namespace dermsam {

// Registers DCMTK's JPEG (baseline, extended, lossless), JPEG-LS and RLE decoders once per
// process; thread-safe and idempotent. loadDicomImage calls it itself.
void registerDicomCodecs();

// Reads a single-frame DICOM image through DCMTK's DicomImage: uncompressed, RLE, JPEG and
// JPEG-LS transfer syntaxes; RGB, YBR_FULL, YBR_FULL_422, YBR_RCT/ICT, PALETTE COLOR ->
// RGB; MONOCHROME1/2 -> grey. BitsStored <= 8 gives 8-bit pixels, more gives 16-bit ones.
// Monochrome: the modality transform is applied, no VOI window; the value range is mapped
// linearly onto the output depth (16 bits stored -> identity, 12 bits -> x16) and MONOCHROME1
// is inverted (max - v) so that bright means high signal. Spacing: PixelSpacing (0028,0030),
// else ImagerPixelSpacing (0018,1164), else the shared functional groups' PixelSpacing.
// Before DCMTK parses the file, checkDicomStructure (dicom_structure.h) bounds the nesting of
// sequences; before DCMTK renders it, Rows x Columns is checked against limits.maxPixels and,
// for uncompressed transfer syntaxes, against the length of PixelData.
// Throws CoreError: FileNotFound, CorruptFile (not parseable, or less pixel data than Rows x
// Columns x SamplesPerPixel x BitsAllocated needs), ImageTooLarge, UnsupportedDicom (no pixel
// data, more than one frame, no codec, nesting too deep, ...), DicomDictionaryMissing.
Image loadDicomImage(const std::string& path, const ImageLimits& limits = {});

} // namespace dermsam
