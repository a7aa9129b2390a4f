#include "core/dicom_io.h"

#include "core/core_error.h"
#include "core/dicom_structure.h"
#include "core/image_header.h"
#include "core/library_logging.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <opencv2/core.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

namespace dermsam {

void registerDicomCodecs() {
    static std::once_flag once;
    std::call_once(once, [] {
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

namespace {

bool readSpacingPair(DcmItem* item, const DcmTagKey& tag, double& rowMm, double& colMm) {
    Float64 row = 0;
    Float64 col = 0;
    if (item == nullptr || item->findAndGetFloat64(tag, row, 0).bad() ||
        item->findAndGetFloat64(tag, col, 1).bad())
        return false;
    if (!std::isfinite(row) || !std::isfinite(col) || row <= 0 || col <= 0)
        return false;
    rowMm = row;
    colMm = col;
    return true;
}

void readSpacing(DcmDataset* dataset, Image& image) {
    if (readSpacingPair(dataset, DCM_PixelSpacing, image.spacingRowMm, image.spacingColMm))
        return;
    if (readSpacingPair(dataset, DCM_ImagerPixelSpacing, image.spacingRowMm, image.spacingColMm))
        return;
    // Enhanced objects keep it in SharedFunctionalGroupsSequence > PixelMeasuresSequence.
    DcmItem* shared = nullptr;
    DcmItem* measures = nullptr;
    if (dataset->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() &&
        shared->findAndGetSequenceItem(DCM_PixelMeasuresSequence, measures, 0).good())
        readSpacingPair(measures, DCM_PixelSpacing, image.spacingRowMm, image.spacingColMm);
}

// Refuses, before DicomImage allocates Rows x Columns, a size above the limit or pixel data
// shorter than the size needs (uncompressed only: a compressed length says nothing).
void checkPixelDataSize(DcmDataset* dataset, const ImageLimits& limits, const std::string& path) {
    Uint16 rows = 0;
    Uint16 columns = 0;
    Uint16 samples = 1;
    Uint16 bitsAllocated = 0;
    dataset->findAndGetUint16(DCM_Rows, rows);
    dataset->findAndGetUint16(DCM_Columns, columns);
    dataset->findAndGetUint16(DCM_SamplesPerPixel, samples);
    dataset->findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
    checkImageLimits(columns, rows, limits, path);
    DcmElement* pixelData = nullptr;
    if (DcmXfer(dataset->getOriginalXfer()).isEncapsulated() ||
        dataset->findAndGetElement(DCM_PixelData, pixelData).bad() || pixelData == nullptr)
        return;
    // Single frame (checked before); doubles hold these products exactly.
    const double needed = static_cast<double>(rows) * columns * samples * bitsAllocated / 8.0;
    const double stored = pixelData->getLength();
    if (stored < std::floor(needed))
        throw CoreError(CoreErrorCode::CorruptFile, path,
                        "PixelData holds " + std::to_string(pixelData->getLength()) +
                            " bytes; Rows x Columns x SamplesPerPixel x BitsAllocated needs " +
                            std::to_string(static_cast<std::uint64_t>(std::ceil(needed))));
}

} // namespace

Image loadDicomImage(const std::string& path, const ImageLimits& limits) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw CoreError(CoreErrorCode::FileNotFound, path);
    if (!dcmDataDict.isDictionaryLoaded())
        throw CoreError(CoreErrorCode::DicomDictionaryMissing, path,
                        "DCMTK data dictionary not loaded; set DCMDICTPATH");
    silenceImageLibraryLogs();
    registerDicomCodecs();
    checkDicomStructure(path, limits);

    DcmFileFormat file;
    const OFCondition loaded = file.loadFile(OFFilename(path.c_str()));
    if (loaded.bad())
        throw CoreError(CoreErrorCode::CorruptFile, path, loaded.text());
    DcmDataset* dataset = file.getDataset();
    if (dataset == nullptr || !dataset->tagExistsWithValue(DCM_PixelData))
        throw CoreError(CoreErrorCode::UnsupportedDicom, path, "no pixel data");

    Sint32 frames = 1;
    if (dataset->findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1)
        throw CoreError(CoreErrorCode::UnsupportedDicom, path,
                        "multi-frame (" + std::to_string(frames) + " frames)");
    checkPixelDataSize(dataset, limits, path);
    Uint16 bitsStored = 8;
    dataset->findAndGetUint16(DCM_BitsStored, bitsStored);
    OFString photometric;
    dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);

    auto dicom = std::make_unique<DicomImage>(&file, dataset->getOriginalXfer(), 0UL /* flags */,
                                              0UL /* first frame */, 1UL /* frame count */);
    if (dicom->getStatus() != EIS_Normal)
        throw CoreError(CoreErrorCode::UnsupportedDicom, path,
                        DicomImage::getString(dicom->getStatus()));

    const int bits = bitsStored > 8 ? 16 : 8;
    const bool mono = dicom->isMonochrome();
    // Identity presentation shape: DCMTK would otherwise invert MONOCHROME1 through a float
    // LUT that is off by one here and there; inverting ourselves below is exact.
    if (mono)
        dicom->setPresentationLutShape(ESP_Identity);

    const unsigned long width = dicom->getWidth();
    const unsigned long height = dicom->getHeight();
    if (width == 0 || height == 0 || width > 1u << 16 || height > 1u << 16)
        throw CoreError(CoreErrorCode::UnsupportedDicom, path, "bad image size");
    const int channels = mono ? 1 : 3;
    const int type = CV_MAKETYPE(bits == 16 ? CV_16U : CV_8U, channels);

    const void* data = dicom->getOutputData(bits, 0 /* frame */, 0 /* interleaved */);
    const unsigned long size = dicom->getOutputDataSize(bits);
    const size_t expected = static_cast<size_t>(width) * height * channels * (bits / 8);
    if (data == nullptr || size < expected)
        throw CoreError(CoreErrorCode::UnsupportedDicom, path, "could not render pixel data");

    Image image;
    image.pixels.create(static_cast<int>(height), static_cast<int>(width), type);
    std::memcpy(image.pixels.data, data, expected);
    if (mono && photometric == "MONOCHROME1")
        cv::bitwise_not(image.pixels, image.pixels);
    readSpacing(dataset, image);
    image.sourcePath = path;
    image.isDicom = true;
    return image;
}

} // namespace dermsam
