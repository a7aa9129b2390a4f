// Protects saved masks: 0/255 PNG + JSON sidecar content, atomic writes, and mask loading rules.
// labels: unit
#include "core/core_error.h"
#include "core/mask_io.h"

#include "dermsam_version.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>

using namespace dermsam;

namespace {

cv::Mat sampleMask(uchar on) {
    cv::Mat m = cv::Mat::zeros(12, 20, CV_8UC1);
    m(cv::Rect(3, 2, 9, 6)).setTo(on);
    return m;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

void writeNpyU8(const QString& path, const std::vector<uint8_t>& data, int rows, int cols,
                const char* descr = "|u1") {
    std::string header = std::string("{'descr': '") + descr +
                         "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string file = "\x93NUMPY";
    file += '\x01';
    file += '\x00';
    file += static_cast<char>(header.size() & 0xff);
    file += static_cast<char>(header.size() >> 8);
    file += header;
    file.append(reinterpret_cast<const char*>(data.data()), data.size());
    writeBytes(path, QByteArray::fromStdString(file));
}

MaskSidecar sampleSidecar() {
    MaskSidecar s;
    s.prompts.boxes.push_back({10.5f, 20.f, 110.f, 220.25f});
    s.prompts.points.push_back({50.f, 60.f, 1});
    s.prompts.points.push_back({70.f, 80.f, 0});
    s.sourceImage = "ISIC_0000000.jpg";
    s.modelFile = "medsam_vit_b.pth";
    s.modelHash = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    s.preprocessingProfile = "medsam";
    s.predictedIou = 0.9375;
    s.edited = true;
    return s;
}

QStringList entriesOf(const QString& dir) {
    return QDir(dir).entryList(
        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TstMaskIo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void paths();
    void roundTripPngAndSidecar();
    void sidecarWithoutIou();
    void overwriteReplacesBoth();
    void blockedSidecarLeavesOldFilesIntact();
    void readOnlyDirectoryFailsCleanly();
    void missingDirectoryFails();
    void rejectsBadMasks();
    void badSidecarJson();
    void loadMaskFormats_data();
    void loadMaskFormats();

private:
    QTemporaryDir m_dir;
};

void TstMaskIo::paths() {
    QCOMPARE(QString::fromStdString(maskPathFor("/data/out", "ISIC_1")),
             QString("/data/out/ISIC_1_segmentation.png"));
    QCOMPARE(QString::fromStdString(sidecarPathFor("/data/out/ISIC_1_segmentation.png")),
             QString("/data/out/ISIC_1_segmentation.json"));
}

void TstMaskIo::roundTripPngAndSidecar() {
    const QString png = QString::fromStdString(maskPathFor(m_dir.path().toStdString(), "case1"));
    const cv::Mat mask = sampleMask(1); // 0/1 in memory -> 0/255 on disk
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    saveMask(png.toStdString(), mask, sampleSidecar());

    // The PNG: 8-bit, one channel, exactly 0 and 255, the same pixels.
    const cv::Mat disk = cv::imread(png.toStdString(), cv::IMREAD_UNCHANGED);
    QCOMPARE(disk.type(), CV_8UC1);
    QCOMPARE(disk.size(), mask.size());
    cv::Mat expected;
    cv::compare(mask, 0, expected, cv::CMP_NE);
    QCOMPARE(cv::norm(disk, expected, cv::NORM_INF), 0.0);
    QCOMPARE(cv::countNonZero(disk == 255) + cv::countNonZero(disk == 0), int(disk.total()));
    QCOMPARE(cv::norm(loadMask(png.toStdString()), expected, cv::NORM_INF), 0.0);

    // The sidecar, read as plain JSON.
    const QString json = m_dir.filePath("case1_segmentation.json");
    QVERIFY(QFile::exists(json));
    const QJsonObject root = QJsonDocument::fromJson(fileBytes(json)).object();
    QCOMPARE(root["format"].toString(), QString("dermsam-mask-sidecar"));
    QCOMPARE(root["width"].toInt(), 20);
    QCOMPARE(root["height"].toInt(), 12);
    QCOMPARE(root["sourceImage"].toString(), QString("ISIC_0000000.jpg"));
    const QJsonArray boxes = root["prompts"].toObject()["boxes"].toArray();
    QCOMPARE(boxes.size(), 1);
    QCOMPARE(boxes[0].toArray()[0].toDouble(), 10.5);
    QCOMPARE(boxes[0].toArray()[3].toDouble(), 220.25);
    const QJsonArray points = root["prompts"].toObject()["points"].toArray();
    QCOMPARE(points.size(), 2);
    QCOMPARE(points[1].toObject()["label"].toInt(), 0);
    QCOMPARE(points[1].toObject()["x"].toDouble(), 70.0);
    QCOMPARE(root["model"].toObject()["sha256"].toString().size(), 64);
    QCOMPARE(root["model"].toObject()["file"].toString(), QString("medsam_vit_b.pth"));
    QCOMPARE(root["preprocessing"].toString(), QString("medsam"));
    QCOMPARE(root["predictedIou"].toDouble(), 0.9375);
    QCOMPARE(root["edited"].toBool(), true);
    QCOMPARE(root["appVersion"].toString(), QString(DERMSAM_VERSION_STRING));
    const QDateTime created = QDateTime::fromString(root["created"].toString(), Qt::ISODateWithMs);
    QVERIFY(created.isValid());
    QCOMPARE(created.timeSpec(), Qt::UTC);
    QVERIFY(created >= before && created <= QDateTime::currentDateTimeUtc().addSecs(1));

    // And back through the typed reader.
    const MaskSidecar back = loadMaskSidecar(json.toStdString());
    const MaskSidecar original = sampleSidecar();
    QCOMPARE(back.prompts.boxes.size(), size_t(1));
    QCOMPARE(back.prompts.boxes[0].x1, original.prompts.boxes[0].x1);
    QCOMPARE(back.prompts.points.size(), size_t(2));
    QCOMPARE(back.prompts.points[0].label, 1);
    QCOMPARE(back.modelHash, original.modelHash);
    QCOMPARE(back.preprocessingProfile, original.preprocessingProfile);
    QVERIFY(back.predictedIou.has_value());
    QCOMPARE(*back.predictedIou, 0.9375);
    QVERIFY(back.edited);
    QCOMPARE(back.appVersion, std::string(DERMSAM_VERSION_STRING));
    QCOMPARE(QString::fromStdString(back.createdUtc), root["created"].toString());

    // Nothing else left behind (no temporaries).
    QCOMPARE(entriesOf(m_dir.path()),
             (QStringList{"case1_segmentation.json", "case1_segmentation.png"}));
}

void TstMaskIo::sidecarWithoutIou() {
    MaskSidecar s;
    s.createdUtc = "2024-05-01T10:00:00Z";
    s.appVersion = "9.9.9";
    const std::string text = sidecarToJson(s, 5, 4);
    const QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
    QVERIFY(root["predictedIou"].isNull());
    QCOMPARE(root["created"].toString(), QString("2024-05-01T10:00:00Z"));
    QCOMPARE(root["appVersion"].toString(), QString("9.9.9"));
    const MaskSidecar back = sidecarFromJson(text);
    QVERIFY(!back.predictedIou.has_value());
    QVERIFY(back.prompts.empty());
    QVERIFY(!back.edited);
}

void TstMaskIo::overwriteReplacesBoth() {
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMask(png, sampleMask(255), sampleSidecar());
    MaskSidecar second = sampleSidecar();
    second.edited = false;
    saveMask(png, cv::Mat::zeros(12, 20, CV_8UC1), second);
    QCOMPARE(cv::countNonZero(loadMask(png)), 0);
    QVERIFY(!loadMaskSidecar(sidecarPathFor(png)).edited);
    QCOMPARE(entriesOf(dir.path()).size(), 2);
}

void TstMaskIo::blockedSidecarLeavesOldFilesIntact() {
    // The sidecar's name is taken by a folder, so its write must fail; the PNG, written first,
    // must not have been renamed into place either: the old mask stays byte for byte.
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMaskPng(png, sampleMask(255));
    const QByteArray oldPng = fileBytes(QString::fromStdString(png));
    QVERIFY(QDir(dir.path()).mkdir("s_segmentation.json"));
    try {
        saveMask(png, cv::Mat::zeros(12, 20, CV_8UC1), sampleSidecar());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileWriteFailed);
        QCOMPARE(e.path(), sidecarPathFor(png));
    }
    QCOMPARE(fileBytes(QString::fromStdString(png)), oldPng);
    QCOMPARE(entriesOf(dir.path()), (QStringList{"s_segmentation.json", "s_segmentation.png"}));
}

void TstMaskIo::readOnlyDirectoryFailsCleanly() {
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "s");
    saveMask(png, sampleMask(255), sampleSidecar());
    const QByteArray oldPng = fileBytes(QString::fromStdString(png));
    const QByteArray oldJson = fileBytes(QString::fromStdString(sidecarPathFor(png)));
    QFile::Permissions saved = QFile::permissions(dir.path());
    QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner));
    {
        QFile probe(dir.filePath("probe"));
        if (probe.open(QIODevice::WriteOnly)) { // root ignores directory permissions
            probe.close();
            probe.remove();
            QFile::setPermissions(dir.path(), saved);
            QSKIP("running with privileges that ignore directory permissions (root)");
        }
    }
    bool threw = false;
    try {
        saveMask(png, cv::Mat::zeros(12, 20, CV_8UC1), sampleSidecar());
    } catch (const CoreError& e) {
        threw = e.code() == CoreErrorCode::FileWriteFailed && e.path() == png;
    }
    QFile::setPermissions(dir.path(), saved);
    QVERIFY(threw);
    QCOMPARE(fileBytes(QString::fromStdString(png)), oldPng);
    QCOMPARE(fileBytes(QString::fromStdString(sidecarPathFor(png))), oldJson);
    QCOMPARE(entriesOf(dir.path()).size(), 2);
}

