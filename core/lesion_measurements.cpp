#include "core/lesion_measurements.h"

#include "core/core_error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dermsam {

namespace {

constexpr double kPi = 3.14159265358979323846;

double cross(const cv::Point2d& o, const cv::Point2d& a, const cv::Point2d& b) {
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

double norm2(const cv::Point2d& p) {
    return std::sqrt(p.x * p.x + p.y * p.y);
}

struct Feret {
    double max = 0, min = 0;
    cv::Point2d a, b;
};

// Maximum and minimum caliper widths of a convex polygon (counter-clockwise or clockwise, no
// repeated end point). The maximum is the largest vertex distance; the minimum is attained with
// one caliper on an edge, so it is the least, over edges, of the farthest vertex from that edge.
Feret feretOf(const std::vector<cv::Point2d>& hull) {
    Feret f;
    const std::size_t n = hull.size();
    if (n == 0)
        return f;
    f.a = f.b = hull[0];
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            const double d = norm2(hull[i] - hull[j]);
            if (d > f.max) {
                f.max = d;
                f.a = hull[i];
                f.b = hull[j];
            }
        }
    if (n < 3)
        return f; // a segment or a point: no width
    f.min = INFINITY;
    for (std::size_t i = 0; i < n; ++i) {
        const cv::Point2d& p = hull[i];
        const cv::Point2d& q = hull[(i + 1) % n];
        const double len = norm2(q - p);
        if (len <= 0)
            continue;
        double far = 0;
        for (const cv::Point2d& v : hull)
            far = std::max(far, std::abs(cross(p, q, v)) / len);
        f.min = std::min(f.min, far);
    }
    if (!std::isfinite(f.min))
        f.min = 0;
    return f;
}

std::vector<cv::Point2d> scaled(const std::vector<cv::Point>& pts, double sx, double sy) {
    std::vector<cv::Point2d> out;
    out.reserve(pts.size());
    for (const cv::Point& p : pts)
        out.emplace_back(p.x * sx, p.y * sy);
    return out;
}

double closedLength(const std::vector<cv::Point2d>& pts) {
    double len = 0;
    for (std::size_t i = 0; i < pts.size(); ++i)
        len += norm2(pts[(i + 1) % pts.size()] - pts[i]);
    return len;
}

double polygonArea(const std::vector<cv::Point2d>& pts) {
    double a = 0;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        const cv::Point2d& p = pts[i];
        const cv::Point2d& q = pts[(i + 1) % pts.size()];
        a += p.x * q.y - q.x * p.y;
    }
    return std::abs(a) / 2;
}

// The image as float CIELAB (L* 0..100), from 8- or 16-bit RGB.
cv::Mat toLab(const cv::Mat& rgb) {
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3, rgb.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
    cv::Mat lab;
    cv::cvtColor(f, lab, cv::COLOR_RGB2Lab);
    return lab;
}

} // namespace

const char* dermoscopicColourName(DermoscopicColour colour) {
    switch (colour) {
    case DermoscopicColour::White:
        return "white";
    case DermoscopicColour::Red:
        return "red";
    case DermoscopicColour::LightBrown:
        return "light-brown";
    case DermoscopicColour::DarkBrown:
        return "dark-brown";
    case DermoscopicColour::BlueGrey:
        return "blue-grey";
    case DermoscopicColour::Black:
        return "black";
    }
    return "?";
}

int classifyDermoscopicColour(double L, double a, double b) {
    // DermSAM's own rules, first match wins (docs/measurements.md "Colours").
    const double chroma = std::sqrt(a * a + b * b);
    double hue = std::atan2(b, a) * 180.0 / kPi;
    if (hue < 0)
        hue += 360.0;
    if (L < 22)
        return static_cast<int>(DermoscopicColour::Black);
    if (L >= 75 && chroma < 20)
        return static_cast<int>(DermoscopicColour::White);
    if (L < 75 && chroma >= 30 && (hue < 40 || hue >= 330))
        return static_cast<int>(DermoscopicColour::Red);
    // A desaturated pixel is grey only when its hue is not the browns' 20-100 degrees: the rim
    // where brown pigment fades into the skin is faint brown, not blue-grey (ISIC_0000009).
    const bool brownHue = hue >= 20 && hue < 100;
    if (L < 70 && ((chroma < 12 && !brownHue) || (hue >= 150 && hue < 330)))
        return static_cast<int>(DermoscopicColour::BlueGrey);
    if (chroma >= 12 && brownHue) {
        if (L < 50)
            return static_cast<int>(DermoscopicColour::DarkBrown);
        if (L < 75)
            return static_cast<int>(DermoscopicColour::LightBrown);
    }
    return -1;
}

