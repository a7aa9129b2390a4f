#include "core/visit_registration.h"

#include "core/core_error.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace dermsam {

namespace {

constexpr double kPi = 3.14159265358979323846;

using Matx33 = cv::Matx33d;

Matx33 toHomogeneous(const cv::Matx23d& t) {
    return Matx33(t(0, 0), t(0, 1), t(0, 2), t(1, 0), t(1, 1), t(1, 2), 0, 0, 1);
}

cv::Matx23d fromHomogeneous(const Matx33& h) {
    return cv::Matx23d(h(0, 0), h(0, 1), h(0, 2), h(1, 0), h(1, 1), h(1, 2));
}

// The map from a full-size image's pixel coordinates to those of its resized copy, as
// cv::resize samples it: pixel centres at integers, x' = (x + 0.5)·sx - 0.5.
Matx33 resizeMap(cv::Size from, cv::Size to) {
    const double sx = static_cast<double>(to.width) / from.width;
    const double sy = static_cast<double>(to.height) / from.height;
    return Matx33(sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5, 0, 0, 1);
}

bool finiteMatrix(const cv::Matx23d& t) {
    for (int i = 0; i < 6; ++i)
        if (!std::isfinite(t.val[i]))
            return false;
    return true;
}

double scaleOf(const cv::Matx23d& t) {
    return std::sqrt(std::abs(t(0, 0) * t(1, 1) - t(0, 1) * t(1, 0)));
}

void decompose(VisitRegistration& r) {
    const cv::Matx23d& t = r.transform;
    r.scale = scaleOf(t);
    r.rotationDeg = std::atan2(t(1, 0), t(0, 0)) * 180.0 / kPi;
}

// Plausibility is judged on the working copies, both scaled to the same longest side: the
// lesion's change of size in the frame, whatever the two photos' resolutions.
bool plausible(const cv::Matx23d& work, const RegistrationOptions& options) {
    const double s = scaleOf(work);
    return finiteMatrix(work) && s >= options.minScale && s <= options.maxScale;
}

// The nearest similarity (least squares over the linear part) of an affine transform.
cv::Matx23d nearestSimilarity(const cv::Matx23d& t) {
    const double a = 0.5 * (t(0, 0) + t(1, 1));
    const double b = 0.5 * (t(1, 0) - t(0, 1));
    return cv::Matx23d(a, -b, t(0, 2), b, a, t(1, 2));
}

// 8-bit greyscale of an 8- or 16-bit, 1-, 3- (RGB) or 4-channel image.
cv::Mat toGrey8(const cv::Mat& image, const char* what) {
    if (image.empty())
        throw CoreError(CoreErrorCode::BadArgument, {}, std::string(what) + " image is empty");
    const int depth = image.depth();
    const int channels = image.channels();
    if ((depth != CV_8U && depth != CV_16U) || (channels != 1 && channels != 3 && channels != 4))
        throw CoreError(CoreErrorCode::BadArgument, {},
                        std::string(what) + " image must be 8/16-bit with 1, 3 or 4 channels");
    cv::Mat grey;
    if (channels == 3)
        cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
    else if (channels == 4)
        cv::cvtColor(image, grey, cv::COLOR_RGBA2GRAY);
    else
        grey = image;
    if (depth == CV_16U)
        grey.convertTo(grey, CV_8U, 1.0 / 257.0);
    return grey;
}

// A greyscale working copy, longest side at most `workingSize` (INTER_AREA), and the map from
// full-resolution coordinates to it.
struct WorkingImage {
    cv::Mat grey;
    cv::Mat valid;    // 255 where the pixel is skin (not vignette or padding), eroded
    cv::Mat eccValid; // valid and not saturated: the pixels ECC compares
    Matx33 fromFull;
};

WorkingImage workingCopy(const cv::Mat& image, const char* what,
                         const RegistrationOptions& options) {
    WorkingImage w;
    const cv::Mat grey = toGrey8(image, what);
    const int longest = std::max(grey.cols, grey.rows);
    if (longest > options.workingSize) {
        const double s = static_cast<double>(options.workingSize) / longest;
        const cv::Size size(std::max(1, static_cast<int>(std::lround(grey.cols * s))),
                            std::max(1, static_cast<int>(std::lround(grey.rows * s))));
        cv::resize(grey, w.grey, size, 0, 0, cv::INTER_AREA);
    } else {
        w.grey = grey.clone();
    }
    w.fromFull = resizeMap(grey.size(), w.grey.size());
    cv::threshold(w.grey, w.valid, options.darkThreshold, 255, cv::THRESH_BINARY);
    // Keep clear of the edge between skin and vignette: its strong gradient is the camera's.
    const int margin = std::max(2, std::max(w.grey.cols, w.grey.rows) / 100);
    cv::erode(w.valid, w.valid,
              cv::getStructuringElement(cv::MORPH_RECT, {2 * margin + 1, 2 * margin + 1}), {-1, -1},
              1, cv::BORDER_CONSTANT, cv::Scalar(0));
    // Clipped highlights (white skin, glare) break ECC's assumption of a linear change of
    // exposure: left out, with a 2 px margin.
    cv::Mat saturated;
    cv::threshold(w.grey, saturated, options.brightThreshold - 1, 255, cv::THRESH_BINARY);
    cv::dilate(saturated, saturated, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
    cv::bitwise_not(saturated, saturated);
    cv::bitwise_and(w.valid, saturated, w.eccValid);
    return w;
}

cv::Ptr<cv::Feature2D> makeDetector(const RegistrationOptions& options) {
    if (options.detector == FeatureDetector::Orb)
        return cv::ORB::create(options.orbFeatures);
    return cv::AKAZE::create(cv::AKAZE::DESCRIPTOR_MLDB, 0, 3,
                             static_cast<float>(options.akazeThreshold));
}

// The image with its invalid pixels set to the mean of the valid ones: constant regions add
// nothing to the correlation, so ECC is steered by skin only.
cv::Mat flattenInvalid(const cv::Mat& grey, const cv::Mat& valid) {
    cv::Mat f;
    grey.convertTo(f, CV_32F);
    const double mean = cv::countNonZero(valid) > 0 ? cv::mean(f, valid)[0] : 0.0;
    cv::Mat invalid;
    cv::bitwise_not(valid, invalid);
    f.setTo(mean, invalid);
    return f;
}

// ECC correlation of `templ` (earlier) with `input` (current) pulled back by `t`
// (earlier -> current, working coordinates), over pixels valid in both.
double correlationAt(const cv::Mat& templ, const cv::Mat& templValid, const cv::Mat& input,
                     const cv::Mat& inputValid, const cv::Matx23d& t) {
    cv::Mat warped, warpedValid;
    cv::warpAffine(input, warped, cv::Mat(t), templ.size(),
                   cv::INTER_LINEAR | cv::WARP_INVERSE_MAP);
    cv::warpAffine(inputValid, warpedValid, cv::Mat(t), templ.size(),
                   cv::INTER_NEAREST | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::Mat both;
    cv::bitwise_and(warpedValid, templValid, both);
    if (cv::countNonZero(both) < 100)
        return -1;
    return cv::computeECC(templ, warped, both);
}

// Coarse-to-fine ECC from `start` (working coordinates). false when it did not converge.
bool refineByEcc(const WorkingImage& earlier, const WorkingImage& current,
                 const RegistrationOptions& options, cv::Matx23d& t) {
    const cv::Mat templFull = flattenInvalid(earlier.grey, earlier.eccValid);
    const cv::Mat inputFull = flattenInvalid(current.grey, current.eccValid);
    cv::Matx23d estimate = t;
    for (int level = std::max(0, options.eccLevels - 1); level >= 0; --level) {
        const double f = std::ldexp(1.0, -level);
        cv::Mat templ = templFull, input = inputFull, inputValid = current.eccValid;
        Matx33 toLevelE = Matx33::eye(), toLevelC = Matx33::eye();
        if (level > 0) {
            const cv::Size se(std::max(8, static_cast<int>(std::lround(templFull.cols * f))),
                              std::max(8, static_cast<int>(std::lround(templFull.rows * f))));
            const cv::Size sc(std::max(8, static_cast<int>(std::lround(inputFull.cols * f))),
                              std::max(8, static_cast<int>(std::lround(inputFull.rows * f))));
            cv::resize(templFull, templ, se, 0, 0, cv::INTER_AREA);
            cv::resize(inputFull, input, sc, 0, 0, cv::INTER_AREA);
            cv::resize(current.eccValid, inputValid, sc, 0, 0, cv::INTER_NEAREST);
            toLevelE = resizeMap(templFull.size(), se);
            toLevelC = resizeMap(inputFull.size(), sc);
        }
        cv::Mat warp(fromHomogeneous(toLevelC * toHomogeneous(estimate) * toLevelE.inv()));
        warp.convertTo(warp, CV_32F);
        try {
            cv::findTransformECC(templ, input, warp, cv::MOTION_AFFINE,
                                 cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS,
                                                  options.eccIterations, options.eccEpsilon),
                                 inputValid, 5);
        } catch (const cv::Exception&) {
            return false; // did not converge (or a singular step): keep what we had
        }
        cv::Matx23d levelT;
        cv::Mat(warp).convertTo(cv::Mat(2, 3, CV_64F, levelT.val), CV_64F);
        if (!finiteMatrix(levelT))
            return false;
        estimate = fromHomogeneous(toLevelC.inv() * toHomogeneous(levelT) * toLevelE);
        if (!options.eccAffine)
            estimate = nearestSimilarity(estimate);
    }
    t = estimate;
    return true;
}

cv::Mat binaryMask(const cv::Mat& mask, const char* what) {
    if (mask.empty() || mask.type() != CV_8UC1)
        throw CoreError(CoreErrorCode::BadArgument, {}, std::string(what) + " must be CV_8UC1");
    cv::Mat b;
    cv::compare(mask, 0, b, cv::CMP_NE);
    return b;
}

double percentChange(double before, double after) {
    if (before == 0)
        return after == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
    return (after - before) / before * 100.0;
}

} // namespace

const char* registrationStatusName(RegistrationStatus status) {
    switch (status) {
    case RegistrationStatus::Registered:
        return "registered";
    case RegistrationStatus::TooFewFeatures:
        return "too-few-features";
    case RegistrationStatus::TooFewMatches:
        return "too-few-matches";
    case RegistrationStatus::NoConsistentTransform:
        return "no-consistent-transform";
    case RegistrationStatus::ImplausibleTransform:
        return "implausible-transform";
    case RegistrationStatus::LowCorrelation:
        return "low-correlation";
    case RegistrationStatus::DegeneratePoints:
        return "degenerate-points";
    }
    return "unknown";
}

VisitRegistration registerVisits(const cv::Mat& earlier, const cv::Mat& current,
                                 const RegistrationOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    if (options.workingSize < 64 || !(options.ratio > 0 && options.ratio <= 1) ||
        !(options.ransacThresholdPx > 0) || options.eccLevels < 1 || options.eccIterations < 1 ||
        !(options.minScale > 0 && options.minScale < options.maxScale))
        throw CoreError(CoreErrorCode::BadArgument, {}, "registerVisits: invalid options");
    VisitRegistration r;
    r.method = RegistrationMethod::Automatic;
    const WorkingImage e = workingCopy(earlier, "earlier", options);
    const WorkingImage c = workingCopy(current, "current", options);
    const auto finish = [&](RegistrationStatus status) {
        r.status = status;
        decompose(r);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
    };

    // 1. Features, ratio test.
    const cv::Ptr<cv::Feature2D> detector = makeDetector(options);
    std::vector<cv::KeyPoint> kpE, kpC;
    cv::Mat descE, descC;
    // Features on contrast-equalised copies: many dermoscopy photos are low-contrast, and CLAHE
    // also evens out a change of exposure between the visits.
    const cv::Ptr<cv::CLAHE> clahe = cv::createCLAHE(options.claheClipLimit, {8, 8});
    cv::Mat eqE = e.grey, eqC = c.grey; // shared until CLAHE writes new buffers
    if (options.claheClipLimit > 0) {
        eqE = cv::Mat();
        eqC = cv::Mat();
        clahe->apply(e.grey, eqE);
        clahe->apply(c.grey, eqC);
    }
    detector->detectAndCompute(eqE, e.valid, kpE, descE);
    detector->detectAndCompute(eqC, c.valid, kpC, descC);
    r.keypointsEarlier = static_cast<int>(kpE.size());
    r.keypointsCurrent = static_cast<int>(kpC.size());
    if (r.keypointsEarlier < options.minFeatures || r.keypointsCurrent < options.minFeatures ||
        descE.empty() || descC.empty())
        return finish(RegistrationStatus::TooFewFeatures);
    cv::BFMatcher matcher(cv::NORM_HAMMING);
    std::vector<std::vector<cv::DMatch>> knn;
    matcher.knnMatch(descE, descC, knn, 2);
    std::vector<cv::Point2f> ptsE, ptsC;
    for (const auto& m : knn) {
        if (m.size() < 2 || m[0].distance >= options.ratio * m[1].distance)
            continue;
        ptsE.push_back(kpE[m[0].queryIdx].pt);
        ptsC.push_back(kpC[m[0].trainIdx].pt);
    }
    r.matches = static_cast<int>(ptsE.size());
    if (r.matches < options.minInliers)
        return finish(RegistrationStatus::TooFewMatches);

    // 2. RANSAC to a similarity or affine transform (working coordinates).
    std::vector<uchar> inlierFlags;
    cv::Mat model = options.affine
                        ? cv::estimateAffine2D(ptsE, ptsC, inlierFlags, cv::RANSAC,
                                               options.ransacThresholdPx, 5000, 0.995, 10)
                        : cv::estimateAffinePartial2D(ptsE, ptsC, inlierFlags, cv::RANSAC,
                                                      options.ransacThresholdPx, 5000, 0.995, 10);
    r.inliers = static_cast<int>(std::count(inlierFlags.begin(), inlierFlags.end(), uchar(1)));
    r.inlierRatio = static_cast<double>(r.inliers) / r.matches;
    if (model.empty())
        return finish(RegistrationStatus::NoConsistentTransform);
    cv::Matx23d work;
    model.convertTo(cv::Mat(2, 3, CV_64F, work.val), CV_64F);
    const auto toFull = [&](const cv::Matx23d& w) {
        return fromHomogeneous(c.fromFull.inv() * toHomogeneous(w) * e.fromFull);
    };
    r.transform = toFull(work);
    if (r.inliers < options.minInliers || r.inlierRatio < options.minInlierRatio)
        return finish(RegistrationStatus::NoConsistentTransform);
    decompose(r);
    if (!plausible(work, options))
        return finish(RegistrationStatus::ImplausibleTransform);

    // 3. ECC refinement, kept when it raises the correlation.
    const cv::Mat templ = flattenInvalid(e.grey, e.eccValid);
    const cv::Mat input = flattenInvalid(c.grey, c.eccValid);
    r.eccCorrelation = correlationAt(templ, e.eccValid, input, c.eccValid, work);
    if (options.refineEcc) {
        cv::Matx23d refined = work;
        if (refineByEcc(e, c, options, refined)) {
            const double rho = correlationAt(templ, e.eccValid, input, c.eccValid, refined);
            // ECC refines; it may not move an inlier farther than RANSAC's tolerance, which the
            // inliers' agreement already vouches for (a higher correlation elsewhere is a
            // local optimum on lighting, not a better fit).
            double shift = 0;
            for (std::size_t i = 0; i < ptsE.size(); ++i)
                if (inlierFlags[i]) {
                    const cv::Vec3d p(ptsE[i].x, ptsE[i].y, 1);
                    shift = std::max(shift, cv::norm(refined * p - work * p));
                }
            if (rho > r.eccCorrelation && shift <= options.ransacThresholdPx) {
                work = refined;
                r.eccCorrelation = rho;
                r.eccRefined = true;
                r.transform = toFull(work);
                decompose(r);
                if (!plausible(work, options))
                    return finish(RegistrationStatus::ImplausibleTransform);
            }
        }
    }
    if (r.eccCorrelation < options.minEccCorrelation)
        return finish(RegistrationStatus::LowCorrelation);
    return finish(RegistrationStatus::Registered);
}

VisitRegistration registrationFromPoints(const std::vector<cv::Point2d>& earlier,
                                         const std::vector<cv::Point2d>& current) {
    if (earlier.size() != current.size() || earlier.size() < 3)
        throw CoreError(CoreErrorCode::BadArgument, {},
                        "registrationFromPoints needs three or more point pairs");
    for (std::size_t i = 0; i < earlier.size(); ++i)
        if (!std::isfinite(earlier[i].x) || !std::isfinite(earlier[i].y) ||
            !std::isfinite(current[i].x) || !std::isfinite(current[i].y))
            throw CoreError(CoreErrorCode::BadArgument, {}, "non-finite point coordinate");
    const int n = static_cast<int>(earlier.size());
    VisitRegistration r;
    r.method =
        n == 3 ? RegistrationMethod::ManualThreePoints : RegistrationMethod::ManualLeastSquares;
    // Collinear (or coincident) earlier points fix no affine transform: the spread of the points
    // across their main direction must be at least half a pixel and 1% of the spread along it.
    cv::Point2d mean(0, 0);
    for (const cv::Point2d& p : earlier)
        mean += p;
    mean *= 1.0 / n;
    double sxx = 0, syy = 0, sxy = 0;
    for (const cv::Point2d& p : earlier) {
        const cv::Point2d d = p - mean;
        sxx += d.x * d.x;
        syy += d.y * d.y;
        sxy += d.x * d.y;
    }
    const double tr = (sxx + syy) / n, det = (sxx * syy - sxy * sxy) / (double(n) * n);
    const double disc = std::sqrt(std::max(0.0, tr * tr / 4 - det));
    const double major = std::sqrt(std::max(0.0, tr / 2 + disc));
    const double minor = std::sqrt(std::max(0.0, tr / 2 - disc));
    if (!(minor >= 0.5 && minor >= 0.01 * major)) {
        r.status = RegistrationStatus::DegeneratePoints;
        return r;
    }
    // Least squares on [x y 1 0 0 0; 0 0 0 x y 1] p = [x'; y'], in double (getAffineTransform's
    // float inputs would round the clicks); three pairs solve it exactly. Centred on the mean
    // for conditioning.
    cv::Mat A = cv::Mat::zeros(2 * n, 6, CV_64F), b(2 * n, 1, CV_64F);
    for (int i = 0; i < n; ++i) {
        const cv::Point2d p = earlier[i] - mean;
        A.at<double>(2 * i, 0) = p.x;
        A.at<double>(2 * i, 1) = p.y;
        A.at<double>(2 * i, 2) = 1;
        A.at<double>(2 * i + 1, 3) = p.x;
        A.at<double>(2 * i + 1, 4) = p.y;
        A.at<double>(2 * i + 1, 5) = 1;
        b.at<double>(2 * i) = current[i].x;
        b.at<double>(2 * i + 1) = current[i].y;
    }
    cv::Mat sol;
    cv::solve(A, b, sol, n == 3 ? cv::DECOMP_LU : cv::DECOMP_SVD);
    const double* p = sol.ptr<double>();
    // Undo the centring: x' = a (x - mx) + b (y - my) + c.
    r.transform = cv::Matx23d(p[0], p[1], p[2] - p[0] * mean.x - p[1] * mean.y, p[3], p[4],
                              p[5] - p[3] * mean.x - p[4] * mean.y);
    double sq = 0;
    for (int i = 0; i < n; ++i) {
        const cv::Point2d q = earlier[i];
        const double x = r.transform(0, 0) * q.x + r.transform(0, 1) * q.y + r.transform(0, 2);
        const double y = r.transform(1, 0) * q.x + r.transform(1, 1) * q.y + r.transform(1, 2);
        sq += (x - current[i].x) * (x - current[i].x) + (y - current[i].y) * (y - current[i].y);
    }
    r.residualPx = std::sqrt(sq / n);
    decompose(r);
    r.status = finiteMatrix(r.transform) && r.scale > 0 ? RegistrationStatus::Registered
                                                        : RegistrationStatus::DegeneratePoints;
    return r;
}

cv::Mat warpMaskToCurrent(const cv::Mat& earlierMask, const cv::Matx23d& transform,
                          cv::Size currentSize) {
    const cv::Mat inside = binaryMask(earlierMask, "earlier mask");
    if (currentSize.width <= 0 || currentSize.height <= 0 || !finiteMatrix(transform))
        throw CoreError(CoreErrorCode::BadArgument, {}, "warpMaskToCurrent: bad size or matrix");
    cv::Mat out;
    cv::warpAffine(inside, out, cv::Mat(transform), currentSize, cv::INTER_NEAREST,
                   cv::BORDER_CONSTANT, cv::Scalar(0));
    return out;
}

cv::Mat warpImageToCurrent(const cv::Mat& earlierImage, const cv::Matx23d& transform,
                           cv::Size currentSize) {
    if (earlierImage.empty() || currentSize.width <= 0 || currentSize.height <= 0 ||
        !finiteMatrix(transform))
        throw CoreError(CoreErrorCode::BadArgument, {}, "warpImageToCurrent: bad arguments");
    cv::Mat out;
    cv::warpAffine(earlierImage, out, cv::Mat(transform), currentSize, cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return out;
}

VisitChange compareVisits(const cv::Mat& earlierMaskInCurrent, const cv::Mat& currentMask,
                          const cv::Mat& earlierImageInCurrent, const cv::Mat& currentImage,
                          double rowMm, double colMm, const ChangeOptions& options) {
    const cv::Mat e = binaryMask(earlierMaskInCurrent, "earlier mask");
    const cv::Mat c = binaryMask(currentMask, "current mask");
    if (e.size() != c.size())
        throw CoreError(CoreErrorCode::BadArgument, {}, "compareVisits: masks differ in size");
    if (!(options.areaThresholdPercent >= 0) || !(options.diameterThresholdPercent >= 0))
        throw CoreError(CoreErrorCode::BadArgument, {}, "compareVisits: negative threshold");
    VisitChange v;
    v.options = options;
    v.earlier = measureLesion(e, earlierImageInCurrent, rowMm, colMm, options.measure);
    v.current = measureLesion(c, currentImage, rowMm, colMm, options.measure);
    v.areaChangePx = static_cast<double>(v.current.areaPx - v.earlier.areaPx);
    v.areaChangeMm2 = v.current.areaMm2 - v.earlier.areaMm2;
    v.areaChangePercent =
        percentChange(static_cast<double>(v.earlier.areaPx), static_cast<double>(v.current.areaPx));
    v.maxDiameterChangePx = v.current.maxFeretPx - v.earlier.maxFeretPx;
    v.maxDiameterChangeMm = v.current.maxFeretMm - v.earlier.maxFeretMm;
    v.maxDiameterChangePercent = percentChange(v.earlier.maxFeretPx, v.current.maxFeretPx);
    cv::Mat both;
    cv::bitwise_and(e, c, both);
    const long long inter = cv::countNonZero(both);
    const long long sum = v.earlier.areaPx + v.current.areaPx;
    v.dice = sum == 0 ? 1.0 : 2.0 * static_cast<double>(inter) / static_cast<double>(sum);
    cv::Mat notE, notC;
    cv::bitwise_not(e, notE);
    cv::bitwise_not(c, notC);
    cv::bitwise_and(c, notE, v.gained);
    cv::bitwise_and(e, notC, v.lost);
    v.gainedPx = cv::countNonZero(v.gained);
    v.lostPx = cv::countNonZero(v.lost);
    const double pixelMm2 = rowMm > 0 && colMm > 0 ? rowMm * colMm : 0.0;
    v.gainedMm2 = static_cast<double>(v.gainedPx) * pixelMm2;
    v.lostMm2 = static_cast<double>(v.lostPx) * pixelMm2;
    v.colourCountEarlier = v.earlier.colourMeasured ? v.earlier.colourCount : 0;
    v.colourCountCurrent = v.current.colourMeasured ? v.current.colourCount : 0;
    // A lesion where there was none is a change beyond any threshold.
    const auto beyond = [](double percent, double threshold) {
        return std::isnan(percent) || std::abs(percent) >= threshold;
    };
    v.areaBeyondThreshold = beyond(v.areaChangePercent, options.areaThresholdPercent);
    v.diameterBeyondThreshold =
        options.diameterThresholdPercent > 0 &&
        beyond(v.maxDiameterChangePercent, options.diameterThresholdPercent);
    v.changeBeyondThreshold = v.areaBeyondThreshold || v.diameterBeyondThreshold;
    return v;
}

VisitChange compareVisits(const VisitRegistration& registration, const cv::Mat& earlierMask,
                          const cv::Mat& earlierImage, const cv::Mat& currentMask,
                          const cv::Mat& currentImage, double rowMm, double colMm,
                          const ChangeOptions& options) {
    const cv::Size size = currentMask.size();
    const cv::Mat mask = warpMaskToCurrent(earlierMask, registration.transform, size);
    const cv::Mat image = earlierImage.empty()
                              ? cv::Mat()
                              : warpImageToCurrent(earlierImage, registration.transform, size);
    return compareVisits(mask, currentMask, image, currentImage, rowMm, colMm, options);
}

} // namespace dermsam
