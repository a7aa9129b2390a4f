// Protects `dermsam-cli segment --heatmap`: mask and Grad-CAM overlay at the image's size.
// labels: unit
#include "test_support.h"

#include <opencv2/imgcodecs.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestCliSegmentHeatmap : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void maskAndHeatmap_data();
    void maskAndHeatmap();
};

void TestCliSegmentHeatmap::maskAndHeatmap_data() {
    QTest::addColumn<QString>("method");
    QTest::newRow("gradcam") << "gradcam";
    QTest::newRow("hirescam") << "hirescam";
}

void TestCliSegmentHeatmap::maskAndHeatmap() {
    QFETCH(QString, method);
    DERMSAM_REQUIRE_ISIC(dir);
    QTemporaryDir tmp;
    const QString image = dir + "/images/ISIC_0000017.jpg";
    const QString mask = tmp.path() + "/ISIC_0000017_segmentation.png";
    const QString heat = tmp.path() + "/heat.png";
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH),
            {"segment", "--model", "default", "--image", image, "--box", "107,118,371,394", "--out",
             mask, "--heatmap", heat, "--method", method, "--no-cache"});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    const cv::Mat m = cv::imread(mask.toStdString(), cv::IMREAD_UNCHANGED);
    const cv::Mat h = cv::imread(heat.toStdString(), cv::IMREAD_COLOR);
    QCOMPARE(m.cols, 512);
    QCOMPARE(m.rows, 512);
    QCOMPARE(h.cols, 512);
    QCOMPARE(h.rows, 512);
    // The lesion covers about a fifth of this image (ground truth 20.5%).
    const double fraction = cv::countNonZero(m) / double(m.total());
    QVERIFY2(fraction > 0.15 && fraction < 0.3, qPrintable(QString::number(fraction)));
    QVERIFY(QFile::exists(tmp.path() + "/ISIC_0000017_segmentation.json"));
}

QTEST_GUILESS_MAIN(TestCliSegmentHeatmap)
#include "tst_cli_segment_heatmap.moc"