LesionMeasurements measureLesion(const cv::Mat& maskIn, const cv::Mat& rgb, double rowMm,
                                 double colMm, const MeasureOptions& options) {
    if (maskIn.empty() || maskIn.type() != CV_8UC1)
        throw CoreError(CoreErrorCode::BadArgument, "", "the mask must be one 8-bit channel");
    if (!rgb.empty() &&
        (rgb.size() != maskIn.size() || (rgb.type() != CV_8UC3 && rgb.type() != CV_16UC3)))
        throw CoreError(CoreErrorCode::BadArgument, "", "the image must be RGB of the mask's size");
    LesionMeasurements m;
    m.options = options;
    const bool hasMm = rowMm > 0 && colMm > 0;
    m.rowMm = hasMm ? rowMm : 0;
    m.colMm = hasMm ? colMm : 0;
    cv::Mat mask;
    cv::compare(maskIn, 0, mask, cv::CMP_NE); // 0/255
    m.areaPx = cv::countNonZero(mask);
    if (m.areaPx == 0)
        return m;
    m.empty = false;
    const double area = static_cast<double>(m.areaPx);
    m.areaMm2 = area * m.rowMm * m.colMm;
    m.equivalentDiameterPx = std::sqrt(4.0 * area / kPi);
    m.equivalentDiameterMm = std::sqrt(4.0 * m.areaMm2 / kPi);

    // Outlines through the boundary pixels' centres, every component's.
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
    std::vector<cv::Point> all;
    for (const auto& c : contours) {
        // The pixel grid's staircase would overstate every oblique edge (a digital disc of
        // radius 100 px measured compactness 1.109 from it): the outline is simplified to within
        // one pixel first (Douglas-Peucker), which keeps straight edges exact.
        std::vector<cv::Point> outline;
        if (c.size() > 2)
            cv::approxPolyDP(c, outline, 1.0, true);
        else
            outline = c;
        m.perimeterPx += closedLength(scaled(outline, 1, 1));
        if (hasMm)
            m.perimeterMm += closedLength(scaled(outline, colMm, rowMm));
        all.insert(all.end(), c.begin(), c.end());
    }
    std::vector<cv::Point> hullPts;
    cv::convexHull(all, hullPts);
    const std::vector<cv::Point2d> hull = scaled(hullPts, 1, 1);
    const Feret fp = feretOf(hull);
    m.maxFeretPx = fp.max;
    m.minFeretPx = fp.min;
    m.maxFeretA = fp.a;
    m.maxFeretB = fp.b;
    if (hasMm) {
        const Feret fm = feretOf(scaled(hullPts, colMm, rowMm));
        m.maxFeretMm = fm.max;
        m.minFeretMm = fm.min;
    }
    // A one-pixel-wide outline has no length or area between centres: the perimeter is at
    // least the hull's, and shape figures use the pixel area.
    const double hullPerimeter = closedLength(hull);
    const double hullArea = polygonArea(hull);
    m.compactness = m.perimeterPx * m.perimeterPx / (4.0 * kPi * area);
    // The pixel area counts whole pixels, the hull joins pixel centres: half a pixel all round
    // (perimeter / 2) and a pixel for the corners make them comparable.
    const double hullPixelArea = hullArea + hullPerimeter / 2.0 + 1.0;
    m.convexityDeficit = std::max(0.0, 1.0 - area / hullPixelArea);
    m.perimeterHullRatio = hullPerimeter > 0 ? m.perimeterPx / hullPerimeter : 1.0;

    // Principal axes from the second central moments.
    const cv::Moments mo = cv::moments(mask, true);
    m.centroid = {mo.m10 / mo.m00, mo.m01 / mo.m00};
    const double theta = 0.5 * std::atan2(2.0 * mo.mu11, mo.mu20 - mo.mu02);
    m.majorAxisAngleDeg = theta * 180.0 / kPi;
    const cv::Point2d axes[2] = {{std::cos(theta), std::sin(theta)},
                                 {-std::sin(theta), std::cos(theta)}};

    cv::Mat lab;
    if (!rgb.empty()) {
        // Slightly smoothed, so single noisy pixels decide neither colour asymmetry nor colour.
        cv::GaussianBlur(toLab(rgb), lab, cv::Size(), 1.0);
        m.colourMeasured = true;
    }

    // Folding about each axis: a lesion pixel is matched when its mirror image (rounded to the
    // nearest pixel) is lesion too.
    for (int k = 0; k < 2; ++k) {
        const cv::Point2d u = axes[k];
        long long matched = 0;
        double deltaE = 0;
        long long compared = 0;
        for (int y = 0; y < mask.rows; ++y) {
            const uchar* row = mask.ptr<uchar>(y);
            for (int x = 0; x < mask.cols; ++x) {
                if (!row[x])
                    continue;
                const cv::Point2d d(x - m.centroid.x, y - m.centroid.y);
                const double along = d.x * u.x + d.y * u.y;
                const int mx = static_cast<int>(std::lround(m.centroid.x + 2 * along * u.x - d.x));
                const int my = static_cast<int>(std::lround(m.centroid.y + 2 * along * u.y - d.y));
                if (mx < 0 || my < 0 || mx >= mask.cols || my >= mask.rows ||
                    !mask.at<uchar>(my, mx))
                    continue;
                ++matched;
                if (!lab.empty()) {
                    const cv::Vec3f p = lab.at<cv::Vec3f>(y, x);
                    const cv::Vec3f q = lab.at<cv::Vec3f>(my, mx);
                    deltaE += std::sqrt(double((p[0] - q[0]) * (p[0] - q[0]) +
                                               (p[1] - q[1]) * (p[1] - q[1]) +
                                               (p[2] - q[2]) * (p[2] - q[2])));
                    ++compared;
                }
            }
        }
        m.shapeAsymmetry[k] = 1.0 - static_cast<double>(matched) / area;
        if (m.shapeAsymmetry[k] > options.shapeAsymmetryThreshold)
            ++m.shapeAsymmetricAxes;
        if (compared > 0) {
            // Each pair is counted from both sides; the mean is the same.
            m.colourAsymmetry[k] = deltaE / static_cast<double>(compared);
            if (m.colourAsymmetry[k] > options.colourAsymmetryThreshold)
                ++m.colourAsymmetricAxes;
        }
    }

    if (lab.empty())
        return m;

    // Border sharpness: |∇L*| (Sobel, per pixel) on the outline, by sector around the centroid.
    std::vector<cv::Mat> channels;
    cv::split(lab, channels);
    cv::Mat gx, gy;
    cv::Sobel(channels[0], gx, CV_32F, 1, 0, 3, 1.0 / 8.0);
    cv::Sobel(channels[0], gy, CV_32F, 0, 1, 3, 1.0 / 8.0);
    std::array<double, 8> sum{};
    std::array<long long, 8> count{};
    double total = 0;
    long long totalCount = 0;
    for (const auto& c : contours)
        for (const cv::Point& p : c) {
            const double g = std::hypot(gx.at<float>(p), gy.at<float>(p));
            double angle = std::atan2(p.y - m.centroid.y, p.x - m.centroid.x) * 180.0 / kPi;
            if (angle < 0)
                angle += 360.0;
            const int sector = std::min(7, static_cast<int>(angle / 45.0));
            sum[sector] += g;
            ++count[sector];
            total += g;
            ++totalCount;
        }
    for (int s = 0; s < 8; ++s)
        m.borderSharpness[s] = count[s] ? sum[s] / static_cast<double>(count[s]) : 0.0;
    m.meanBorderSharpness = totalCount ? total / static_cast<double>(totalCount) : 0.0;

    // Colours.
    std::array<long long, kDermoscopicColours> hits{};
    for (int y = 0; y < mask.rows; ++y) {
        const uchar* row = mask.ptr<uchar>(y);
        const cv::Vec3f* px = lab.ptr<cv::Vec3f>(y);
        for (int x = 0; x < mask.cols; ++x)
            if (row[x]) {
                const int c = classifyDermoscopicColour(px[x][0], px[x][1], px[x][2]);
                if (c >= 0)
                    ++hits[static_cast<std::size_t>(c)];
            }
    }
    for (int c = 0; c < kDermoscopicColours; ++c) {
        m.colourShare[c] = static_cast<double>(hits[c]) / area;
        if (m.colourShare[c] >= options.colourShareThreshold)
            ++m.colourCount;
    }
    return m;
}

