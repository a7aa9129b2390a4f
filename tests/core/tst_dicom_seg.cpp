// Protects the DICOM SEG writer/reader for masks drawn on DICOM images (core/dicom_seg).
// labels: unit
#include "core/core_error.h"
#include "core/dicom_seg.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <opencv2/core.hpp>

using namespace dermsam;

namespace {

constexpr const char* kDermoscopyClass = "1.2.840.10008.5.1.4.1.1.77.1.7";
constexpr const char* kSourceInstance = "1.2.826.0.1.3680043.10.1234.1.1";
constexpr const char* kStudyInstance = "1.2.826.0.1.3680043.10.1234.2";

// A 12 x 20 RGB dermoscopy image without a frame of reference.
bool writeSource(const QString& path) {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, kDermoscopyClass);
    ds->putAndInsertString(DCM_SOPInstanceUID, kSourceInstance);
    ds->putAndInsertString(DCM_StudyInstanceUID, kStudyInstance);
    ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.10.1234.3");
    ds->putAndInsertString(DCM_PatientID, "PAT-001");
    ds->putAndInsertString(DCM_PatientName, "Test^Patient");
    ds->putAndInsertString(DCM_Modality, "XC");
    ds->putAndInsertUint16(DCM_Rows, 12);
    ds->putAndInsertUint16(DCM_Columns, 20);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, 3);
    ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
    ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    ds->putAndInsertUint16(DCM_BitsAllocated, 8);
    ds->putAndInsertUint16(DCM_BitsStored, 8);
    ds->putAndInsertUint16(DCM_HighBit, 7);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    std::vector<Uint8> pixels(12 * 20 * 3, 120);
    ds->putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
    return file.saveFile(OFFilename(path.toStdString().c_str()), EXS_LittleEndianExplicit).good();
}

cv::Mat lesion() {
    cv::Mat m = cv::Mat::zeros(12, 20, CV_8UC1);
    m(cv::Rect(5, 3, 7, 4)).setTo(1);
    m.at<uchar>(11, 19) = 255; // the last pixel: bit packing must keep it
    return m;
}

} // namespace

class TstDicomSeg : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip();
    void errors_data();
    void errors();

private:
    QTemporaryDir m_dir;
    QString m_source;
};

void TstDicomSeg::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_source = m_dir.filePath("source.dcm");
    QVERIFY(writeSource(m_source));
}

void TstDicomSeg::roundTrip() {
    const QString segPath = m_dir.filePath("source_seg.dcm");
    MaskSidecar sidecar;
    sidecar.modelFile = "medsam_vit_b.pth";
    sidecar.preprocessingProfile = "medsam";
    saveDicomSeg(segPath.toStdString(), lesion(), m_source.toStdString(), sidecar);

    cv::Mat expected;
    cv::compare(lesion(), 0, expected, cv::CMP_NE);
    const cv::Mat back = loadDicomSeg(segPath.toStdString());
    QCOMPARE(back.size(), expected.size());
    QCOMPARE(cv::norm(back, expected, cv::NORM_INF), 0.0);

    DcmFileFormat file;
    QVERIFY(file.loadFile(OFFilename(segPath.toStdString().c_str())).good());
    DcmDataset* ds = file.getDataset();
    OFString value;
    QVERIFY(ds->findAndGetOFString(DCM_SOPClassUID, value).good());
    QCOMPARE(QString(value.c_str()), QString(UID_SegmentationStorage));
    QVERIFY(ds->findAndGetOFString(DCM_PatientID, value).good());
    QCOMPARE(QString(value.c_str()), QString("PAT-001"));
    QVERIFY(ds->findAndGetOFString(DCM_StudyInstanceUID, value).good());
    QCOMPARE(QString(value.c_str()), QString(kStudyInstance));
    QVERIFY(ds->findAndGetOFString(DCM_SeriesDescription, value).good());
    QVERIFY(QString(value.c_str()).contains("medsam_vit_b.pth"));
    QVERIFY(ds->findAndGetOFString(DCM_SegmentationType, value).good());
    QCOMPARE(QString(value.c_str()), QString("BINARY"));
    // The frame derives from the source image: its SOP Instance UID is referenced somewhere in
    // the functional groups (Derivation Image > Source Image sequence).
    QVERIFY(ds->findAndGetOFString(DCM_ReferencedSOPInstanceUID, value, 0, OFTrue).good());
    QCOMPARE(QString(value.c_str()), QString(kSourceInstance));
    QVERIFY(ds->tagExists(DCM_SegmentSequence));

    // Nothing but the expected files in the folder (no temporaries).
    QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files, QDir::Name),
             (QStringList{"source.dcm", "source_seg.dcm"}));
}

void TstDicomSeg::errors_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("code");
    QTest::newRow("mask size differs") << "size" << int(CoreErrorCode::SizeMismatch);
    QTest::newRow("mask type") << "type" << int(CoreErrorCode::BadMask);
    QTest::newRow("source missing") << "missing" << int(CoreErrorCode::FileNotFound);
    QTest::newRow("source not DICOM") << "garbage" << int(CoreErrorCode::CorruptFile);
}

void TstDicomSeg::errors() {
    QFETCH(QString, kind);
    QFETCH(int, code);
    const QString segPath = m_dir.filePath("error_seg.dcm");
    cv::Mat mask = lesion();
    QString source = m_source;
    if (kind == "size")
        mask = cv::Mat::zeros(10, 20, CV_8UC1);
    else if (kind == "type")
        mask = cv::Mat::zeros(12, 20, CV_32FC1);
    else if (kind == "missing")
        source = m_dir.filePath("absent.dcm");
    else if (kind == "garbage") {
        source = m_dir.filePath("garbage.dcm");
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(500, '\x07'));
    }
    try {
        saveDicomSeg(segPath.toStdString(), mask, source.toStdString(), MaskSidecar{});
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QVERIFY2(int(e.code()) == code, coreErrorCodeName(e.code()));
    }
    QVERIFY(!QFile::exists(segPath));
    QVERIFY_THROWS_EXCEPTION(CoreError,
                             loadDicomSeg(m_dir.filePath("absent_seg.dcm").toStdString()));
}

QTEST_GUILESS_MAIN(TstDicomSeg)
#include "tst_dicom_seg.moc"
