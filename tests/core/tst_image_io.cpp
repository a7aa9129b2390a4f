// Protects image loading (raster formats via OpenCV, DICOM via DCMTK, npy) and its typed errors.
// labels: unit
#include "core/core_error.h"
#include "core/dicom_io.h"
#include "core/image_io.h"
#include "core/image_tensor.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrploss.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstring>
#include <fstream>
#include <functional>
#include <vector>

using namespace dermsam;

Q_DECLARE_METATYPE(cv::Mat)

namespace {

// A 4x6 test pattern; channel values differ per pixel and per channel.
cv::Mat pattern(int depth, int channels) {
    cv::Mat m(4, 6, CV_MAKETYPE(depth, channels));
    const double scale = depth == CV_16U ? 1000.0 : 10.0;
    for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
            for (int ch = 0; ch < channels; ++ch) {
                const double v = (r * m.cols + c) * scale / 4 + ch * scale + 3;
                if (depth == CV_16U)
                    m.ptr<ushort>(r)[c * channels + ch] = cv::saturate_cast<ushort>(v);
                else
                    m.ptr<uchar>(r)[c * channels + ch] = cv::saturate_cast<uchar>(v);
            }
    return m;
}

// What loadImage should return for a matrix OpenCV stores as BGR(A): RGB, alpha dropped.
cv::Mat expectedRgb(const cv::Mat& stored) {
    if (stored.channels() == 1)
        return stored;
    std::vector<cv::Mat> planes;
    cv::split(stored, planes);
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>{planes[2], planes[1], planes[0]}, rgb);
    return rgb;
}

bool sameMat(const cv::Mat& a, const cv::Mat& b, double tolerance = 0) {
    if (a.size() != b.size() || a.type() != b.type())
        return false;
    return cv::norm(a, b, cv::NORM_INF) <= tolerance;
}

void writeBytes(const QString& path, const std::string& bytes) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A NumPy 1.0 .npy file written by hand: C order, the header padded to 64 bytes.
void writeNpy(const QString& path, const std::string& descr, const std::vector<int>& shape,
              const void* data, size_t bytes) {
    std::string dims;
    for (int d : shape)
        dims += std::to_string(d) + ", ";
    std::string header =
        "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string file = "\x93NUMPY";
    file += '\x01';
    file += '\x00';
    file += static_cast<char>(header.size() & 0xff);
    file += static_cast<char>(header.size() >> 8);
    file += header;
    file.append(static_cast<const char*>(data), bytes);
    writeBytes(path, file);
}

struct DicomSpec {
    int rows = 4;
    int cols = 6;
    int samples = 1;
    const char* photometric = "MONOCHROME2";
    int bitsAllocated = 8;
    int bitsStored = 8;
    const char* pixelSpacing = nullptr;       // "row\\col"
    const char* imagerPixelSpacing = nullptr; // "row\\col"
    E_TransferSyntax transferSyntax = EXS_LittleEndianExplicit;
    bool metaHeader = true; // false: a bare dataset without preamble
    bool pixelData = true;
};

