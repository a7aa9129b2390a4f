// Protects follow-up registration (issue #21): known transforms recovered on ISIC images to 2 px,
// failures reported as statuses, the manual point fallback, and the change figures between masks.
#include "test_support.h"

#include "core/core_error.h"
#include "core/metrics.h"
#include "core/visit_registration.h"

#include <QRect>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace dermsam;

namespace {

// Rotation (degrees, counter-clockwise as OpenCV) and scale about the image centre, then a shift.
cv::Matx23d knownTransform(cv::Size size, double angleDeg, double scale, double dx, double dy) {
    cv::Mat m = cv::getRotationMatrix2D(
        cv::Point2f(0.5f * (size.width - 1), 0.5f * (size.height - 1)), angleDeg, scale);
    m.at<double>(0, 2) += dx;
    m.at<double>(1, 2) += dy;
    cv::Matx23d t;
    m.convertTo(cv::Mat(2, 3, CV_64F, t.val), CV_64F);
    return t;
}

cv::Point2d apply(const cv::Matx23d& t, cv::Point2d p) {
    return {t(0, 0) * p.x + t(0, 1) * p.y + t(0, 2), t(1, 0) * p.x + t(1, 1) * p.y + t(1, 2)};
}

// An ISIC image (RGB) and its mask.
bool loadIsic(const QString& dir, const QString& id, cv::Mat& rgb, cv::Mat& mask) {
    const cv::Mat bgr = cv::imread((dir + "/images/" + id + ".jpg").toStdString());
    mask = cv::imread((dir + "/masks/" + id + "_segmentation.png").toStdString(),
                      cv::IMREAD_GRAYSCALE);
    if (bgr.empty() || mask.empty())
        return false;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return true;
}

// The "current visit": the image carried by `t`, with a change of exposure and a mild blur.
cv::Mat currentVisit(const cv::Mat& rgb, const cv::Matx23d& t, double gain, double bias,
                     double blurSigma) {
    cv::Mat out;
    cv::warpAffine(rgb, out, cv::Mat(t), rgb.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar::all(0));
    out.convertTo(out, -1, gain, bias);
    if (blurSigma > 0)
        cv::GaussianBlur(out, out, {0, 0}, blurSigma);
    return out;
}

// The mask scaled about its centroid so that its area grows by `percent`.
cv::Mat grown(const cv::Mat& mask, double percent) {
    const cv::Moments m = cv::moments(mask, true);
    const cv::Point2d c(m.m10 / m.m00, m.m01 / m.m00);
    const double s = std::sqrt(1.0 + percent / 100.0);
    const cv::Matx23d t(s, 0, c.x - s * c.x, 0, s, c.y - s * c.y);
    cv::Mat out;
    cv::warpAffine(mask, out, cv::Mat(t), mask.size(), cv::INTER_NEAREST);
    return out;
}

cv::Mat rect(cv::Size size, cv::Rect r) {
    cv::Mat m(size, CV_8UC1, cv::Scalar(0));
    m(r).setTo(255);
    return m;
}

} // namespace

