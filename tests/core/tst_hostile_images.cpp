// Protects issue 20's image and DICOM half: hostile or broken files fail fast with the right typed
// error, without allocating what their headers declare, recursing without bound or printing.
// labels: unit
#include "core/core_error.h"
#include "core/dicom_io.h"
#include "core/image_io.h"
#include "core/image_limits.h"
#include "test_support.h"
#include "tests/hostile_bytes.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>

using namespace dermsam;

using dermsam::test::DicomBytes;
using dermsam::test::putBe32;
using dermsam::test::putLe16;
using dermsam::test::putLe32;

namespace {

void writeBytes(const QString& path, const std::string& bytes) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::uint32_t crc32(const std::string& bytes) {
    std::uint32_t crc = 0xffffffffu;
    for (const char c : bytes) {
        crc ^= static_cast<unsigned char>(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void pngChunk(std::string& png, const std::string& type, const std::string& data) {
    putBe32(png, static_cast<std::uint32_t>(data.size()));
    png += type + data;
    putBe32(png, crc32(type + data));
}

// A zlib stream (one stored block) of 16 zero bytes: what the start of a PNG's rows looks like.
std::string zlibStoredZeros16() {
    std::string z("\x78\x01\x01\x10\x00\xef\xff", 7);
    z += std::string(16, '\0');
    putBe32(z, 0x00100001u); // Adler-32 of 16 zeros
    return z;
}

// A well-formed PNG (valid CRCs, so libpng itself would accept the header and allocate) whose
// IHDR declares width x height, with the first 16 bytes of its rows.
std::string pngHeaderOnly(std::uint32_t width, std::uint32_t height, int depth, int colourType) {
    std::string ihdr;
    putBe32(ihdr, width);
    putBe32(ihdr, height);
    ihdr += static_cast<char>(depth);
    ihdr += static_cast<char>(colourType);
    ihdr += std::string(3, '\0');
    std::string png = "\x89PNG\r\n\x1a\n";
    pngChunk(png, "IHDR", ihdr);
    pngChunk(png, "IDAT", zlibStoredZeros16());
    pngChunk(png, "IEND", {});
    return png;
}

// A real 64x64 baseline JPEG whose SOF0 is patched to declare width x height: every marker is
// valid, only the entropy data is far too short for the size.
std::string jpegWithDeclaredSize(unsigned width, unsigned height) {
    cv::Mat noise(64, 64, CV_8UC3);
    cv::randu(noise, 0, 256);
    std::vector<uchar> encoded;
    cv::imencode(".jpg", noise, encoded);
    std::string s(encoded.begin(), encoded.end());
    const size_t sof = s.find("\xff\xc0");
    if (sof == std::string::npos || sof + 9 > s.size())
        return {};
    s[sof + 5] = static_cast<char>(height >> 8);
    s[sof + 6] = static_cast<char>(height & 0xff);
    s[sof + 7] = static_cast<char>(width >> 8);
    s[sof + 8] = static_cast<char>(width & 0xff);
    return s;
}

std::string bmpHeaderOnly(std::int32_t width, std::int32_t height) {
    std::string s = "BM";
    putLe32(s, 54 + 64);
    putLe32(s, 0);
    putLe32(s, 54);
    putLe32(s, 40);
    putLe32(s, static_cast<std::uint32_t>(width));
    putLe32(s, static_cast<std::uint32_t>(height));
    putLe16(s, 1);
    putLe16(s, 24);
    putLe32(s, 0); // BI_RGB
    s += std::string(20, '\0');
    s += std::string(64, '\x7f');
    return s;
}

// Little-endian TIFF with one IFD: ImageWidth, ImageLength (LONG), BitsPerSample 8, no strips.
std::string tiffHeaderOnly(std::uint32_t width, std::uint32_t height) {
    std::string s = "II*";
    s += '\0';
    putLe32(s, 8);
    putLe16(s, 3);
    const auto entry = [&s](unsigned tag, unsigned type, std::uint32_t value) {
        putLe16(s, tag);
        putLe16(s, type);
        putLe32(s, 1);
        putLe32(s, value);
    };
    entry(256, 4, width);
    entry(257, 4, height);
    entry(258, 3, 8);
    putLe32(s, 0);
    return s;
}

// A DICOM file nested `depth` sequences deep, written byte by byte (tests/hostile_bytes.h).
std::string nestedDicom(int depth, bool implicitVr, bool closed) {
    DicomBytes d(implicitVr);
    for (int i = 0; i < depth; ++i)
        d.openSequenceAndItem();
    if (closed)
        for (int i = 0; i < depth; ++i)
            d.closeItemAndSequence();
    d.image(4, 6, 1, 8, 24);
    return d.bytes();
}

long peakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// Caps the address space at what the process maps now plus headroom while `f` runs: an attempt
// to allocate the gigabytes a header declares fails inside `f` instead of succeeding lazily
// (untouched pages would not show in the peak RSS).
void withAddressSpaceCap(std::uint64_t headroomBytes, const std::function<void()>& f) {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0;
    statm >> pages;
    rlimit old{};
    getrlimit(RLIMIT_AS, &old);
    rlimit capped = old;
    const std::uint64_t cap = pages * 4096 + headroomBytes;
    if (old.rlim_cur == RLIM_INFINITY || cap < old.rlim_cur)
        capped.rlim_cur = cap;
    setrlimit(RLIMIT_AS, &capped);
    try {
        f();
    } catch (...) {
        setrlimit(RLIMIT_AS, &old);
        throw;
    }
    setrlimit(RLIMIT_AS, &old);
}

} // namespace

class TstHostileImages : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void refused_data();
    void refused();
    void truncatedIsicJpeg();
    void jpegMatchesOpenCv_data();
    void jpegMatchesOpenCv();
    void shallowDicomStillLoads_data();
    void shallowDicomStillLoads();
    void limitsAreParameters();

private:
    QTemporaryDir m_dir;
};

void TstHostileImages::initTestCase() {
    QVERIFY(m_dir.isValid());
}

void TstHostileImages::refused_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("bounded"); // run under an address-space cap of 512 MiB headroom

    const int corrupt = int(CoreErrorCode::CorruptFile);
    const int tooLarge = int(CoreErrorCode::ImageTooLarge);
    const int unsupportedDicom = int(CoreErrorCode::UnsupportedDicom);
    QTest::newRow("truncated JPEG (60 %)") << "jpeg-cut" << corrupt << false;
    QTest::newRow("JPEG without its last 2 bytes (EOI)") << "jpeg-no-eoi" << corrupt << false;
    QTest::newRow("truncated progressive JPEG") << "jpeg-progressive-cut" << corrupt << false;
    QTest::newRow("truncated grey JPEG") << "jpeg-grey-cut" << corrupt << false;
    QTest::newRow("PNG IHDR 30000x30000, 16 bytes of rows") << "png-30000" << tooLarge << true;
    QTest::newRow("PNG IHDR 16000x16000 RGBA16") << "png-rgba16" << tooLarge << true;
    QTest::newRow("PNG IHDR 10000x10000 (under the limit), 16 bytes of rows")
        << "png-10000" << corrupt << true;
    QTest::newRow("PNG cut inside a chunk") << "png-cut" << corrupt << false;
    QTest::newRow("JPEG SOF 32000x32000") << "jpeg-32000" << tooLarge << true;
    QTest::newRow("JPEG SOF 12000x12000 (under the limit), 64x64 of data")
        << "jpeg-12000" << corrupt << true;
    QTest::newRow("BMP 30000x30000") << "bmp-30000" << tooLarge << true;
    QTest::newRow("BMP 10000x10000 (under the limit), 64 bytes of data")
        << "bmp-10000" << corrupt << true;
    QTest::newRow("TIFF IFD 30000x30000") << "tiff-30000" << tooLarge << true;
    QTest::newRow("PPM 30000x30000 (not a format DermSAM reads)")
        << "ppm" << int(CoreErrorCode::UnsupportedFormat) << true;
    QTest::newRow("DICOM Rows/Columns 65535, 24 bytes of pixel data")
        << "dicom-65535" << tooLarge << true;
    QTest::newRow("DICOM 10000x10000 (under the limit), 24 bytes of pixel data")
        << "dicom-10000" << corrupt << true;
    QTest::newRow("DICOM PixelData length past the end of the file")
        << "dicom-length" << corrupt << true;
    QTest::newRow("DICOM sequences nested 10000 deep, explicit VR")
        << "dicom-nest-10000" << unsupportedDicom << false;
    QTest::newRow("DICOM sequences nested 100000 deep, explicit VR, never closed")
        << "dicom-nest-100000-open" << unsupportedDicom << false;
    QTest::newRow("DICOM sequences nested 10000 deep, implicit VR")
        << "dicom-nest-implicit" << unsupportedDicom << false;
    QTest::newRow("DICOM nested 17 deep (one past the limit)")
        << "dicom-nest-17" << unsupportedDicom << false;
    QTest::newRow("DICOM nested in defined-length items and sequences, 5000 deep")
        << "dicom-nest-defined" << unsupportedDicom << false;
    QTest::newRow("DICOM item delimiter outside any item") << "dicom-stray" << corrupt << false;
}

void TstHostileImages::refused() {
    QFETCH(QString, kind);
    QFETCH(int, code);
    QFETCH(bool, bounded);
    const QString path = m_dir.filePath(kind + (kind.startsWith("dicom") ? ".dcm" : ".img"));

    cv::Mat noise(256, 320, CV_8UC3);
    cv::randu(noise, 0, 256);
    std::vector<uchar> encoded;
    if (kind == "jpeg-cut" || kind == "jpeg-no-eoi") {
        QVERIFY(cv::imencode(".jpg", noise, encoded));
        const size_t keep = kind == "jpeg-cut" ? encoded.size() * 6 / 10 : encoded.size() - 2;
        writeBytes(path, std::string(encoded.begin(), encoded.begin() + long(keep)));
    } else if (kind == "jpeg-progressive-cut") {
        QVERIFY(cv::imencode(".jpg", noise, encoded, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
        writeBytes(path, std::string(encoded.begin(), encoded.begin() + long(encoded.size() / 2)));
    } else if (kind == "jpeg-grey-cut") {
        cv::Mat grey;
        cv::extractChannel(noise, grey, 0);
        QVERIFY(cv::imencode(".jpg", grey, encoded));
        writeBytes(path, std::string(encoded.begin(), encoded.begin() + long(encoded.size() / 2)));
    } else if (kind == "png-30000") {
        writeBytes(path, pngHeaderOnly(30000, 30000, 8, 2));
    } else if (kind == "png-rgba16") {
        writeBytes(path, pngHeaderOnly(16000, 16000, 16, 6));
    } else if (kind == "png-10000") {
        writeBytes(path, pngHeaderOnly(10000, 10000, 8, 2));
    } else if (kind == "png-cut") {
        QVERIFY(cv::imencode(".png", noise, encoded));
        writeBytes(path, std::string(encoded.begin(), encoded.begin() + long(encoded.size() / 2)));
    } else if (kind == "jpeg-32000") {
        writeBytes(path, jpegWithDeclaredSize(32000, 32000));
    } else if (kind == "jpeg-12000") {
        writeBytes(path, jpegWithDeclaredSize(12000, 12000));
    } else if (kind == "bmp-30000") {
        writeBytes(path, bmpHeaderOnly(30000, 30000));
    } else if (kind == "bmp-10000") {
        writeBytes(path, bmpHeaderOnly(10000, -10000));
    } else if (kind == "tiff-30000") {
        writeBytes(path, tiffHeaderOnly(30000, 30000));
    } else if (kind == "ppm") {
        writeBytes(path, "P6\n30000 30000\n255\n" + std::string(64, '\x10'));
    } else if (kind == "dicom-65535") {
        DicomBytes d(false);
        d.image(65535, 65535, 1, 8, 24);
        writeBytes(path, d.bytes());
    } else if (kind == "dicom-10000") {
        DicomBytes d(false);
        d.image(10000, 10000, 1, 8, 24);
        writeBytes(path, d.bytes());
    } else if (kind == "dicom-length") {
        DicomBytes d(false);
        d.image(100, 100, 1, 8, 10000);
        writeBytes(path, d.bytes().substr(0, d.bytes().size() - 5000));
    } else if (kind == "dicom-nest-10000") {
        writeBytes(path, nestedDicom(10000, false, true));
    } else if (kind == "dicom-nest-100000-open") {
        writeBytes(path, nestedDicom(100000, false, false));
    } else if (kind == "dicom-nest-implicit") {
        writeBytes(path, nestedDicom(10000, true, true));
    } else if (kind == "dicom-nest-17") {
        writeBytes(path, nestedDicom(17, false, true));
    } else if (kind == "dicom-nest-defined") {
        // Innermost first: each level is a defined-length SQ holding one defined-length item.
        std::string inner;
        for (int i = 0; i < 5000; ++i) {
            std::string item;
            putLe16(item, 0xfffe);
            putLe16(item, 0xe000);
            putLe32(item, static_cast<std::uint32_t>(inner.size()));
            item += inner;
            std::string sq;
            putLe16(sq, 0x0008);
            putLe16(sq, 0x1140);
            sq += std::string("SQ\0\0", 4);
            putLe32(sq, static_cast<std::uint32_t>(item.size()));
            inner = sq + item;
        }
        DicomBytes d(false);
        std::string bytes = d.bytes() + inner;
        writeBytes(path, bytes);
    } else if (kind == "dicom-stray") {
        DicomBytes d(false);
        std::string bytes = d.bytes();
        putLe16(bytes, 0xfffe);
        putLe16(bytes, 0xe00d);
        putLe32(bytes, 0);
        writeBytes(path, bytes);
    }

    const long rssBefore = peakRssKb();
    const auto load = [&path] { loadImage(path.toStdString()); };
    try {
        if (bounded)
            withAddressSpaceCap(512ull << 20, load);
        else
            load();
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QVERIFY2(e.code() == CoreErrorCode(code),
                 qPrintable(QString("got %1: %2").arg(coreErrorCodeName(e.code()), e.what())));
        QCOMPARE(e.path(), path.toStdString());
        QVERIFY2(std::string(e.what()).find('\n') == std::string::npos, e.what());
    }
    // The peak resident size grows by far less than any declared image (>= 300 MB here).
    const long grownKb = peakRssKb() - rssBefore;
    QVERIFY2(grownKb < 64 * 1024, qPrintable(QString("peak RSS grew by %1 KiB").arg(grownKb)));
}

void TstHostileImages::truncatedIsicJpeg() {
    DERMSAM_REQUIRE_ISIC(isic);
    const QString source = isic + "/images/ISIC_0000000.jpg";
    const std::string bytes = readBytes(source);
    QVERIFY(bytes.size() > 1000);
    // The intact file decodes; every cut through the scan fails, none comes back smeared.
    QCOMPARE(loadImage(source.toStdString()).pixels.type(), CV_8UC3);
    for (const double fraction : {0.3, 0.6, 0.9, 0.99}) {
        const QString path = m_dir.filePath(QString("isic-cut-%1.jpg").arg(fraction));
        writeBytes(path, bytes.substr(0, static_cast<size_t>(bytes.size() * fraction)));
        try {
            loadImage(path.toStdString());
            QFAIL(qPrintable(QString("a %1 cut decoded").arg(fraction)));
        } catch (const CoreError& e) {
            QCOMPARE(coreErrorCodeName(e.code()), "corrupt-file");
        }
    }
}

void TstHostileImages::jpegMatchesOpenCv_data() {
    QTest::addColumn<int>("channels");
    QTest::addColumn<bool>("progressive");
    QTest::newRow("RGB baseline") << 3 << false;
    QTest::newRow("RGB progressive") << 3 << true;
    QTest::newRow("grey baseline") << 1 << false;
}

void TstHostileImages::jpegMatchesOpenCv() {
    // The strict decoder changes what fails, never the pixels of an intact file.
    QFETCH(int, channels);
    QFETCH(bool, progressive);
    cv::Mat image(123, 77, CV_MAKETYPE(CV_8U, channels));
    cv::randu(image, 0, 256);
    cv::GaussianBlur(image, image, cv::Size(5, 5), 0);
    std::vector<uchar> encoded;
    QVERIFY(cv::imencode(
        ".jpg", image, encoded,
        {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, progressive ? 1 : 0}));
    const QString path = m_dir.filePath(QString("intact-%1-%2.jpg").arg(channels).arg(progressive));
    writeBytes(path, std::string(encoded.begin(), encoded.end()));
    const cv::Mat reference = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
    cv::Mat referenceRgb = reference;
    if (channels == 3)
        cv::cvtColor(reference, referenceRgb, cv::COLOR_BGR2RGB);
    const Image loaded = loadImage(path.toStdString());
    QCOMPARE(loaded.pixels.type(), referenceRgb.type());
    QCOMPARE(loaded.pixels.size(), referenceRgb.size());
    QCOMPARE(cv::norm(loaded.pixels, referenceRgb, cv::NORM_INF), 0.0);
}

void TstHostileImages::shallowDicomStillLoads_data() {
    QTest::addColumn<int>("depth");
    QTest::addColumn<bool>("implicitVr");
    QTest::newRow("explicit VR, no sequence") << 0 << false;
    QTest::newRow("explicit VR, 3 levels") << 3 << false;
    QTest::newRow("explicit VR, 16 levels (the limit)") << 16 << false;
    QTest::newRow("implicit VR, 5 levels") << 5 << true;
}

void TstHostileImages::shallowDicomStillLoads() {
    QFETCH(int, depth);
    QFETCH(bool, implicitVr);
    const QString path = m_dir.filePath(QString("shallow-%1-%2.dcm").arg(depth).arg(implicitVr));
    writeBytes(path, nestedDicom(depth, implicitVr, true));
    const Image image = loadImage(path.toStdString());
    QCOMPARE(image.pixels.type(), CV_8UC1);
    QCOMPARE(image.pixels.size(), cv::Size(6, 4));
    QCOMPARE(int(image.pixels.at<uchar>(1, 2)), (1 * 6 + 2) * 7);
}

void TstHostileImages::limitsAreParameters() {
    // A real 300x200 PNG: refused under a 0.05-megapixel limit, read under the default.
    cv::Mat rgb(200, 300, CV_8UC3, cv::Scalar(10, 20, 30));
    const QString png = m_dir.filePath("small.png");
    QVERIFY(cv::imwrite(png.toStdString(), rgb));
    QCOMPARE(loadImage(png.toStdString()).pixels.size(), cv::Size(300, 200));
    try {
        loadImage(png.toStdString(), ImageLimits::withMegapixels(0.05));
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(coreErrorCodeName(e.code()), "image-too-large");
    }
    QCOMPARE(loadImage(png.toStdString(), ImageLimits::withMegapixels(0.06)).pixels.cols, 300);

    // The DICOM depth limit too: 5 levels pass the default, not a limit of 4.
    const QString dcm = m_dir.filePath("five.dcm");
    writeBytes(dcm, nestedDicom(5, false, true));
    QCOMPARE(loadImage(dcm.toStdString()).pixels.cols, 6);
    ImageLimits shallow;
    shallow.maxDicomSequenceDepth = 4;
    try {
        loadImage(dcm.toStdString(), shallow);
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(coreErrorCodeName(e.code()), "unsupported-dicom");
    }
}

QTEST_GUILESS_MAIN(TstHostileImages)
#include "tst_hostile_images.moc"