bool writeDicom(const QString& path, const DicomSpec& spec, const void* pixels, size_t bytes) {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    char uid[100];
    ds->putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.77.1.7");
    ds->putAndInsertString(DCM_SOPInstanceUID,
                           dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    ds->putAndInsertString(DCM_Modality, "XC");
    ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(spec.rows));
    ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(spec.cols));
    ds->putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(spec.samples));
    ds->putAndInsertString(DCM_PhotometricInterpretation, spec.photometric);
    if (spec.samples == 3)
        ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    ds->putAndInsertUint16(DCM_BitsAllocated, static_cast<Uint16>(spec.bitsAllocated));
    ds->putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(spec.bitsStored));
    ds->putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(spec.bitsStored - 1));
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    if (spec.pixelSpacing)
        ds->putAndInsertString(DCM_PixelSpacing, spec.pixelSpacing);
    if (spec.imagerPixelSpacing)
        ds->putAndInsertString(DCM_ImagerPixelSpacing, spec.imagerPixelSpacing);
    if (spec.pixelData) {
        if (spec.bitsAllocated == 16)
            ds->putAndInsertUint16Array(DCM_PixelData, static_cast<const Uint16*>(pixels),
                                        bytes / 2);
        else
            ds->putAndInsertUint8Array(DCM_PixelData, static_cast<const Uint8*>(pixels), bytes);
    }
    if (spec.transferSyntax == EXS_JPEGProcess1) {
        DJ_RPLossy quality(95);
        if (ds->chooseRepresentation(EXS_JPEGProcess1, &quality).bad() ||
            !ds->canWriteXfer(EXS_JPEGProcess1))
            return false;
    }
    const OFCondition saved = file.saveFile(
        OFFilename(path.toStdString().c_str()), spec.transferSyntax, EET_ExplicitLength,
        EGL_recalcGL, EPD_noChange, 0, 0, spec.metaHeader ? EWM_fileformat : EWM_dataset);
    return saved.good();
}

} // namespace

class TstImageIo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void rasterFormats_data();
    void rasterFormats();
    void jpegIsRgbNotBgr();
    void npyImages();
    void toRgb8Conversions();
    void tensorConversion();
    void dicom_data();
    void dicom();
    void dicomJpegBaseline();
    void brokenFilesThrow_data();
    void brokenFilesThrow();

private:
    QTemporaryDir m_dir;
};

void TstImageIo::initTestCase() {
    QVERIFY(m_dir.isValid());
    DJEncoderRegistration::registerCodecs();
}

void TstImageIo::cleanupTestCase() {
    DJEncoderRegistration::cleanup();
}

void TstImageIo::rasterFormats_data() {
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<cv::Mat>("stored"); // as handed to cv::imwrite (BGR / BGRA order)
    QTest::addColumn<int>("expectedType");

    QTest::newRow("png 8-bit RGB") << "rgb8.png" << pattern(CV_8U, 3) << CV_8UC3;
    QTest::newRow("png 16-bit RGB") << "rgb16.png" << pattern(CV_16U, 3) << CV_16UC3;
    QTest::newRow("png 8-bit grey") << "grey8.png" << pattern(CV_8U, 1) << CV_8UC1;
    QTest::newRow("png 16-bit grey") << "grey16.png" << pattern(CV_16U, 1) << CV_16UC1;
    QTest::newRow("png RGBA") << "rgba.png" << pattern(CV_8U, 4) << CV_8UC3;
    QTest::newRow("bmp RGB") << "rgb.bmp" << pattern(CV_8U, 3) << CV_8UC3;
    QTest::newRow("bmp grey") << "grey.bmp" << pattern(CV_8U, 1) << CV_8UC1;
    QTest::newRow("tiff 8-bit RGB") << "rgb8.tif" << pattern(CV_8U, 3) << CV_8UC3;
    QTest::newRow("tiff 16-bit RGB") << "rgb16.tiff" << pattern(CV_16U, 3) << CV_16UC3;
    QTest::newRow("tiff 16-bit grey") << "grey16.tif" << pattern(CV_16U, 1) << CV_16UC1;
    QTest::newRow("png without extension") << "noext" << pattern(CV_8U, 3) << CV_8UC3;
}

void TstImageIo::rasterFormats() {
    QFETCH(QString, fileName);
    QFETCH(cv::Mat, stored);
    QFETCH(int, expectedType);
    const QString path = m_dir.filePath(fileName);
    if (fileName == "noext") {
        std::vector<uchar> png;
        QVERIFY(cv::imencode(".png", stored, png));
        writeBytes(path, std::string(png.begin(), png.end()));
    } else {
        QVERIFY(cv::imwrite(path.toStdString(), stored));
    }
    const Image image = loadImage(path.toStdString());
    QCOMPARE(image.pixels.type(), expectedType);
    QVERIFY(sameMat(image.pixels, expectedRgb(stored)));
    QCOMPARE(image.sourcePath, path.toStdString());
    QVERIFY(!image.isDicom);
    QCOMPARE(image.spacingRowMm, 0.0);
    QVERIFY(!image.hasSpacing());
}

