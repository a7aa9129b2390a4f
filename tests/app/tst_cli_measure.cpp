// Protects `dermsam-cli measure` and `dermsam-cli report` on real ISIC files: the figures of
// docs/measurements.md as JSON, a report PDF/HTML, and one clear line for bad input.
// labels: unit
#include "cli_run.h"
#include "test_support.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {

using dermsam::test::cli;
using Run = dermsam::test::CliRun;

} // namespace

class TstCliMeasure : public QObject {
    Q_OBJECT
private:
    QString m_image, m_mask;
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() {
        DERMSAM_REQUIRE_ISIC(isic);
        m_image = isic + QStringLiteral("/images/ISIC_0000009.jpg");
        m_mask = isic + QStringLiteral("/masks/ISIC_0000009_segmentation.png");
        QVERIFY(m_dir.isValid());
    }

    void measureJson() {
        const Run r = cli({QStringLiteral("measure"), QStringLiteral("--image"), m_image,
                           QStringLiteral("--mask"), m_mask, QStringLiteral("--pixel-size"),
                           QStringLiteral("0.02"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        const QJsonObject m = o.value(QStringLiteral("measurements")).toObject();
        const cv::Mat mask = cv::imread(m_mask.toStdString(), cv::IMREAD_GRAYSCALE);
        const double area = cv::countNonZero(mask);
        QCOMPARE(m.value(QStringLiteral("areaPx")).toDouble(), area);
        QVERIFY(std::abs(m.value(QStringLiteral("areaMm2")).toDouble() - area * 0.0004) < 1e-6);
        QVERIFY(m.value(QStringLiteral("maxDiameterMm")).toDouble() > 0);
        QVERIFY(m.contains(QStringLiteral("colourCount")));
        QVERIFY(m.contains(QStringLiteral("borderSharpnessSector7")));
        QCOMPARE(o.value(QStringLiteral("pixelSize"))
                     .toObject()
                     .value(QStringLiteral("source"))
                     .toString(),
                 QStringLiteral("option"));
        // Without a pixel size: no mm figures, and it says why.
        const Run plain = cli({QStringLiteral("measure"), QStringLiteral("--image"), m_image,
                               QStringLiteral("--mask"), m_mask});
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(plain.out.contains("--pixel-size"));
        QVERIFY(!plain.out.contains("areaMm2"));
    }

    void badInputIsOneLine_data() {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("code");
        QTest::newRow("missing mask file")
            << QStringList{QStringLiteral("--mask"), QStringLiteral("/no/such/mask.png")} << 1;
        QTest::newRow("bad pixel size")
            << QStringList{QStringLiteral("--mask"), QStringLiteral("MASK"),
                           QStringLiteral("--pixel-size"), QStringLiteral("-1")}
            << 2;
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("--mask"), QStringLiteral("MASK"),
                           QStringLiteral("--colour"), QStringLiteral("1")}
            << 2;
        QTest::newRow("mask of another size")
            << QStringList{QStringLiteral("--mask"), QStringLiteral("SMALL")} << 2;
    }
    void badInputIsOneLine() {
        QFETCH(QStringList, extra);
        QFETCH(int, code);
        const QString small = m_dir.filePath(QStringLiteral("small.png"));
        cv::imwrite(small.toStdString(), cv::Mat(10, 10, CV_8UC1, cv::Scalar(255)));
        extra.replaceInStrings(QStringLiteral("SMALL"), small);
        extra.replaceInStrings(QStringLiteral("MASK"), m_mask);
        const Run r =
            cli(QStringList{QStringLiteral("measure"), QStringLiteral("--image"), m_image} + extra);
        QCOMPARE(r.exitCode, code);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(!r.err.trimmed().isEmpty());
    }

    void reportPdfAndHtml() {
        const QString pdf = m_dir.filePath(QStringLiteral("lesion.pdf"));
        const Run r = cli({QStringLiteral("report"), QStringLiteral("--image"), m_image,
                           QStringLiteral("--mask"), m_mask, QStringLiteral("--pixel-size"),
                           QStringLiteral("0.02"), QStringLiteral("--operator"),
                           QStringLiteral("Dr CLI"), QStringLiteral("--out"), pdf});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(pdf));
        if (!QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty()) {
            QProcess t;
            t.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
            QVERIFY(t.waitForFinished(30000));
            QString text = QString::fromUtf8(t.readAllStandardOutput());
            text.remove(QRegularExpression(QStringLiteral("\\s")));
            QVERIFY(text.contains(QStringLiteral("DermSAMlesionreport")));
            QVERIFY(text.contains(QStringLiteral("DrCLI")));
            QVERIFY(text.contains(QStringLiteral("Greatestdiameter")));
            // --pixel-size is the user's word, not a calibration made in the viewer.
            QVERIFY(text.contains(QStringLiteral("givenonthecommandline(0.02mmperpixel)")));
            QVERIFY(!text.contains(QStringLiteral("calibrated")));
        }
        const QString html = m_dir.filePath(QStringLiteral("lesion.html"));
        const Run h = cli({QStringLiteral("report"), QStringLiteral("--image"), m_image,
                           QStringLiteral("--mask"), m_mask, QStringLiteral("--out"), html});
        QVERIFY2(h.exitCode == 0, qPrintable(h.err));
        QFile f(html);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("data:image/png;base64,"));
        // An unwritable output: one line, exit 1.
        const Run bad = cli({QStringLiteral("report"), QStringLiteral("--image"), m_image,
                             QStringLiteral("--mask"), m_mask, QStringLiteral("--out"),
                             QStringLiteral("/no/such/dir/r.pdf")});
        QCOMPARE(bad.exitCode, 1);
        QCOMPARE(bad.err.trimmed().count(QLatin1Char('\n')), 0);
    }
};

QTEST_GUILESS_MAIN(TstCliMeasure)
#include "tst_cli_measure.moc"
