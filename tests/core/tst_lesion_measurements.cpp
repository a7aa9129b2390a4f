// Protects the lesion measurements (size, asymmetry, border, colours) against shapes and colours
// with known answers, and on real ISIC images against a brute-force check and hand-checked values.
#include "test_support.h"

#include "core/core_error.h"
#include "core/lesion_measurements.h"
#include "core/mask_io.h"

#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace dermsam;

namespace {

constexpr double kPi = 3.14159265358979323846;

cv::Mat disc(int size, double radius) {
    cv::Mat m(size, size, CV_8UC1, cv::Scalar(0));
    cv::circle(m, {size / 2, size / 2}, static_cast<int>(radius), cv::Scalar(255), cv::FILLED,
               cv::LINE_8);
    return m;
}

cv::Mat ellipse(int w, int h, int a, int b, double angleDeg) {
    cv::Mat m(h, w, CV_8UC1, cv::Scalar(0));
    cv::ellipse(m, {w / 2, h / 2}, {a, b}, angleDeg, 0, 360, cv::Scalar(255), cv::FILLED);
    return m;
}

cv::Mat solid(cv::Size size, cv::Vec3b rgb) {
    return cv::Mat(size, CV_8UC3, cv::Scalar(rgb[0], rgb[1], rgb[2]));
}

int colourOf(cv::Vec3b rgb) {
    cv::Mat px(1, 1, CV_32FC3, cv::Scalar(rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0));
    cv::Mat lab;
    cv::cvtColor(px, lab, cv::COLOR_RGB2Lab);
    const cv::Vec3f v = lab.at<cv::Vec3f>(0, 0);
    return classifyDermoscopicColour(v[0], v[1], v[2]);
}

// The greatest distance between two lesion pixel centres, by trying every pair of boundary
// pixels (slow, obviously right).
double bruteMaxDiameter(const cv::Mat& mask) {
    std::vector<cv::Point> edge;
    for (int y = 0; y < mask.rows; ++y)
        for (int x = 0; x < mask.cols; ++x) {
            if (!mask.at<uchar>(y, x))
                continue;
            const bool inner = x > 0 && y > 0 && x + 1 < mask.cols && y + 1 < mask.rows &&
                               mask.at<uchar>(y - 1, x) && mask.at<uchar>(y + 1, x) &&
                               mask.at<uchar>(y, x - 1) && mask.at<uchar>(y, x + 1);
            if (!inner)
                edge.push_back({x, y});
        }
    double best = 0;
    for (std::size_t i = 0; i < edge.size(); ++i)
        for (std::size_t j = i + 1; j < edge.size(); ++j)
            best = std::max(
                best, std::hypot(double(edge[i].x - edge[j].x), double(edge[i].y - edge[j].y)));
    return best;
}

} // namespace