void TstImageIo::jpegIsRgbNotBgr() {
    // A flat colour survives JPEG within a few levels; the channel order must be R, G, B.
    cv::Mat bgr(16, 16, CV_8UC3, cv::Scalar(100, 50, 200)); // B=100 G=50 R=200
    const QString path = m_dir.filePath("flat.jpg");
    QVERIFY(cv::imwrite(path.toStdString(), bgr, {cv::IMWRITE_JPEG_QUALITY, 95}));
    const Image image = loadImage(path.toStdString());
    QCOMPARE(image.pixels.type(), CV_8UC3);
    const cv::Vec3b px = image.pixels.at<cv::Vec3b>(8, 8);
    QVERIFY2(std::abs(px[0] - 200) <= 3 && std::abs(px[1] - 50) <= 3 && std::abs(px[2] - 100) <= 3,
             qPrintable(QString("%1 %2 %3").arg(px[0]).arg(px[1]).arg(px[2])));
}

void TstImageIo::npyImages() {
    // (2, 3, 3) uint8 RGB kept as is.
    std::vector<uint8_t> rgb(18);
    for (size_t i = 0; i < rgb.size(); ++i)
        rgb[i] = static_cast<uint8_t>(i * 10);
    const QString u8 = m_dir.filePath("rgb.npy");
    writeNpy(u8, "|u1", {2, 3, 3}, rgb.data(), rgb.size());
    const Image a = loadImage(u8.toStdString());
    QCOMPARE(a.pixels.type(), CV_8UC3);
    QCOMPARE(a.pixels.at<cv::Vec3b>(1, 2)[1], uchar((1 * 3 + 2) * 3 * 10 + 10));

    // MedSAM-style float image in [0, 1] -> x 255.
    std::vector<float> grey{0.f, 0.5f, 1.f, 0.2f};
    const QString f32 = m_dir.filePath("grey.npy");
    writeNpy(f32, "<f4", {2, 2}, grey.data(), grey.size() * sizeof(float));
    const Image b = loadImage(f32.toStdString());
    QCOMPARE(b.pixels.type(), CV_8UC1);
    QCOMPARE(int(b.pixels.at<uchar>(0, 1)), 128); // 127.5, rounded
    QCOMPARE(int(b.pixels.at<uchar>(1, 0)), 255);
    QCOMPARE(int(b.pixels.at<uchar>(1, 1)), 51);
}

void TstImageIo::toRgb8Conversions() {
    Image grey16;
    grey16.pixels = (cv::Mat_<ushort>(1, 3) << 0, 25700, 65535);
    const cv::Mat a = toRgb8(grey16);
    QCOMPARE(a.type(), CV_8UC3);
    QCOMPARE(a.at<cv::Vec3b>(0, 1), cv::Vec3b(100, 100, 100));
    QCOMPARE(a.at<cv::Vec3b>(0, 2), cv::Vec3b(255, 255, 255));

    Image rgb;
    rgb.pixels = pattern(CV_8U, 3);
    const cv::Mat b = toRgb8(rgb);
    QVERIFY(sameMat(b, rgb.pixels));
    QVERIFY(b.data != rgb.pixels.data); // never shares

    QVERIFY(toRgb8(Image{}).empty());
}

