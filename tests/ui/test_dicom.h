#pragma once
// Writes small DICOM files with DCMTK for the viewer's tests (link ${DCMTK_LIBRARIES}).

#include <QColor>
#include <QImage>
#include <QString>

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrploss.h>

#include <vector>

namespace dermsam::test {

enum class DicomKind { Rgb, Monochrome, JpegRgb, NoPixelData };

const char* const kVlPhotographic = "1.2.840.10008.5.1.4.1.1.77.1.4";
const char* const kDermoscopic = "1.2.840.10008.5.1.4.1.1.77.1.7";

// A single-frame DICOM of `img` (grey = the red channel for monochrome) written with DCMTK.
inline bool writeDicom(const QString& path, const QImage& img, DicomKind kind, const char* sopClass,
                       const char* pixelSpacing) {
    const bool colour = kind != DicomKind::Monochrome;
    std::vector<Uint8> pixels;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            pixels.push_back(static_cast<Uint8>(c.red()));
            if (colour) {
                pixels.push_back(static_cast<Uint8>(c.green()));
                pixels.push_back(static_cast<Uint8>(c.blue()));
            }
        }
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    char uid[100];
    ds->putAndInsertString(DCM_SOPClassUID, sopClass);
    ds->putAndInsertString(DCM_SOPInstanceUID,
                           dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    ds->putAndInsertString(DCM_Modality, "XC");
    ds->putAndInsertString(DCM_PatientName, "Test^Lesion");
    ds->putAndInsertString(DCM_PatientID, "DERMSAM-TEST");
    ds->putAndInsertString(DCM_StudyInstanceUID,
                           dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT));
    ds->putAndInsertString(DCM_SeriesInstanceUID,
                           dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT));
    ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(img.height()));
    ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(img.width()));
    ds->putAndInsertUint16(DCM_SamplesPerPixel, colour ? 3 : 1);
    ds->putAndInsertString(DCM_PhotometricInterpretation, colour ? "RGB" : "MONOCHROME2");
    if (colour)
        ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    ds->putAndInsertUint16(DCM_BitsAllocated, 8);
    ds->putAndInsertUint16(DCM_BitsStored, 8);
    ds->putAndInsertUint16(DCM_HighBit, 7);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    if (pixelSpacing)
        ds->putAndInsertString(DCM_PixelSpacing, pixelSpacing);
    if (kind != DicomKind::NoPixelData)
        ds->putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
    E_TransferSyntax xfer = EXS_LittleEndianExplicit;
    if (kind == DicomKind::JpegRgb) {
        xfer = EXS_JPEGProcess1;
        DJ_RPLossy quality(95);
        if (ds->chooseRepresentation(xfer, &quality).bad() || !ds->canWriteXfer(xfer))
            return false;
    }
    return file.saveFile(OFFilename(path.toStdString().c_str()), xfer).good();
}

} // namespace dermsam::test