void TstMaskIo::missingDirectoryFails() {
    const std::string png = m_dir.filePath("no/such/dir/x_segmentation.png").toStdString();
    try {
        saveMask(png, sampleMask(255), sampleSidecar());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileWriteFailed);
        QCOMPARE(e.path(), png);
    }
}

void TstMaskIo::rejectsBadMasks() {
    QTemporaryDir dir;
    const std::string png = maskPathFor(dir.path().toStdString(), "bad");
    for (const cv::Mat& bad : {cv::Mat(), cv::Mat(4, 4, CV_32FC1, cv::Scalar(1)),
                               cv::Mat(4, 4, CV_8UC3, cv::Scalar(255, 255, 255))}) {
        try {
            saveMask(png, bad, MaskSidecar{});
            QFAIL("no exception");
        } catch (const CoreError& e) {
            QCOMPARE(e.code(), CoreErrorCode::BadMask);
        }
    }
    QVERIFY(entriesOf(dir.path()).isEmpty());
}

void TstMaskIo::badSidecarJson() {
    const QString path = m_dir.filePath("broken.json");
    writeBytes(path, "{\"format\": \"dermsam-mask-sidecar\", ");
    try {
        loadMaskSidecar(path.toStdString());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadSidecar);
        QCOMPARE(e.path(), path.toStdString());
    }
    QVERIFY_THROWS_EXCEPTION(CoreError, sidecarFromJson("{\"format\": \"something-else\"}"));
    try {
        loadMaskSidecar(m_dir.filePath("absent.json").toStdString());
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileNotFound);
    }
}

