#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace dermsam {

// The six colours of dermoscopy's ABCD rule (Stolz et al. 1994), in the order they are reported.
enum class DermoscopicColour { White, Red, LightBrown, DarkBrown, BlueGrey, Black };
constexpr int kDermoscopicColours = 6;
const char* dermoscopicColourName(DermoscopicColour colour); // "white", "red", "light-brown"...
// DermSAM's CIELAB rules (docs/measurements.md); -1 when the colour is none of the six.
int classifyDermoscopicColour(double L, double a, double b);

struct MeasureOptions {
    // An axis is asymmetric when folding the lesion about it leaves more than this share of the
    // lesion unmatched (shape) or when mirrored pixels differ by more than this mean CIE76 ΔE
    // (colour).
    double shapeAsymmetryThreshold = 0.10;
    double colourAsymmetryThreshold = 10.0;
    // A colour counts as present when at least this share of the lesion's pixels has it.
    double colourShareThreshold = 0.05;
};

// Everything measured on one lesion mask (docs/measurements.md gives each definition).
// Lengths between pixel centres; the *Mm fields are 0 without a pixel size.
struct LesionMeasurements {
    bool empty = true; // no lesion pixel: nothing below is measured
    double rowMm = 0, colMm = 0;
    // Size.
    long long areaPx = 0;
    double areaMm2 = 0;
    double perimeterPx = 0, perimeterMm = 0;
    double maxFeretPx = 0, maxFeretMm = 0;
    cv::Point2d maxFeretA, maxFeretB; // the greatest diameter's end points (pixel centres)
    double minFeretPx = 0, minFeretMm = 0;
    double equivalentDiameterPx = 0, equivalentDiameterMm = 0;
    // Asymmetry about the two principal axes through the centroid (0 = the major axis).
    cv::Point2d centroid;
    double majorAxisAngleDeg = 0; // from +x towards +y (image rows grow downwards)
    std::array<double, 2> shapeAsymmetry{};
    int shapeAsymmetricAxes = 0;
    // Border.
    double compactness = 0;        // perimeter² / (4π · area): 1 for a disc, 4/π for a square
    double convexityDeficit = 0;   // 1 - area / convex hull area
    double perimeterHullRatio = 0; // perimeter / convex hull perimeter (1 = no indentation)
    // Mean gradient magnitude of L* (per pixel) on the outline, in 8 sectors of 45° around the
    // centroid, sector k from k·45° (same angle convention as majorAxisAngleDeg).
    std::array<double, 8> borderSharpness{};
    double meanBorderSharpness = 0;
    // Colour (only with an image).
    bool colourMeasured = false;
    std::array<double, 2> colourAsymmetry{}; // mean ΔE76 between mirrored pixels
    int colourAsymmetricAxes = 0;
    std::array<double, kDermoscopicColours> colourShare{}; // share of the lesion's pixels
    int colourCount = 0;
    MeasureOptions options;
};

// mask: CV_8UC1, non-zero = lesion. rgb: the image (CV_8UC3 RGB or CV_16UC3 RGB, the mask's
// size) or empty (no colour or border figures). rowMm / colMm: the physical pixel size, 0 =
// unknown. Throws CoreError(BadArgument) for mismatched sizes or types.
LesionMeasurements measureLesion(const cv::Mat& mask, const cv::Mat& rgb, double rowMm = 0,
                                 double colMm = 0, const MeasureOptions& options = {});

// The figures as (name, value) pairs, names carrying their unit ("areaPx", "areaMm2",
// "maxFeretMm", "colourCount"...): the sidecar's "measurements" and `dermsam-cli measure`.
std::vector<std::pair<std::string, double>> measurementList(const LesionMeasurements& m);

} // namespace dermsam