void TstImageIo::tensorConversion() {
    Image rgb;
    rgb.pixels = pattern(CV_8U, 3);
    const at::Tensor t = imageToTensor(rgb);
    QCOMPARE(t.dim(), int64_t(3));
    QCOMPARE(t.size(0), int64_t(4));
    QCOMPARE(t.size(1), int64_t(6));
    QCOMPARE(t.size(2), int64_t(3));
    QCOMPARE(t.scalar_type(), at::kByte);
    QVERIFY(t.is_contiguous());
    const uint8_t* p = t.data_ptr<uint8_t>();
    QCOMPARE(p[(2 * 6 + 5) * 3 + 1], rgb.pixels.at<cv::Vec3b>(2, 5)[1]);

    Image grey16;
    grey16.pixels = pattern(CV_16U, 1);
    const at::Tensor g = imageToTensor(grey16);
    QCOMPARE(g.scalar_type(), at::kInt);
    QCOMPARE(g.size(2), int64_t(1));
    QCOMPARE(g.data_ptr<int32_t>()[7], int32_t(grey16.pixels.at<ushort>(1, 1)));

    QVERIFY_THROWS_EXCEPTION(CoreError, imageToTensor(Image{}));
}

void TstImageIo::dicom_data() {
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<int>("variant");
    QTest::addColumn<int>("expectedType");
    QTest::addColumn<double>("rowMm");
    QTest::addColumn<double>("colMm");
    QTest::newRow("RGB uncompressed") << "rgb.dcm" << 0 << CV_8UC3 << 0.5 << 0.25;
    QTest::newRow("MONOCHROME2 16-bit") << "mono16.dcm" << 1 << CV_16UC1 << 0.1 << 0.2;
    QTest::newRow("MONOCHROME1 8-bit") << "mono1.dcm" << 2 << CV_8UC1 << 0.0 << 0.0;
    QTest::newRow("YBR_FULL") << "ybr.dcm" << 3 << CV_8UC3 << 0.0 << 0.0;
    QTest::newRow("no extension, preamble")
        << "dicom-without-extension" << 0 << CV_8UC3 << 0.5 << 0.25;
    QTest::newRow(".dcm without preamble") << "bare.dcm" << 4 << CV_8UC1 << 0.0 << 0.0;
    QTest::newRow("MONOCHROME2 12-bit") << "mono12.dcm" << 5 << CV_16UC1 << 0.0 << 0.0;
}

