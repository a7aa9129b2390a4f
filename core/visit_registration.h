#pragma once

#include "core/lesion_measurements.h"

#include <opencv2/core.hpp>

#include <vector>

namespace dermsam {

// Follow-up of one lesion across two visits (issue #21 part 2; docs/measurements.md,
// "Follow-up registration"): the transform that maps the earlier visit's photo onto the current
// one, the earlier mask and image brought into the current frame, and the change between the two
// masks. Every transform maps an earlier-visit pixel (x, y), pixel centres at integers as in
// OpenCV, to the current visit's pixel: current = T · (x, y, 1)ᵀ.

enum class RegistrationStatus {
    Registered,            // every threshold of RegistrationOptions met
    TooFewFeatures,        // one image has fewer than minFeatures keypoints (blank, featureless)
    TooFewMatches,         // fewer than minInliers matches passed the ratio test
    NoConsistentTransform, // RANSAC found no transform with minInliers / minInlierRatio
    ImplausibleTransform,  // scale outside [minScale, maxScale] (working copies), degenerate
    LowCorrelation,        // the ECC correlation after refinement is below minEccCorrelation
    DegeneratePoints,      // manual: the points are (nearly) collinear, no transform
};
// Stable kebab-case name, e.g. "too-few-matches", for logs and --json output.
const char* registrationStatusName(RegistrationStatus status);

enum class RegistrationMethod {
    Automatic,          // features + RANSAC (+ ECC)
    ManualThreePoints,  // exactly three point pairs: the affine transform through them
    ManualLeastSquares, // four or more pairs: the least-squares affine transform
};

enum class FeatureDetector { Akaze, Orb };

struct RegistrationOptions {
    // Both photos are registered on greyscale copies whose longest side is at most this.
    int workingSize = 512;
    FeatureDetector detector = FeatureDetector::Akaze;
    double akazeThreshold = 0.0003; // AKAZE only: response threshold (OpenCV's: 0.001)
    int orbFeatures = 3000;         // ORB only: keypoints asked for per image
    double claheClipLimit = 2.0;    // features are found after CLAHE (8 x 8 tiles); 0 = off
    double ratio = 0.8;             // Lowe's ratio test on the two nearest descriptors
    double ransacThresholdPx = 3.0; // RANSAC reprojection threshold, working-size pixels
    // false: similarity (rotation, uniform scale, shift; estimateAffinePartial2D), true: affine.
    bool affine = false;
    // ECC refinement (findTransformECC) from the RANSAC transform, coarse to fine over
    // eccLevels halvings of the working copies. eccAffine: MOTION_AFFINE (6 parameters), else
    // the ECC estimate is an affine one projected back to the nearest similarity. It is kept
    // only when it converges, raises the correlation and moves no RANSAC inlier by more than
    // ransacThresholdPx.
    bool refineEcc = true;
    bool eccAffine = true;
    int eccLevels = 2;
    int eccIterations = 60;
    double eccEpsilon = 1e-5;
    // Pixels darker than this (8-bit grey) are the dermatoscope's vignette or padding, not skin:
    // no keypoint is taken there and ECC ignores them.
    int darkThreshold = 12;
    // Pixels at least this bright (8-bit grey) are clipped highlights: ECC ignores them.
    int brightThreshold = 250;
    // Success thresholds (all must hold).
    int minFeatures = 20;
    int minInliers = 20;
    double minInlierRatio = 0.20;    // inliers / ratio-test matches
    double minEccCorrelation = 0.80; // only when ECC ran
    // Bounds on the scale between the working copies (same longest side), i.e. on how much
    // larger the lesion appears in the current photo's frame, whatever the resolutions.
    double minScale = 0.5, maxScale = 2.0;
};

// The result of a registration, automatic or manual; a value, never an exception for "could not
// register".
struct VisitRegistration {
    RegistrationStatus status = RegistrationStatus::TooFewFeatures;
    RegistrationMethod method = RegistrationMethod::Automatic;
    // Earlier-visit full-resolution pixel -> current-visit full-resolution pixel. Identity when
    // no transform was found; the estimate so far (RANSAC or ECC) when a threshold failed.
    cv::Matx23d transform = cv::Matx23d(1, 0, 0, 0, 1, 0);
    // Quality figures (the ones to show). -1 when not computed.
    int keypointsEarlier = -1, keypointsCurrent = -1;
    int matches = -1;           // after the ratio test
    int inliers = -1;           // RANSAC inliers
    double inlierRatio = -1;    // inliers / matches
    double eccCorrelation = -1; // enhanced correlation coefficient at the end (1 = identical)
    bool eccRefined = false;    // ECC converged and its transform was kept
    // The transform decomposed (a similarity's scale and angle; for an affine, sqrt|det| and the
    // angle of its first column).
    double scale = 1, rotationDeg = 0;
    // Manual: root-mean-square distance of the mapped earlier points from the current points
    // (0 for three pairs), full-resolution pixels.
    double residualPx = -1;
    double seconds = 0;