class TestVisitRegistration : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The goal on real photos: rotation up to ±30°, scale 0.8-1.2, shift up to 10%,
    // exposure and blur; the earlier mask carried by the recovered transform lies within 2 px
    // (mean boundary distance) of the mask carried by the known one.
    void recoversKnownTransform_data() {
        QTest::addColumn<QString>("id");
        QTest::addColumn<double>("angle");
        QTest::addColumn<double>("scale");
        QTest::addColumn<double>("dx");
        QTest::addColumn<double>("dy");
        QTest::addColumn<double>("gain");
        QTest::addColumn<double>("bias");
        QTest::addColumn<double>("blur");
        // Test-split images (splits.txt).
        QTest::newRow("0009 -30deg x0.8")
            << "ISIC_0000009" << -30.0 << 0.8 << 40.0 << -25.0 << 0.85 << 15.0 << 0.0;
        QTest::newRow("0017 +30deg x1.2")
            << "ISIC_0000017" << 30.0 << 1.2 << -51.0 << 51.0 << 1.15 << -10.0 << 0.0;
        QTest::newRow("0023 low contrast")
            << "ISIC_0000023" << 12.0 << 1.1 << 20.0 << 30.0 << 0.9 << 20.0 << 1.0;
        QTest::newRow("0030 blur")
            << "ISIC_0000030" << -8.0 << 0.9 << -30.0 << -10.0 << 1.1 << 5.0 << 1.2;
        QTest::newRow("0092 shift only")
            << "ISIC_0000092" << 0.0 << 1.0 << 51.0 << 51.0 << 1.0 << 0.0 << 0.0;
    }
    void recoversKnownTransform() {
        DERMSAM_REQUIRE_ISIC(isic);
        QFETCH(QString, id);
        QFETCH(double, angle);
        QFETCH(double, scale);
        QFETCH(double, dx);
        QFETCH(double, dy);
        QFETCH(double, gain);
        QFETCH(double, bias);
        QFETCH(double, blur);
        cv::Mat rgb, mask;
        QVERIFY2(loadIsic(isic, id, rgb, mask), qPrintable(id));
        const cv::Matx23d truth = knownTransform(rgb.size(), angle, scale, dx, dy);
        const cv::Mat current = currentVisit(rgb, truth, gain, bias, blur);

        const VisitRegistration r = registerVisits(rgb, current);
        QVERIFY2(r.ok(), registrationStatusName(r.status));
        QCOMPARE(r.method, RegistrationMethod::Automatic);
        QVERIFY(r.inliers >= RegistrationOptions().minInliers);
        QVERIFY(r.inlierRatio >= RegistrationOptions().minInlierRatio);
        QVERIFY(r.eccCorrelation >= RegistrationOptions().minEccCorrelation);
        QVERIFY(std::abs(r.scale - scale) < 0.01);
        QVERIFY(std::abs(r.rotationDeg + angle) < 0.5); // image rows grow downwards

        const cv::Mat expected = warpMaskToCurrent(mask, truth, current.size());
        const cv::Mat got = warpMaskToCurrent(mask, r.transform, current.size());
        const double distance = meanBoundaryDistance(got, expected);
        QVERIFY2(distance < 2.0, qPrintable(QString::number(distance)));
    }

    // Photos of different resolutions: the current one at twice the earlier one's size (the
    // transform's full-resolution scale then includes the factor 2; plausibility does not).
    void differentResolutions() {
        DERMSAM_REQUIRE_ISIC(isic);
        cv::Mat rgb, mask;
        QVERIFY(loadIsic(isic, "ISIC_0000027", rgb, mask));
        const cv::Matx23d k = knownTransform(rgb.size(), -20, 0.9, 15, -20);
        // Then 512 -> 1024 with pixel centres at integers: x' = 2x + 0.5.
        const cv::Matx23d truth(2 * k(0, 0), 2 * k(0, 1), 2 * k(0, 2) + 0.5, 2 * k(1, 0),
                                2 * k(1, 1), 2 * k(1, 2) + 0.5);
        const cv::Size big(2 * rgb.cols, 2 * rgb.rows);
        cv::Mat current;
        cv::warpAffine(rgb, current, cv::Mat(truth), big, cv::INTER_LINEAR);
        const VisitRegistration r = registerVisits(rgb, current);
        QVERIFY2(r.ok(), registrationStatusName(r.status));
        QVERIFY(std::abs(r.scale - 1.8) < 0.02);
        const double distance = meanBoundaryDistance(warpMaskToCurrent(mask, r.transform, big),
                                                     warpMaskToCurrent(mask, truth, big));
        QVERIFY2(distance < 2.0, qPrintable(QString::number(distance)));
    }

    // Another lesion, a blank photo, a black one: a status, never a throw or a crash.
    void unrelatedOrBlankFails() {
        DERMSAM_REQUIRE_ISIC(isic);
        cv::Mat a, b, maskA, maskB;
        QVERIFY(loadIsic(isic, "ISIC_0000009", a, maskA));
        QVERIFY(loadIsic(isic, "ISIC_0000017", b, maskB));
        const VisitRegistration other = registerVisits(a, b);
        QVERIFY2(!other.ok(), qPrintable(QString::number(other.inliers)));
        QVERIFY(other.status == RegistrationStatus::TooFewMatches ||
                other.status == RegistrationStatus::NoConsistentTransform);

        const cv::Mat blank(a.size(), CV_8UC3, cv::Scalar(200, 150, 130));
        const VisitRegistration flat = registerVisits(a, blank);
        QCOMPARE(flat.status, RegistrationStatus::TooFewFeatures);
        QCOMPARE(flat.keypointsCurrent, 0);
        const cv::Mat black(a.size(), CV_8UC1, cv::Scalar(0));
        QCOMPARE(registerVisits(black, black).status, RegistrationStatus::TooFewFeatures);
        QVERIFY(!flat.ok());
        QVERIFY(flat.transform == cv::Matx23d(1, 0, 0, 0, 1, 0));
    }

    void badImagesThrow() {
        const cv::Mat good(64, 64, CV_8UC3, cv::Scalar::all(100));
        const cv::Mat floats(64, 64, CV_32FC1, cv::Scalar(0));
        for (const cv::Mat& bad : {cv::Mat(), floats}) {
            try {
                registerVisits(good, bad);
                QFAIL("no CoreError");
            } catch (const CoreError& e) {
                QCOMPARE(e.code(), CoreErrorCode::BadArgument);
            }
        }
        RegistrationOptions options;
        options.ratio = 1.5;
        QVERIFY_THROWS_EXCEPTION(CoreError, registerVisits(good, good, options));
    }

    // Three pairs: the affine transform through them, to rounding.
    void manualThreePointsIsExact() {
        const cv::Matx23d truth(1.05, -0.31, 42.5, 0.27, 0.93, -17.25); // a general affine
        const std::vector<cv::Point2d> earlier{{12.5, 30}, {400, 55.25}, {210, 470}};
        std::vector<cv::Point2d> current;
        for (const cv::Point2d& p : earlier)
            current.push_back(apply(truth, p));
        const VisitRegistration r = registrationFromPoints(earlier, current);
        QVERIFY(r.ok());
        QCOMPARE(r.method, RegistrationMethod::ManualThreePoints);
        for (int i = 0; i < 6; ++i)
            QVERIFY2(std::abs(r.transform.val[i] - truth.val[i]) < 1e-9,
                     qPrintable(QString::number(r.transform.val[i] - truth.val[i])));
        QVERIFY(r.residualPx < 1e-9);
    }

    // More pairs: least squares, exact without noise, the RMS residual with it.
    void manualLeastSquares() {
        const cv::Matx23d truth = knownTransform({1024, 768}, 17, 1.1, 30, -12);
        const std::vector<cv::Point2d> earlier{{100, 100}, {900, 120}, {880, 700},
                                               {130, 650}, {512, 384}, {300, 500}};
        std::vector<cv::Point2d> current, noisy;
        const double noise[6][2] = {{1, -1}, {-1, 1}, {1, 1}, {-1, -1}, {0.5, 0}, {0, -0.5}};
        for (std::size_t i = 0; i < earlier.size(); ++i) {
            current.push_back(apply(truth, earlier[i]));
            noisy.push_back(current.back() + cv::Point2d(noise[i][0], noise[i][1]));
        }
        const VisitRegistration exact = registrationFromPoints(earlier, current);
        QVERIFY(exact.ok());
        QCOMPARE(exact.method, RegistrationMethod::ManualLeastSquares);
        for (int i = 0; i < 6; ++i)
            QVERIFY(std::abs(exact.transform.val[i] - truth.val[i]) < 1e-9);
        QVERIFY(std::abs(exact.scale - 1.1) < 1e-9);
        const VisitRegistration fit = registrationFromPoints(earlier, noisy);
        QVERIFY(fit.ok());
        QVERIFY(fit.residualPx > 0.1 && fit.residualPx < 1.5);
        for (const cv::Point2d& p : earlier)
            QVERIFY(cv::norm(apply(fit.transform, p) - apply(truth, p)) < 1.5);
    }

    void manualDegenerateOrBad() {
        const std::vector<cv::Point2d> line{{0, 0}, {100, 100}, {200, 200.1}};
        const std::vector<cv::Point2d> any{{5, 5}, {50, 80}, {90, 10}};
        const VisitRegistration r = registrationFromPoints(line, any);
        QCOMPARE(r.status, RegistrationStatus::DegeneratePoints);
        QVERIFY(!r.ok());
        QVERIFY_THROWS_EXCEPTION(CoreError,
                                 registrationFromPoints({{0, 0}, {1, 1}}, {{0, 0}, {1, 1}}));
        QVERIFY_THROWS_EXCEPTION(CoreError, registrationFromPoints(any, {{0, 0}, {1, 1}}));
        QVERIFY_THROWS_EXCEPTION(CoreError,
                                 registrationFromPoints({{0, 0}, {1, 1}, {std::nan(""), 0}}, any));
    }

    // Dice, gained and lost pixels of rectangles with known answers.
    void diceGainedLost_data() {
        QTest::addColumn<QRect>("earlier");
        QTest::addColumn<QRect>("current");
        QTest::addColumn<double>("dice");
        QTest::addColumn<int>("gained");
        QTest::addColumn<int>("lost");
        QTest::newRow("same") << QRect(10, 10, 100, 100) << QRect(10, 10, 100, 100) << 1.0 << 0
                              << 0;
        // 80 x 100 overlap of two 100 x 100 squares: Dice 2·8000 / 20000.
        QTest::newRow("shifted 20")
            << QRect(10, 10, 100, 100) << QRect(30, 10, 100, 100) << 0.8 << 2000 << 2000;
        // Grown from 50 x 50 to 100 x 100 around it: Dice 2·2500 / 12500.
        QTest::newRow("grown") << QRect(35, 35, 50, 50) << QRect(10, 10, 100, 100) << 0.4 << 7500
                               << 0;
        QTest::newRow("disjoint") << QRect(0, 0, 40, 40) << QRect(100, 100, 20, 30) << 0.0 << 600
                                  << 1600;
    }
    void diceGainedLost() {
        QFETCH(QRect, earlier);
        QFETCH(QRect, current);
        QFETCH(double, dice);
        QFETCH(int, gained);
        QFETCH(int, lost);
        const cv::Size size(160, 160);
        const auto toCv = [](QRect r) { return cv::Rect(r.x(), r.y(), r.width(), r.height()); };
        const cv::Mat e = rect(size, toCv(earlier)), c = rect(size, toCv(current));
        const VisitChange v = compareVisits(e, c, cv::Mat(), cv::Mat(), 0.1, 0.1);
        QVERIFY(std::abs(v.dice - dice) < 1e-12);
        QCOMPARE(v.gainedPx, static_cast<long long>(gained));
        QCOMPARE(v.lostPx, static_cast<long long>(lost));
        QCOMPARE(cv::countNonZero(v.gained), gained);
        QCOMPARE(cv::countNonZero(v.lost), lost);
        QVERIFY(std::abs(v.gainedMm2 - gained * 0.01) < 1e-9);
        QVERIFY(std::abs(v.lostMm2 - lost * 0.01) < 1e-9);
        QCOMPARE(v.areaChangePx,
                 double(current.width() * current.height() - earlier.width() * earlier.height()));
        QVERIFY(std::abs(v.areaChangeMm2 - v.areaChangePx * 0.01) < 1e-9);
    }

    // A lesion grown by a known share of its area, through registration: the reported change is
    // within a few percentage points, and the 20% threshold flags it or not.
    void growthIsMeasured_data() {
        QTest::addColumn<double>("percent");
        QTest::addColumn<bool>("flagged");
        QTest::newRow("unchanged") << 0.0 << false;
        QTest::newRow("+10%") << 10.0 << false;
        QTest::newRow("+30%") << 30.0 << true;
        QTest::newRow("+60%") << 60.0 << true;
        QTest::newRow("-25%") << -25.0 << true;
    }
    void growthIsMeasured() {
        DERMSAM_REQUIRE_ISIC(isic);
        QFETCH(double, percent);
        QFETCH(bool, flagged);
        cv::Mat rgb, mask;
        QVERIFY(loadIsic(isic, "ISIC_0000092", rgb, mask)); // a small lesion: room to grow
        const cv::Matx23d truth = knownTransform(rgb.size(), 15, 1.1, -20, 25);
        const cv::Mat current = currentVisit(rgb, truth, 1.0, 0, 0); // same colours
        const cv::Mat currentMask = grown(warpMaskToCurrent(mask, truth, rgb.size()), percent);

        const cv::Rect box = cv::boundingRect(currentMask);
        QVERIFY(box.x > 0 && box.y > 0 && box.br().x < rgb.cols && box.br().y < rgb.rows);

        const VisitRegistration r = registerVisits(rgb, current);
        QVERIFY2(r.ok(), registrationStatusName(r.status));
        const VisitChange v = compareVisits(r, mask, rgb, currentMask, current, 0.02, 0.02);
        QVERIFY2(std::abs(v.areaChangePercent - percent) < 3.0,
                 qPrintable(QString::number(v.areaChangePercent)));
        // Diameters scale with the square root of the area.
        const double diameterPercent = (std::sqrt(1 + percent / 100) - 1) * 100;
        QVERIFY2(std::abs(v.maxDiameterChangePercent - diameterPercent) < 3.0,
                 qPrintable(QString::number(v.maxDiameterChangePercent)));
        QVERIFY(std::abs(v.areaChangeMm2 - v.areaChangePx * 0.0004) < 1e-6);
        QCOMPARE(v.changeBeyondThreshold, flagged);
        QCOMPARE(v.areaBeyondThreshold, flagged);
        QVERIFY(!v.diameterBeyondThreshold); // not used by default
        QVERIFY(v.earlier.colourMeasured && v.current.colourMeasured);
        QCOMPARE(v.colourCountEarlier, v.earlier.colourCount);
        if (percent == 0) {
            QVERIFY(v.dice > 0.98);
            QCOMPARE(v.colourCountEarlier, v.colourCountCurrent);
        }
        if (percent > 0)
            QVERIFY(v.gainedPx > 10 * v.lostPx);
    }

    void thresholdsAreParameters() {
        const cv::Mat e = rect({100, 100}, {10, 10, 50, 50}); // 2500 px
        const cv::Mat c = rect({100, 100}, {10, 10, 50, 55}); // 2750 px: +10%, diameter +~7%
        ChangeOptions options;
        QVERIFY(!compareVisits(e, c, cv::Mat(), cv::Mat(), 0, 0, options).changeBeyondThreshold);
        options.areaThresholdPercent = 10;
        QVERIFY(compareVisits(e, c, cv::Mat(), cv::Mat(), 0, 0, options).areaBeyondThreshold);
        options.areaThresholdPercent = 50;
        options.diameterThresholdPercent = 5;
        const VisitChange v = compareVisits(e, c, cv::Mat(), cv::Mat(), 0, 0, options);
        QVERIFY(!v.areaBeyondThreshold && v.diameterBeyondThreshold && v.changeBeyondThreshold);
        // A lesion where there was none.
        const VisitChange appeared =
            compareVisits(cv::Mat::zeros(100, 100, CV_8UC1), c, cv::Mat(), cv::Mat());
        QVERIFY(std::isnan(appeared.areaChangePercent));
        QVERIFY(appeared.changeBeyondThreshold);
        QVERIFY_THROWS_EXCEPTION(
            CoreError, compareVisits(e, cv::Mat::zeros(50, 50, CV_8UC1), cv::Mat(), cv::Mat()));
    }

    // The figure the 2 px goal is stated in, against a brute-force count on small masks.
    void meanBoundaryDistanceKnownAnswer() {
        cv::Mat a(60, 70, CV_8UC1, cv::Scalar(0)), b = a.clone();
        cv::ellipse(a, {30, 30}, {20, 12}, 20, 0, 360, cv::Scalar(255), cv::FILLED);
        cv::ellipse(b, {34, 28}, {18, 15}, -10, 0, 360, cv::Scalar(255), cv::FILLED);
        const auto boundary = [](const cv::Mat& m) {
            std::vector<cv::Point> out;
            for (int y = 0; y < m.rows; ++y)
                for (int x = 0; x < m.cols; ++x)
                    if (m.at<uchar>(y, x) &&
                        (x == 0 || y == 0 || x + 1 == m.cols || y + 1 == m.rows ||
                         !m.at<uchar>(y - 1, x) || !m.at<uchar>(y + 1, x) ||
                         !m.at<uchar>(y, x - 1) || !m.at<uchar>(y, x + 1)))
                        out.push_back({x, y});
            return out;
        };
        const std::vector<cv::Point> ba = boundary(a), bb = boundary(b);
        const auto nearestSum = [](const std::vector<cv::Point>& from,
                                   const std::vector<cv::Point>& to) {
            double sum = 0;
            for (const cv::Point& p : from) {
                double best = 1e9;
                for (const cv::Point& q : to)
                    best = std::min(best, cv::norm(p - q));
                sum += best;
            }
            return sum;
        };
        const double expected =
            (nearestSum(ba, bb) + nearestSum(bb, ba)) / double(ba.size() + bb.size());
        QVERIFY(std::abs(meanBoundaryDistance(a, b) - expected) < 1e-9);
        QCOMPARE(meanBoundaryDistance(a, a), 0.0);
        QVERIFY(std::isnan(meanBoundaryDistance(a, cv::Mat::zeros(a.size(), CV_8UC1))));
    }
};

QTEST_GUILESS_MAIN(TestVisitRegistration)
#include "tst_visit_registration.moc"