class TestLesionMeasurements : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void discIsRoundAndSymmetric() {
        const cv::Mat m = disc(301, 100);
        const LesionMeasurements r = measureLesion(m, cv::Mat(), 0.02, 0.02);
        QVERIFY(!r.empty);
        QCOMPARE(r.areaPx, static_cast<long long>(cv::countNonZero(m)));
        QVERIFY(std::abs(r.areaPx - kPi * 100 * 100) / (kPi * 100 * 100) < 0.01);
        // Between pixel centres: 2r across in both directions.
        QVERIFY(std::abs(r.maxFeretPx - 200) < 1.0);
        QVERIFY(std::abs(r.minFeretPx - 200) < 2.0);
        QVERIFY(std::abs(r.equivalentDiameterPx - 200) < 2.0);
        QVERIFY(std::abs(r.maxFeretMm - 4.0) < 0.02);
        QVERIFY(std::abs(r.areaMm2 - r.areaPx * 0.0004) < 1e-9);
        QVERIFY2(std::abs(r.compactness - 1.0) < 0.1, qPrintable(QString::number(r.compactness)));
        QVERIFY2(r.convexityDeficit < 0.01, qPrintable(QString::number(r.convexityDeficit)));
        QVERIFY(r.shapeAsymmetry[0] < 0.02 && r.shapeAsymmetry[1] < 0.02);
        QCOMPARE(r.shapeAsymmetricAxes, 0);
        QVERIFY(!r.colourMeasured);
    }

    void squareHasKnownCompactness() {
        cv::Mat m(200, 200, CV_8UC1, cv::Scalar(0));
        m(cv::Rect(50, 50, 101, 101)).setTo(255);
        const LesionMeasurements r = measureLesion(m, cv::Mat());
        QCOMPARE(r.areaPx, 101LL * 101);
        QCOMPARE(r.perimeterPx, 400.0); // 4 sides of 100 between centres
        QVERIFY(std::abs(r.maxFeretPx - 100 * std::sqrt(2.0)) < 1e-9);
        QVERIFY(std::abs(r.minFeretPx - 100) < 1e-9);
        QVERIFY(std::abs(r.compactness - 400.0 * 400.0 / (4 * kPi * 101 * 101)) < 1e-9);
        QVERIFY(r.convexityDeficit < 1e-9);
        QVERIFY(std::abs(r.perimeterHullRatio - 1.0) < 1e-9);
        QCOMPARE(r.shapeAsymmetricAxes, 0);
        // The greatest diameter runs corner to corner.
        const double dx = std::abs(r.maxFeretA.x - r.maxFeretB.x);
        const double dy = std::abs(r.maxFeretA.y - r.maxFeretB.y);
        QCOMPARE(dx, 100.0);
        QCOMPARE(dy, 100.0);
    }

    void ellipseAxesAndDiameters_data() {
        QTest::addColumn<double>("angle");
        QTest::newRow("0°") << 0.0;
        QTest::newRow("30°") << 30.0;
        QTest::newRow("90°") << 90.0;
    }
    void ellipseAxesAndDiameters() {
        QFETCH(double, angle);
        const cv::Mat m = ellipse(400, 400, 150, 60, angle);
        const LesionMeasurements r = measureLesion(m, cv::Mat());
        QVERIFY(std::abs(r.maxFeretPx - 300) < 2.0);
        QVERIFY(std::abs(r.minFeretPx - 120) < 2.0);
        // The major axis is found whatever its direction (angles modulo 180°).
        double diff = std::fmod(std::abs(r.majorAxisAngleDeg - angle), 180.0);
        diff = std::min(diff, 180.0 - diff);
        QVERIFY2(diff < 1.0, qPrintable(QString::number(r.majorAxisAngleDeg)));
        QVERIFY(r.shapeAsymmetry[0] < 0.03 && r.shapeAsymmetry[1] < 0.03);
        QVERIFY(r.compactness > 1.1); // an ellipse is less compact than a disc
    }

    void halfDiscIsAsymmetricAboutOneAxis() {
        // A half disc: symmetric about its axis of symmetry, not about the other one.
        cv::Mat m = disc(301, 100);
        m(cv::Rect(0, 0, 301, 150)).setTo(0);
        const LesionMeasurements r = measureLesion(m, cv::Mat());
        const double lo = std::min(r.shapeAsymmetry[0], r.shapeAsymmetry[1]);
        const double hi = std::max(r.shapeAsymmetry[0], r.shapeAsymmetry[1]);
        QVERIFY2(lo < 0.02, qPrintable(QString::number(lo)));
        QVERIFY2(hi > 0.15, qPrintable(QString::number(hi)));
        QCOMPARE(r.shapeAsymmetricAxes, 1);
    }

    void notchedDiscHasAnIrregularBorder() {
        cv::Mat m = disc(301, 100);
        for (int k = 0; k < 12; ++k) {
            const double a = k * kPi / 6;
            cv::circle(m, {150 + int(95 * std::cos(a)), 150 + int(95 * std::sin(a))}, 14,
                       cv::Scalar(0), cv::FILLED);
        }
        const LesionMeasurements r = measureLesion(m, cv::Mat());
        const LesionMeasurements round = measureLesion(disc(301, 100), cv::Mat());
        QVERIFY(r.compactness > round.compactness * 1.1);
        QVERIFY(r.convexityDeficit > 0.05);
        QVERIFY(r.perimeterHullRatio > 1.1);
    }

    void colourDefinitions_data() {
        QTest::addColumn<int>("r");
        QTest::addColumn<int>("g");
        QTest::addColumn<int>("b");
        QTest::addColumn<int>("colour");
        QTest::newRow("white") << 240 << 238 << 235 << int(DermoscopicColour::White);
        QTest::newRow("red") << 200 << 40 << 50 << int(DermoscopicColour::Red);
        QTest::newRow("light brown") << 181 << 136 << 92 << int(DermoscopicColour::LightBrown);
        QTest::newRow("dark brown") << 101 << 67 << 33 << int(DermoscopicColour::DarkBrown);
        QTest::newRow("blue-grey") << 100 << 110 << 130 << int(DermoscopicColour::BlueGrey);
        QTest::newRow("black") << 20 << 18 << 22 << int(DermoscopicColour::Black);
        QTest::newRow("green: none") << 40 << 200 << 40 << -1;
        // Desaturated pixels: neutral and bluish grey are blue-grey; a greyish brown (the rim
        // where pigment fades into the skin) is none of the six, not blue-grey.
        QTest::newRow("neutral grey") << 128 << 128 << 128 << int(DermoscopicColour::BlueGrey);
        QTest::newRow("faint bluish grey") << 120 << 128 << 140 << int(DermoscopicColour::BlueGrey);
        QTest::newRow("greyish brown: none") << 150 << 135 << 120 << -1;
    }
    void colourDefinitions() {
        QFETCH(int, r);
        QFETCH(int, g);
        QFETCH(int, b);
        QFETCH(int, colour);
        QCOMPARE(colourOf(cv::Vec3b(uchar(r), uchar(g), uchar(b))), colour);
    }

    void twoColourEllipse() {
        // A horizontal ellipse, dark brown on the left and black on the right: two colours, the
        // colour asymmetric about the minor (vertical) axis only, the shape about neither.
        const cv::Mat m = ellipse(400, 300, 150, 80, 0);
        cv::Mat rgb = solid(m.size(), {101, 67, 33});
        rgb(cv::Rect(200, 0, 200, 300)).setTo(cv::Scalar(20, 18, 22));
        const LesionMeasurements r = measureLesion(m, rgb);
        QVERIFY(r.colourMeasured);
        QCOMPARE(r.colourCount, 2);
        QVERIFY(r.colourShare[int(DermoscopicColour::DarkBrown)] > 0.45);
        QVERIFY(r.colourShare[int(DermoscopicColour::Black)] > 0.45);
        QCOMPARE(r.shapeAsymmetricAxes, 0);
        QVERIFY2(r.colourAsymmetry[0] < 2.0, qPrintable(QString::number(r.colourAsymmetry[0])));
        QVERIFY2(r.colourAsymmetry[1] > 15.0, qPrintable(QString::number(r.colourAsymmetry[1])));
        QCOMPARE(r.colourAsymmetricAxes, 1);
        // A small stray colour under the share threshold does not count.
        cv::Mat dotted = rgb.clone();
        cv::circle(dotted, {120, 150}, 10, cv::Scalar(240, 238, 235), cv::FILLED);
        QCOMPARE(measureLesion(m, dotted).colourCount, 2);
    }

    void sharpBorderIsSharperThanBlurred() {
        const cv::Mat m = disc(301, 100);
        cv::Mat rgb = solid(m.size(), {220, 190, 170});
        rgb.setTo(cv::Scalar(90, 60, 35), m);
        cv::Mat blurred;
        cv::GaussianBlur(rgb, blurred, cv::Size(), 6.0);
        const LesionMeasurements sharp = measureLesion(m, rgb);
        const LesionMeasurements soft = measureLesion(m, blurred);
        QVERIFY2(sharp.meanBorderSharpness > 2.5 * soft.meanBorderSharpness,
                 qPrintable(QStringLiteral("%1 vs %2")
                                .arg(sharp.meanBorderSharpness)
                                .arg(soft.meanBorderSharpness)));
        for (int s = 0; s < 8; ++s)
            QVERIFY(sharp.borderSharpness[s] > 0);
        // Blur one side only: its sectors are the soft ones. Sectors 2 and 3 (45°-135°) are the
        // bottom, where image rows grow.
        cv::Mat half = rgb.clone();
        blurred(cv::Rect(0, 180, 301, 121)).copyTo(half(cv::Rect(0, 180, 301, 121)));
        const LesionMeasurements mixed = measureLesion(m, half);
        QVERIFY(mixed.borderSharpness[2] < 0.6 * mixed.borderSharpness[6]);
    }

    void emptyAndBadInput() {
        const LesionMeasurements none =
            measureLesion(cv::Mat(10, 10, CV_8UC1, cv::Scalar(0)), cv::Mat());
        QVERIFY(none.empty);
        QCOMPARE(measurementList(none).size(), std::size_t{1});
        QVERIFY_THROWS_EXCEPTION(CoreError, measureLesion(cv::Mat(), cv::Mat()));
        QVERIFY_THROWS_EXCEPTION(CoreError,
                                 measureLesion(cv::Mat(4, 4, CV_8UC1), cv::Mat(5, 5, CV_8UC3)));
        // A single pixel: measured, with no length.
        cv::Mat one(5, 5, CV_8UC1, cv::Scalar(0));
        one.at<uchar>(2, 2) = 1;
        const LesionMeasurements r = measureLesion(one, cv::Mat());
        QCOMPARE(r.areaPx, 1LL);
        QCOMPARE(r.maxFeretPx, 0.0);
    }

    void realIsicMaskAgainstBruteForce() {
        DERMSAM_REQUIRE_ISIC(isic);
        const cv::Mat mask = binarizeMask(cv::imread(
            (isic + QStringLiteral("/masks/ISIC_0000009_segmentation.png")).toStdString(),
            cv::IMREAD_UNCHANGED));
        cv::Mat bgr = cv::imread((isic + QStringLiteral("/images/ISIC_0000009.jpg")).toStdString());
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        const LesionMeasurements r = measureLesion(mask, rgb, 0.01, 0.01);
        QCOMPARE(r.areaPx, static_cast<long long>(cv::countNonZero(mask)));
        QVERIFY(std::abs(r.maxFeretPx - bruteMaxDiameter(mask)) < 1e-6);
        QVERIFY(r.minFeretPx > 0 && r.minFeretPx <= r.maxFeretPx);
        QVERIFY(r.compactness >= 1.0);
        // A pigmented lesion on skin: at least one of the six colours, a visible border.
        QVERIFY(r.colourCount >= 1 && r.colourCount <= 6);
        QVERIFY(r.meanBorderSharpness > 0.5);
        const auto list = measurementList(r);
        QCOMPARE(list.front().first, std::string("areaPx"));
        QVERIFY(std::any_of(list.begin(), list.end(),
                            [](const auto& p) { return p.first == "colourCount"; }));
    }

    // Values read by hand off two ISIC 2018 test images (docs/measurements.md, "Checked by
    // hand"): the greatest diameter's end points are the outline pixels read off an enlarged
    // picture of the mask, the diameter computed from them on paper; the colours and asymmetry are
    // what the photo shows to the eye. Not derived from measureLesion's output.
    void realIsicImagesAgainstHandCheckedValues_data() {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QPointF>("endA");
        QTest::addColumn<QPointF>("endB");
        QTest::addColumn<double>("diameter");
        QTest::addColumn<QList<int>>("present"); // DermoscopicColour values seen
        QTest::addColumn<QList<int>>("absent");  // not seen
        QTest::addColumn<int>("shapeAxes");      // shape-asymmetric axes seen
        QTest::addColumn<int>("colourAxes");     // colour-asymmetric axes seen; -1 = not judged
        using C = DermoscopicColour;
        // Elongated brown naevus, upper left to lower right; darker at its upper-left end.
        // Tip (94,106) to tip (365,415): sqrt(271^2 + 309^2) = 411.00 px.
        QTest::newRow("ISIC_0000009")
            << QStringLiteral("ISIC_0000009") << QPointF(94, 106) << QPointF(365, 415) << 411.00
            << QList<int>{int(C::LightBrown), int(C::DarkBrown)}
            << QList<int>{int(C::White), int(C::Red), int(C::BlueGrey), int(C::Black)} << 1 << 1;
        // Round, very dark lesion with a pink centre and a light brown rim. Bump at (132,58) to
        // bump at (389,445): sqrt(257^2 + 387^2) = 464.56 px.
        QTest::newRow("ISIC_0000029")
            << QStringLiteral("ISIC_0000029") << QPointF(132, 58) << QPointF(389, 445) << 464.56
            << QList<int>{int(C::LightBrown), int(C::DarkBrown), int(C::Black)}
            << QList<int>{int(C::White), int(C::Red), int(C::BlueGrey)} << 0 << -1;
    }

    void realIsicImagesAgainstHandCheckedValues() {
        DERMSAM_REQUIRE_ISIC(isic);
        QFETCH(QString, id);
        QFETCH(QPointF, endA);
        QFETCH(QPointF, endB);
        QFETCH(double, diameter);
        QFETCH(QList<int>, present);
        QFETCH(QList<int>, absent);
        QFETCH(int, shapeAxes);
        QFETCH(int, colourAxes);
        const cv::Mat mask = binarizeMask(
            cv::imread((isic + QStringLiteral("/masks/") + id + QStringLiteral("_segmentation.png"))
                           .toStdString(),
                       cv::IMREAD_UNCHANGED));
        const cv::Mat bgr = cv::imread(
            (isic + QStringLiteral("/images/") + id + QStringLiteral(".jpg")).toStdString());
        QVERIFY(!mask.empty() && !bgr.empty());
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        const LesionMeasurements r = measureLesion(mask, rgb);

        QVERIFY2(std::abs(r.maxFeretPx - diameter) <= 2.0,
                 qPrintable(QString::number(r.maxFeretPx)));
        // The end points, in either order, within 3 px of the ones read off by hand.
        const auto near = [](cv::Point2d p, QPointF q) {
            return std::hypot(p.x - q.x(), p.y - q.y()) <= 3.0;
        };
        QVERIFY2((near(r.maxFeretA, endA) && near(r.maxFeretB, endB)) ||
                     (near(r.maxFeretA, endB) && near(r.maxFeretB, endA)),
                 qPrintable(QStringLiteral("(%1,%2) (%3,%4)")
                                .arg(r.maxFeretA.x)
                                .arg(r.maxFeretA.y)
                                .arg(r.maxFeretB.x)
                                .arg(r.maxFeretB.y)));

        const double share = r.options.colourShareThreshold;
        for (int c : present)
            QVERIFY2(r.colourShare[c] >= share, dermoscopicColourName(DermoscopicColour(c)));
        for (int c : absent) {
            QVERIFY2(r.colourShare[c] < share, dermoscopicColourName(DermoscopicColour(c)));
        }
        QCOMPARE(r.shapeAsymmetricAxes, shapeAxes);
        if (colourAxes >= 0)
            QCOMPARE(r.colourAsymmetricAxes, colourAxes);
        if (id == QLatin1String("ISIC_0000009")) {
            // Wide, dark upper-left end against a narrow, light lower-right end: the fold about
            // the minor axis (across the long direction) matches worse, in shape and in colour.
            QVERIFY(r.shapeAsymmetry[1] > r.shapeAsymmetry[0]);
            QVERIFY(r.colourAsymmetry[1] > r.colourAsymmetry[0]);
        }
    }
};

QTEST_GUILESS_MAIN(TestLesionMeasurements)
#include "tst_lesion_measurements.moc"