    bool ok() const { return status == RegistrationStatus::Registered; }
};

// Automatic registration of two photos of one lesion. Images: CV_8U or CV_16U, 1, 3 (RGB) or 4
// channels, any sizes. Throws CoreError(BadArgument) for an empty or unsupported image or
// nonsensical options; a pair that does not register comes back with its status.
VisitRegistration registerVisits(const cv::Mat& earlier, const cv::Mat& current,
                                 const RegistrationOptions& options = {});

// Manual fallback: the affine transform through three point pairs (exact), or the least-squares
// affine transform of four or more pairs. Status Registered, or DegeneratePoints when the
// earlier points are (nearly) collinear. Throws CoreError(BadArgument) for fewer than three
// pairs, lists of different lengths or non-finite coordinates.
VisitRegistration registrationFromPoints(const std::vector<cv::Point2d>& earlier,
                                         const std::vector<cv::Point2d>& current);

// The earlier visit's mask in the current frame: nearest neighbour, 255 inside, 0 outside and
// where the earlier photo did not reach. CV_8UC1 of currentSize.
cv::Mat warpMaskToCurrent(const cv::Mat& earlierMask, const cv::Matx23d& transform,
                          cv::Size currentSize);
// The earlier visit's image in the current frame: bilinear, black where it did not reach.
cv::Mat warpImageToCurrent(const cv::Mat& earlierImage, const cv::Matx23d& transform,
                           cv::Size currentSize);

struct ChangeOptions {
    // Change is flagged when |area change| >= this percentage of the earlier area, or when
    // |greatest diameter change| >= diameterThresholdPercent (0 = not used). Defaults are
    // DermSAM's, not a clinical standard (docs/measurements.md).
    double areaThresholdPercent = 20.0;
    double diameterThresholdPercent = 0.0;
    MeasureOptions measure;
};

// The change from the earlier visit to the current one, both masks in the current frame.
struct VisitChange {
    LesionMeasurements earlier, current; // measured in the current frame, current pixel size
    double areaChangePx = 0, areaChangeMm2 = 0;
    double areaChangePercent = 0; // (current - earlier) / earlier · 100; NaN if earlier is empty
    double maxDiameterChangePx = 0, maxDiameterChangeMm = 0;
    double maxDiameterChangePercent = 0;
    double dice = 0;      // 2|E ∩ C| / (|E| + |C|); 1 when both are empty
    cv::Mat gained, lost; // CV_8UC1 255: in the current mask only / in the earlier mask only
    long long gainedPx = 0, lostPx = 0;
    double gainedMm2 = 0, lostMm2 = 0;
    int colourCountEarlier = 0, colourCountCurrent = 0; // with images only
    bool areaBeyondThreshold = false, diameterBeyondThreshold = false;
    bool changeBeyondThreshold = false; // either of the two
    ChangeOptions options;
};

// Masks: CV_8UC1 (non-zero inside) of one size; images: empty or the masks' size (as
// measureLesion). rowMm / colMm: the current visit's pixel size, 0 = unknown. Throws
// CoreError(BadArgument) for mismatched sizes or types.
VisitChange compareVisits(const cv::Mat& earlierMaskInCurrent, const cv::Mat& currentMask,
                          const cv::Mat& earlierImageInCurrent, const cv::Mat& currentImage,
                          double rowMm = 0, double colMm = 0, const ChangeOptions& options = {});

// The same from the earlier visit's own image and mask and a registration (warped first).
VisitChange compareVisits(const VisitRegistration& registration, const cv::Mat& earlierMask,
                          const cv::Mat& earlierImage, const cv::Mat& currentMask,
                          const cv::Mat& currentImage, double rowMm = 0, double colMm = 0,
                          const ChangeOptions& options = {});

} // namespace dermsam