void TstImageIo::dicom() {
    QFETCH(QString, fileName);
    QFETCH(int, variant);
    QFETCH(int, expectedType);
    QFETCH(double, rowMm);
    QFETCH(double, colMm);
    const QString path = m_dir.filePath(fileName);

    DicomSpec spec;
    cv::Mat expected;
    double tolerance = 0;
    std::vector<uint8_t> bytes8;
    std::vector<uint16_t> bytes16;
    switch (variant) {
    case 0: { // RGB interleaved, PixelSpacing row 0.5, col 0.25
        spec.samples = 3;
        spec.photometric = "RGB";
        spec.pixelSpacing = "0.5\\0.25";
        expected = pattern(CV_8U, 3); // already in R, G, B order
        bytes8.assign(expected.datastart, expected.dataend);
        break;
    }
    case 1: { // 16-bit grey with ImagerPixelSpacing only
        spec.bitsAllocated = 16;
        spec.bitsStored = 16;
        spec.imagerPixelSpacing = "0.1\\0.2";
        expected = pattern(CV_16U, 1);
        bytes16.assign(expected.ptr<uint16_t>(), expected.ptr<uint16_t>() + expected.total());
        break;
    }
    case 2: { // MONOCHROME1: 0 is white -> loaded inverted, 255 - v
        spec.photometric = "MONOCHROME1";
        const cv::Mat stored = pattern(CV_8U, 1);
        bytes8.assign(stored.datastart, stored.dataend);
        expected = 255 - stored;
        break;
    }
    case 3: { // YBR_FULL, converted to RGB by DCMTK (JPEG/JFIF equations, within 3 levels)
        spec.rows = 1;
        spec.cols = 2;
        spec.samples = 3;
        spec.photometric = "YBR_FULL";
        // Y Cb Cr: grey (128,128,128) -> (128,128,128); (100,90,200) ->
        // R = 100 + 1.402*72 = 200.9, G = 100 + 0.344136*38 - 0.714136*72 = 61.7,
        // B = 100 - 1.772*38 = 32.7.
        bytes8 = {128, 128, 128, 100, 90, 200};
        expected = (cv::Mat_<cv::Vec3b>(1, 2) << cv::Vec3b(128, 128, 128), cv::Vec3b(201, 62, 33));
        tolerance = 3;
        break;
    }
    case 4: { // a bare dataset (no preamble, no meta header) named .dcm
        spec.metaHeader = false;
        expected = pattern(CV_8U, 1);
        bytes8.assign(expected.datastart, expected.dataend);
        break;
    }
    case 5: { // 12 bits stored in 16: the stored range 0..4095 maps linearly onto 0..65535
        spec.bitsAllocated = 16;
        spec.bitsStored = 12;
        bytes16 = {0, 1000, 4000, 4095};
        spec.rows = 2;
        spec.cols = 2;
        expected = (cv::Mat_<ushort>(2, 2) << 0, 16000, 64000, 65520);
        tolerance = 20;
        break;
    }
    }
    const bool written = bytes16.empty()
                             ? writeDicom(path, spec, bytes8.data(), bytes8.size())
                             : writeDicom(path, spec, bytes16.data(), bytes16.size() * 2);
    QVERIFY(written);
    QCOMPARE(hasDicomPreamble(path.toStdString()), spec.metaHeader);

    const Image image = loadImage(path.toStdString());
    QVERIFY(image.isDicom);
    QCOMPARE(image.pixels.type(), expectedType);
    QVERIFY2(sameMat(image.pixels, expected, tolerance),
             qPrintable(QString("max difference %1")
                            .arg(image.pixels.size() == expected.size() &&
                                         image.pixels.type() == expected.type()
                                     ? cv::norm(image.pixels, expected, cv::NORM_INF)
                                     : -1)));
    QCOMPARE(image.spacingRowMm, rowMm);
    QCOMPARE(image.spacingColMm, colMm);
}

void TstImageIo::dicomJpegBaseline() {
    // 16x16 RGB: left half red-ish, right half blue-ish, compressed with JPEG baseline
    // (DCMTK stores it as YBR_FULL_422); block centres must come back within a few levels.
    cv::Mat rgb(16, 16, CV_8UC3, cv::Scalar(200, 40, 60));
    rgb(cv::Rect(8, 0, 8, 16)).setTo(cv::Scalar(30, 60, 220));
    DicomSpec spec;
    spec.rows = 16;
    spec.cols = 16;
    spec.samples = 3;
    spec.photometric = "RGB";
    spec.pixelSpacing = "0.05\\0.05";
    spec.transferSyntax = EXS_JPEGProcess1;
    const QString path = m_dir.filePath("jpeg.dcm");
    QVERIFY(writeDicom(path, spec, rgb.data, rgb.total() * 3));
    QVERIFY(readBytes(path).find("1.2.840.10008.1.2.4.50") != std::string::npos);

    const Image image = loadImage(path.toStdString());
    QCOMPARE(image.pixels.type(), CV_8UC3);
    QCOMPARE(image.pixels.size(), cv::Size(16, 16));
    const cv::Vec3b left = image.pixels.at<cv::Vec3b>(8, 3);
    const cv::Vec3b right = image.pixels.at<cv::Vec3b>(8, 12);
    for (int c = 0; c < 3; ++c) {
        QVERIFY2(std::abs(left[c] - rgb.at<cv::Vec3b>(8, 3)[c]) <= 8,
                 qPrintable(QString::number(c)));
        QVERIFY2(std::abs(right[c] - rgb.at<cv::Vec3b>(8, 12)[c]) <= 8,
                 qPrintable(QString::number(c)));
    }
    QCOMPARE(image.spacingRowMm, 0.05);
}