std::vector<std::pair<std::string, double>> measurementList(const LesionMeasurements& m) {
    std::vector<std::pair<std::string, double>> out;
    if (m.empty) {
        out.emplace_back("areaPx", 0.0);
        return out;
    }
    const bool mm = m.rowMm > 0 && m.colMm > 0;
    out.emplace_back("areaPx", static_cast<double>(m.areaPx));
    if (mm)
        out.emplace_back("areaMm2", m.areaMm2);
    out.emplace_back("perimeterPx", m.perimeterPx);
    if (mm)
        out.emplace_back("perimeterMm", m.perimeterMm);
    out.emplace_back("maxDiameterPx", m.maxFeretPx); // the maximum Feret diameter
    if (mm)
        out.emplace_back("maxDiameterMm", m.maxFeretMm);
    out.emplace_back("minFeretPx", m.minFeretPx);
    if (mm)
        out.emplace_back("minFeretMm", m.minFeretMm);
    out.emplace_back("equivalentDiameterPx", m.equivalentDiameterPx);
    if (mm)
        out.emplace_back("equivalentDiameterMm", m.equivalentDiameterMm);
    out.emplace_back("maxDiameterX0", m.maxFeretA.x);
    out.emplace_back("maxDiameterY0", m.maxFeretA.y);
    out.emplace_back("maxDiameterX1", m.maxFeretB.x);
    out.emplace_back("maxDiameterY1", m.maxFeretB.y);
    out.emplace_back("majorAxisAngleDeg", m.majorAxisAngleDeg);
    out.emplace_back("shapeAsymmetryMajorAxis", m.shapeAsymmetry[0]);
    out.emplace_back("shapeAsymmetryMinorAxis", m.shapeAsymmetry[1]);
    out.emplace_back("shapeAsymmetricAxes", m.shapeAsymmetricAxes);
    out.emplace_back("compactness", m.compactness);
    out.emplace_back("convexityDeficit", m.convexityDeficit);
    out.emplace_back("perimeterHullRatio", m.perimeterHullRatio);
    if (!m.colourMeasured)
        return out;
    out.emplace_back("colourAsymmetryMajorAxisDeltaE", m.colourAsymmetry[0]);
    out.emplace_back("colourAsymmetryMinorAxisDeltaE", m.colourAsymmetry[1]);
    out.emplace_back("colourAsymmetricAxes", m.colourAsymmetricAxes);
    out.emplace_back("borderSharpness", m.meanBorderSharpness);
    for (int s = 0; s < 8; ++s)
        out.emplace_back("borderSharpnessSector" + std::to_string(s), m.borderSharpness[s]);
    for (int c = 0; c < kDermoscopicColours; ++c) {
        std::string name = dermoscopicColourName(static_cast<DermoscopicColour>(c));
        // "light-brown" -> "LightBrown" for a key.
        std::string key;
        bool upper = true;
        for (char ch : name) {
            if (ch == '-') {
                upper = true;
                continue;
            }
            key += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
            upper = false;
        }
        out.emplace_back("colourShare" + key, m.colourShare[c]);
    }
    out.emplace_back("colourCount", m.colourCount);
    return out;
}

} // namespace dermsam