void TstMaskIo::loadMaskFormats_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("lesionPixels");
    QTest::newRow("png 0/255") << "png255" << 54;
    QTest::newRow("png 0/1") << "png1" << 54;
    QTest::newRow("bmp 0/255") << "bmp" << 54;
    QTest::newRow("png RGB 0/255") << "pngrgb" << 54;
    QTest::newRow("jpeg mask (> 128)") << "jpeg" << 54;
    QTest::newRow("npy labels 0/1/2 (non-zero)") << "npy" << 3;
    QTest::newRow("npy bool") << "npybool" << 2;
}

void TstMaskIo::loadMaskFormats() {
    QFETCH(QString, kind);
    QFETCH(int, lesionPixels);
    QString path;
    if (kind == "png255" || kind == "png1" || kind == "bmp" || kind == "pngrgb" || kind == "jpeg") {
        const QString ext = kind == "bmp" ? ".bmp" : kind == "jpeg" ? ".jpg" : ".png";
        path = m_dir.filePath("mask-" + kind + ext);
        cv::Mat m = sampleMask(kind == "png1" ? 1 : 255); // 9 x 6 = 54 lesion pixels
        if (kind == "pngrgb")
            cv::merge(std::vector<cv::Mat>{m, m, m}, m);
        // JPEG leaves ringing values near the edges: the > 128 rule keeps the 54 pixels.
        QVERIFY(cv::imwrite(path.toStdString(), m, {cv::IMWRITE_JPEG_QUALITY, 90}));
    } else {
        path = m_dir.filePath("mask-" + kind + ".npy");
        if (kind == "npy")
            writeNpyU8(path, {0, 1, 2, 0, 0, 1}, 2, 3);
        else
            writeNpyU8(path, {0, 1, 1, 0}, 2, 2, "|b1");
    }
    const cv::Mat mask = loadMask(path.toStdString());
    QCOMPARE(mask.type(), CV_8UC1);
    QCOMPARE(cv::countNonZero(mask), lesionPixels);
    QCOMPARE(cv::countNonZero(mask == 255) + cv::countNonZero(mask == 0), int(mask.total()));
}

QTEST_GUILESS_MAIN(TstMaskIo)
#include "tst_mask_io.moc"