void TstImageIo::brokenFilesThrow_data() {
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QList<int>>("codes"); // any of these is right

    const QList<int> corrupt{int(CoreErrorCode::CorruptFile)};
    QTest::newRow("garbage .png") << "garbage.png"
                                  << "garbage" << QList<int>{int(CoreErrorCode::UnsupportedFormat)};
    QTest::newRow("truncated png") << "truncated.png"
                                   << "truncated-png" << corrupt;
    QTest::newRow("empty file") << "empty.jpg"
                                << "empty" << corrupt;
    QTest::newRow("missing file") << "does-not-exist.png"
                                  << "missing" << QList<int>{int(CoreErrorCode::FileNotFound)};
    QTest::newRow("a directory") << "subdir"
                                 << "directory" << QList<int>{int(CoreErrorCode::FileUnreadable)};
    QTest::newRow("garbage .dcm") << "garbage.dcm"
                                  << "garbage"
                                  << QList<int>{int(CoreErrorCode::CorruptFile),
                                                int(CoreErrorCode::UnsupportedDicom)};
    QTest::newRow("DICOM without pixel data")
        << "nopixels.dcm"
        << "dicom-no-pixels" << QList<int>{int(CoreErrorCode::UnsupportedDicom)};
    QTest::newRow("truncated DICOM")
        << "truncated.dcm"
        << "truncated-dicom"
        << QList<int>{int(CoreErrorCode::CorruptFile), int(CoreErrorCode::UnsupportedDicom)};
    QTest::newRow("float TIFF") << "float.tif"
                                << "float-tiff"
                                << QList<int>{int(CoreErrorCode::UnsupportedFormat)};
}

void TstImageIo::brokenFilesThrow() {
    QFETCH(QString, fileName);
    QFETCH(QString, kind);
    QFETCH(QList<int>, codes);
    const QString path = m_dir.filePath(fileName);

    if (kind == "garbage") {
        std::string bytes(3000, '\0');
        for (size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = static_cast<char>((i * 7919 + 13) % 251);
        writeBytes(path, bytes);
    } else if (kind == "truncated-png") {
        cv::Mat noise(64, 64, CV_8UC3);
        cv::randu(noise, 0, 256);
        std::vector<uchar> png;
        QVERIFY(cv::imencode(".png", noise, png));
        writeBytes(path, std::string(png.begin(), png.begin() + png.size() / 2));
    } else if (kind == "empty") {
        writeBytes(path, {});
    } else if (kind == "directory") {
        QVERIFY(QDir(m_dir.path()).mkpath(fileName));
    } else if (kind == "dicom-no-pixels") {
        DicomSpec spec;
        spec.pixelData = false;
        QVERIFY(writeDicom(path, spec, nullptr, 0));
    } else if (kind == "truncated-dicom") {
        DicomSpec spec;
        spec.rows = 64;
        spec.cols = 64;
        std::vector<uint8_t> pixels(64 * 64, 7);
        const QString full = m_dir.filePath("full.dcm");
        QVERIFY(writeDicom(full, spec, pixels.data(), pixels.size()));
        const std::string bytes = readBytes(full);
        writeBytes(path, bytes.substr(0, bytes.size() - 2000));
    } else if (kind == "float-tiff") {
        cv::Mat f(4, 4, CV_32FC1, cv::Scalar(0.5));
        QVERIFY(cv::imwrite(path.toStdString(), f));
    }

    try {
        const Image image = loadImage(path.toStdString());
        QFAIL(qPrintable("no exception; got " + QString::number(image.width()) + "x" +
                         QString::number(image.height())));
    } catch (const CoreError& e) {
        QVERIFY2(codes.contains(int(e.code())), coreErrorCodeName(e.code()));
        QCOMPARE(e.path(), path.toStdString());
    }
}

QTEST_GUILESS_MAIN(TstImageIo)
#include "tst_image_io.moc"
