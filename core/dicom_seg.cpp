#include "core/dicom_seg.h"

#include "core/core_error.h"
#include "core/dicom_io.h"
#include "io/atomic_file.h"

#include "dermsam_version.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmiod/iodrules.h>
#include <dcmtk/dcmiod/modequipment.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <dcmtk/dcmseg/segutils.h>

#include <opencv2/core.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unistd.h>

namespace dermsam {

namespace {

void check(const OFCondition& condition, CoreErrorCode code, const std::string& path,
           const char* step) {
    if (condition.bad())
        throw CoreError(code, path, std::string(step) + ": " + condition.text());
}

void requireDictionary(const std::string& path) {
    if (!dcmDataDict.isDictionaryLoaded())
        throw CoreError(CoreErrorCode::DicomDictionaryMissing, path,
                        "DCMTK data dictionary not loaded; set DCMDICTPATH");
}

// Removes the temporary file unless released.
struct TemporaryFile {
    std::string path;
    bool keep = false;
    ~TemporaryFile() {
        if (!keep)
            std::remove(path.c_str());
    }
};

} // namespace

void saveDicomSeg(const std::string& segPath, const cv::Mat& mask,
                  const std::string& sourceDicomPath, const MaskSidecar& sidecar) {
    if (mask.empty() || mask.type() != CV_8UC1)
        throw CoreError(CoreErrorCode::BadMask, segPath, "mask must be CV_8UC1");
    std::error_code ec;
    if (!std::filesystem::exists(sourceDicomPath, ec))
        throw CoreError(CoreErrorCode::FileNotFound, sourceDicomPath);
    requireDictionary(sourceDicomPath);
    registerDicomCodecs();

    DcmFileFormat source;
    check(source.loadFile(OFFilename(sourceDicomPath.c_str())), CoreErrorCode::CorruptFile,
          sourceDicomPath, "load source");
    DcmDataset* sourceSet = source.getDataset();
    Uint16 rows = 0;
    Uint16 cols = 0;
    OFString sopClass;
    OFString sopInstance;
    if (sourceSet->findAndGetUint16(DCM_Rows, rows).bad() ||
        sourceSet->findAndGetUint16(DCM_Columns, cols).bad() ||
        sourceSet->findAndGetOFString(DCM_SOPClassUID, sopClass).bad() ||
        sourceSet->findAndGetOFString(DCM_SOPInstanceUID, sopInstance).bad() || sopClass.empty() ||
        sopInstance.empty())
        throw CoreError(CoreErrorCode::UnsupportedDicom, sourceDicomPath,
                        "source lacks Rows/Columns/SOP Class/SOP Instance UID");
    if (mask.rows != rows || mask.cols != cols)
        throw CoreError(CoreErrorCode::SizeMismatch, segPath,
                        "mask " + std::to_string(mask.cols) + "x" + std::to_string(mask.rows) +
                            " vs source " + std::to_string(cols) + "x" + std::to_string(rows));

    const std::string version = DERMSAM_VERSION_STRING;
    IODGeneralEquipmentModule::EquipmentInfo equipment("DermSAM", "DermSAM", "0", version.c_str());
    // Content Creator's Name is the person responsible for the segmentation, not the program
    // (the equipment module names DermSAM).
    const std::string creator =
        sidecar.operatorName.empty() ? std::string() : sidecar.operatorName.substr(0, 64);
    ContentIdentificationMacro content("1", "LESION", "Lesion segmentation", creator.c_str());
    DcmSegmentation* rawSeg = nullptr;
    check(DcmSegmentation::createBinarySegmentation(rawSeg, rows, cols, equipment, content),
          CoreErrorCode::FileWriteFailed, segPath, "create segmentation");
    std::unique_ptr<DcmSegmentation> seg(rawSeg);
    check(seg->importFromSourceImage(*sourceSet), CoreErrorCode::UnsupportedDicom, sourceDicomPath,
          "import patient/study");

    // A 2-D photograph usually has no frame of reference; the SEG IOD then needs none either
    // (the Derivation Image functional group added below carries the link), but DCMTK 3.6.7
    // keeps FrameOfReferenceUID as type 1: relax the module's rules for that case.
    OFString frameOfReference;
    if (sourceSet->findAndGetOFString(DCM_FrameOfReferenceUID, frameOfReference).bad() ||
        frameOfReference.empty()) {
        seg->getRules()->addRule(new IODRule(DCM_FrameOfReferenceUID, "1", "1C",
                                             "FrameOfReferenceModule", DcmIODTypes::IE_FOR),
                                 OFTrue);
        seg->getRules()->addRule(new IODRule(DCM_PositionReferenceIndicator, "1", "3",
                                             "FrameOfReferenceModule", DcmIODTypes::IE_FOR),
                                 OFTrue);
    }

    std::string description = "DermSAM";
    if (!sidecar.modelFile.empty())
        description += " " + sidecar.modelFile;
    if (!sidecar.preprocessingProfile.empty())
        description += " (" + sidecar.preprocessingProfile + ")";
    if (sidecar.edited)
        description += " edited";
    seg->getSeries().setSeriesDescription(description.substr(0, 64).c_str(), OFFalse);
    seg->getSeries().setSeriesNumber("999", OFFalse);

    DcmSegment* rawSegment = nullptr;
    check(DcmSegment::create(
              rawSegment, "Lesion",
              CodeSequenceMacro("49755003", "SCT", "Morphologically Abnormal Structure"),
              CodeSequenceMacro("52988006", "SCT", "Lesion"), DcmSegTypes::SAT_SEMIAUTOMATIC,
              "DermSAM"),
          CoreErrorCode::FileWriteFailed, segPath, "create segment");
    Uint16 segmentNumber = 0;
    const OFCondition added = seg->addSegment(rawSegment, segmentNumber);
    if (added.bad()) {
        delete rawSegment;
        check(added, CoreErrorCode::FileWriteFailed, segPath, "add segment");
    }

    OFVector<ImageSOPInstanceReferenceMacro> sources(1);
    sources[0].setReferencedSOPClassUID(sopClass, OFFalse);
    sources[0].setReferencedSOPInstanceUID(sopInstance, OFFalse);
    std::unique_ptr<FGDerivationImage> derivation(
        DcmSegmentation::createDerivationImageFG(sources, "DermSAM prompted lesion segmentation"));
    if (!derivation)
        throw CoreError(CoreErrorCode::FileWriteFailed, segPath, "derivation image group");
    // One dimension (the segment number) and its index for the single frame.
    char dimensionUid[100];
    dcmGenerateUniqueIdentifier(dimensionUid, SITE_INSTANCE_UID_ROOT);
    check(seg->getDimensions().addDimensionIndex(DCM_ReferencedSegmentNumber, dimensionUid,
                                                 DCM_SegmentIdentificationSequence,
                                                 "ReferencedSegmentNumber"),
          CoreErrorCode::FileWriteFailed, segPath, "dimension index");
    FGFrameContent frameContent;
    check(frameContent.setDimensionIndexValues(segmentNumber, 0), CoreErrorCode::FileWriteFailed,
          segPath, "frame content");
    OFVector<FGBase*> perFrame;
    perFrame.push_back(derivation.get());
    perFrame.push_back(&frameContent);

    cv::Mat binary;
    cv::compare(mask, 0, binary, cv::CMP_NE);
    binary = binary.isContinuous() ? binary : binary.clone();
    check(seg->addFrame(binary.data, segmentNumber, perFrame), CoreErrorCode::FileWriteFailed,
          segPath, "add frame");

    TemporaryFile temporary{io::temporaryPathFor(segPath)};
    // DCMTK 3.6.7 writes neither the Common Instance Reference module's Referenced Series
    // Sequence (type 1 when the SEG references instances, as the derivation group does) nor the
    // General Image module's Patient Orientation (type 2C, required without a frame of
    // reference): dciodvfy refuses the file without them, so they are added to the dataset.
    DcmFileFormat out;
    DcmDataset* outSet = out.getDataset();
    check(seg->writeDataset(*outSet), CoreErrorCode::FileWriteFailed, segPath, "write dataset");
    OFString sourceSeries;
    sourceSet->findAndGetOFString(DCM_SeriesInstanceUID, sourceSeries);
    if (!sourceSeries.empty()) {
        DcmItem* series = nullptr;
        DcmItem* instance = nullptr;
        check(outSet->findOrCreateSequenceItem(DCM_ReferencedSeriesSequence, series, 0),
              CoreErrorCode::FileWriteFailed, segPath, "referenced series");
        series->putAndInsertOFStringArray(DCM_SeriesInstanceUID, sourceSeries);
        check(series->findOrCreateSequenceItem(DCM_ReferencedInstanceSequence, instance, 0),
              CoreErrorCode::FileWriteFailed, segPath, "referenced instance");
        instance->putAndInsertOFStringArray(DCM_ReferencedSOPClassUID, sopClass);
        instance->putAndInsertOFStringArray(DCM_ReferencedSOPInstanceUID, sopInstance);
    }
    if (!outSet->tagExists(DCM_PatientOrientation)) {
        OFString orientation;
        sourceSet->findAndGetOFStringArray(DCM_PatientOrientation, orientation);
        outSet->putAndInsertOFStringArray(DCM_PatientOrientation, orientation);
    }
    check(out.saveFile(OFFilename(temporary.path.c_str()), EXS_LittleEndianExplicit),
          CoreErrorCode::FileWriteFailed, segPath, "write");
    // The commit step of every atomic write (fsync, rename, fsync of the folder).
    temporary.keep = true; // replaceFile removes it itself when it fails
    rethrowAsCoreError([&] { io::replaceFile(temporary.path, segPath); });
}

cv::Mat loadDicomSeg(const std::string& segPath) {
    std::error_code ec;
    if (!std::filesystem::exists(segPath, ec))
        throw CoreError(CoreErrorCode::FileNotFound, segPath);
    requireDictionary(segPath);
    DcmFileFormat file;
    check(file.loadFile(OFFilename(segPath.c_str())), CoreErrorCode::CorruptFile, segPath, "load");
    Uint16 rows = 0;
    Uint16 cols = 0;
    file.getDataset()->findAndGetUint16(DCM_Rows, rows);
    file.getDataset()->findAndGetUint16(DCM_Columns, cols);
    DcmSegmentation* raw = nullptr;
    const OFCondition loaded = DcmSegmentation::loadDataset(*file.getDataset(), raw);
    std::unique_ptr<DcmSegmentation> seg(raw);
    if (loaded.bad() || !seg)
        throw CoreError(CoreErrorCode::UnsupportedDicom, segPath, loaded.text());
    if (seg->getSegmentationType() != DcmSegTypes::ST_BINARY)
        throw CoreError(CoreErrorCode::UnsupportedDicom, segPath, "not a binary segmentation");
    OFVector<size_t> frames;
    seg->getFramesForSegment(1, frames);
    if (rows == 0 || cols == 0 || frames.empty())
        throw CoreError(CoreErrorCode::UnsupportedDicom, segPath, "no frame for segment 1");
    cv::Mat mask = cv::Mat::zeros(rows, cols, CV_8UC1);
    for (size_t frameNumber : frames) {
        const DcmIODTypes::Frame* packed = seg->getFrame(frameNumber);
        std::unique_ptr<DcmIODTypes::Frame> unpacked(
            packed ? DcmSegUtils::unpackBinaryFrame(packed, rows, cols) : nullptr);
        if (!unpacked || unpacked->length < static_cast<size_t>(rows) * cols)
            throw CoreError(CoreErrorCode::CorruptFile, segPath, "cannot unpack frame");
        const cv::Mat frame(rows, cols, CV_8UC1, unpacked->pixData);
        cv::Mat on;
        cv::compare(frame, 0, on, cv::CMP_NE);
        cv::bitwise_or(mask, on, mask);
    }
    return mask;
}

} // namespace dermsam
