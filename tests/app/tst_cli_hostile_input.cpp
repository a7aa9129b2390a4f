// Protects the command line's contract on hostile input (issue 20): a truncated JPEG or a DICOM
// nested 10,000 sequences deep makes `segment` exit non-zero with exactly one line on stderr,
// no library diagnostics and no crash; the line has the error code and path, then what to do.
// labels: unit
#include "tests/hostile_bytes.h"
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <string>
#include <vector>

using dermsam::test::putLe16;
using dermsam::test::putLe32;

namespace {

void writeBytes(const QString& path, const std::string& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes.data(), static_cast<qint64>(bytes.size()));
}

// Preamble, a minimal explicit VR little endian meta group, then `depth` nested
// undefined-length sequences (ReferencedImageSequence) with one item each, left open.
std::string deeplyNestedDicom(int depth) {
    std::string s(128, '\0');
    s += "DICM";
    const std::string ts("1.2.840.10008.1.2.1\0", 20);
    putLe16(s, 0x0002);
    putLe16(s, 0x0010);
    s += "UI";
    putLe16(s, static_cast<unsigned>(ts.size()));
    s += ts;
    for (int i = 0; i < depth; ++i) {
        putLe16(s, 0x0008);
        putLe16(s, 0x1140);
        s += std::string("SQ\0\0", 4);
        putLe32(s, 0xffffffffu);
        putLe16(s, 0xfffe);
        putLe16(s, 0xe000);
        putLe32(s, 0xffffffffu);
    }
    return s;
}

} // namespace

class TstCliHostileInput : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void segmentFailsWithOneLine_data();
    void segmentFailsWithOneLine();

private:
    QTemporaryDir m_dir;
};

void TstCliHostileInput::segmentFailsWithOneLine_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("code");
    // What the line tells the user to make of it, after the code for scripts.
    QTest::addColumn<QString>("hint");
    QTest::newRow("truncated JPEG") << "truncated.jpg"
                                    << "corrupt-file"
                                    << "damaged or incomplete";
    QTest::newRow("DICOM nested 10000 deep") << "nested.dcm"
                                             << "unsupported-dicom"
                                             << "cannot display";
    QTest::newRow("PNG declaring 30000x30000") << "huge.png"
                                               << "image-too-large"
                                               << "--max-megapixels";
    QTest::newRow("text named .jpg") << "text.jpg"
                                     << "unsupported-format"
                                     << "not an image";
    QTest::newRow("no such file") << "missing.jpg"
                                  << "file-not-found"
                                  << "no such file";
}

void TstCliHostileInput::segmentFailsWithOneLine() {
    QFETCH(QString, kind);
    QFETCH(QString, code);
    QFETCH(QString, hint);
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(kind);
    if (kind == "truncated.jpg") {
        cv::Mat noise(256, 256, CV_8UC3);
        cv::randu(noise, 0, 256);
        std::vector<uchar> jpeg;
        QVERIFY(cv::imencode(".jpg", noise, jpeg));
        writeBytes(path, std::string(jpeg.begin(), jpeg.begin() + long(jpeg.size() / 2)));
    } else if (kind == "nested.dcm") {
        writeBytes(path, deeplyNestedDicom(10000));
    } else if (kind == "text.jpg") {
        writeBytes(path, "not a photo\n");
    } else if (kind == "huge.png") {
        std::string png = "\x89PNG\r\n\x1a\n";
        const unsigned char ihdr[] = {0, 0,    0,    13, 'I', 'H', 'D', 'R', 0, 0, 0x75, 0x30, 0,
                                      0, 0x75, 0x30, 8,  2,   0,   0,   0,   0, 0, 0,    0};
        png.append(reinterpret_cast<const char*>(ihdr), sizeof ihdr);
        writeBytes(path, png);
    }

    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH),
            {"segment", "--model", "default", "--image", path, "--box", "10,10,100,100", "--out",
             m_dir.filePath("mask.png")});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit); // a crash is a CrashExit
    QVERIFY(p.exitCode() != 0);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    const QStringList lines = err.split('\n', Qt::SkipEmptyParts);
    QVERIFY2(lines.size() == 1, qPrintable("stderr:\n" + err));
    QVERIFY2(lines.front().contains(code + " [" + path + "]"), qPrintable(lines.front()));
    QVERIFY2(lines.front().contains(hint), qPrintable(lines.front()));
    QVERIFY(!QFile::exists(m_dir.filePath("mask.png")));
}

QTEST_GUILESS_MAIN(TstCliHostileInput)
#include "tst_cli_hostile_input.moc"
