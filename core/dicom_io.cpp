#include "core/dicom_io.h"

#include "core/core_error.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <opencv2/core.hpp>

#include <cmath>
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

} // namespace

Image loadDicomImage(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw CoreError(CoreErrorCode::FileNotFound, path);
    if (!dcmDataDict.isDictionaryLoaded())
        throw CoreError(CoreErrorCode::DicomDictionaryMissing, path,
                        "DCMTK data dictionary not loaded; set DCMDICTPATH");
    registerDicomCodecs();

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
