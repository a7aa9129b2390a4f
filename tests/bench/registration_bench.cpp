// Follow-up registration on ISIC test-split images with random known transforms (issue #21): the
// earlier mask carried by the recovered transform against the same mask carried by the known one
// (mean boundary distance, px), and the time per pair. Figures in docs/performance.md.
//
//   dermsam-registration-bench [--data DIR] [--count 60] [--size 1024] [--seed 2111]
//                              [--detector akaze|orb] [--working 768] [--affine] [--no-ecc]
//                              [--ecc-similarity] [--quiet]
#include "core/metrics.h"
#include "core/visit_registration.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace dermsam;

namespace {

struct Args {
    std::string data = std::string(DERMSAM_SOURCE_DIR) + "/../shared/data/isic2018-512";
    int count = 60;
    int size = 1024;
    unsigned seed = 2111;
    bool quiet = false;
    bool unrelated = false; // register each image with the next one (another lesion)
    RegistrationOptions options;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", k.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (k == "--data")
            a.data = next();
        else if (k == "--count")
            a.count = std::stoi(next());
        else if (k == "--size")
            a.size = std::stoi(next());
        else if (k == "--seed")
            a.seed = static_cast<unsigned>(std::stoul(next()));
        else if (k == "--working")
            a.options.workingSize = std::stoi(next());
        else if (k == "--detector")
            a.options.detector = next() == "orb" ? FeatureDetector::Orb : FeatureDetector::Akaze;
        else if (k == "--akaze-threshold")
            a.options.akazeThreshold = std::stod(next());
        else if (k == "--orb-features")
            a.options.orbFeatures = std::stoi(next());
        else if (k == "--clahe")
            a.options.claheClipLimit = std::stod(next());
        else if (k == "--affine")
            a.options.affine = true;
        else if (k == "--no-ecc")
            a.options.refineEcc = false;
        else if (k == "--ecc-similarity")
            a.options.eccAffine = false;
        else if (k == "--unrelated")
            a.unrelated = true;
        else if (k == "--quiet")
            a.quiet = true;
        else {
            std::fprintf(stderr, "unknown argument %s\n", k.c_str());
            std::exit(2);
        }
    }
    return a;
}

std::vector<std::string> testIds(const std::string& data) {
    std::ifstream in(data + "/splits.txt");
    std::vector<std::string> ids;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream s(line);
        std::string id, split;
        if (s >> id >> split && split == "test")
            ids.push_back(id);
    }
    return ids;
}

// An ISIC image (RGB) and its mask, resized to `size` (cubic; the mask linear, then > 127).
bool load(const std::string& data, const std::string& id, cv::Size size, cv::Mat& rgb,
          cv::Mat& mask) {
    const cv::Mat bgr = cv::imread(data + "/images/" + id + ".jpg", cv::IMREAD_COLOR);
    const cv::Mat mask8 =
        cv::imread(data + "/masks/" + id + "_segmentation.png", cv::IMREAD_GRAYSCALE);
    if (bgr.empty() || mask8.empty()) {
        std::fprintf(stderr, "cannot read %s\n", id.c_str());
        return false;
    }
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::resize(rgb, rgb, size, 0, 0, cv::INTER_CUBIC);
    cv::resize(mask8, mask, size, 0, 0, cv::INTER_LINEAR);
    cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
    return true;
}

double median(std::vector<double> v) {
    if (v.empty())
        return std::nan("");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v)
        s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

} // namespace

int main(int argc, char** argv) {
    const Args args = parse(argc, argv);
    const std::vector<std::string> ids = testIds(args.data);
    if (ids.empty()) {
        std::fprintf(stderr, "no test split in %s/splits.txt\n", args.data.c_str());
        return 1;
    }
    std::mt19937 rng(args.seed);
    std::uniform_real_distribution<double> angle(-30, 30), scale(0.8, 1.2), shift(-0.1, 0.1),
        gain(0.8, 1.2), offset(-20, 20), sigma(0.0, 1.2), coin(0, 1);
    std::vector<double> errors, seconds, transformErrors;
    std::map<std::string, int> statuses;
    const int n = std::min<int>(args.count, static_cast<int>(ids.size()));
    std::printf(
        "id angle scale dx dy gain bias blur status keypoints matches inliers ratio ecc seconds "
        "boundary_px transform_px\n");
    for (int i = 0; i < n; ++i) {
        const std::string& id = ids[static_cast<std::size_t>(i)];
        const cv::Size size(args.size, args.size);
        cv::Mat rgb, mask;
        if (!load(args.data, id, size, rgb, mask))
            return 1;
        // --unrelated: the "current visit" is made from the next test image, another lesion.
        cv::Mat source = rgb;
        if (args.unrelated) {
            cv::Mat otherMask;
            if (!load(args.data, ids[static_cast<std::size_t>(i + 1) % ids.size()], size, source,
                      otherMask))
                return 1;
        }

        // The known transform: about the centre, then shifted.
        const double a = angle(rng), s = scale(rng);
        const double dx = shift(rng) * size.width, dy = shift(rng) * size.height;
        const double g = gain(rng), b = offset(rng);
        const double blur = coin(rng) < 0.5 ? sigma(rng) : 0.0;
        cv::Mat rot = cv::getRotationMatrix2D(
            cv::Point2f(0.5f * (size.width - 1), 0.5f * (size.height - 1)), a, s);
        rot.at<double>(0, 2) += dx;
        rot.at<double>(1, 2) += dy;
        cv::Matx23d truth;
        rot.convertTo(cv::Mat(2, 3, CV_64F, truth.val), CV_64F);
        cv::Mat current;
        cv::warpAffine(source, current, cv::Mat(truth), size, cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                       cv::Scalar::all(0));
        current.convertTo(current, -1, g, b);
        if (blur > 0)
            cv::GaussianBlur(current, current, {0, 0}, blur);
        const cv::Mat truthMask = warpMaskToCurrent(mask, truth, size);

        const VisitRegistration r = registerVisits(rgb, current, args.options);
        const cv::Mat got = warpMaskToCurrent(mask, r.transform, size);
        const double err = meanBoundaryDistance(got, truthMask);
        // The transforms' disagreement on the earlier mask's outline (sub-pixel, no rasterising).
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
        double sum = 0;
        std::size_t count = 0;
        for (const auto& c : contours)
            for (const cv::Point& p : c) {
                const cv::Vec3d h(p.x, p.y, 1);
                sum += cv::norm(r.transform * h - truth * h);
                ++count;
            }
        const double terr = count ? sum / static_cast<double>(count) : std::nan("");
        errors.push_back(std::isfinite(err) ? err : 1e9);
        transformErrors.push_back(terr);
        seconds.push_back(r.seconds);
        ++statuses[registrationStatusName(r.status)];
        if (!args.quiet)
            std::printf(
                "%s %.1f %.3f %.1f %.1f %.2f %.1f %.2f %s %d/%d %d %d %.2f %.3f%s %.3f %.3f %.3f\n",
                id.c_str(), a, s, dx, dy, g, b, blur, registrationStatusName(r.status),
                r.keypointsEarlier, r.keypointsCurrent, r.matches, r.inliers, r.inlierRatio,
                r.eccCorrelation, r.eccRefined ? "" : "(no-ecc)", r.seconds, err, terr);
        std::fflush(stdout);
    }
    const double under2 = static_cast<double>(std::count_if(errors.begin(), errors.end(),
                                                            [](double e) { return e < 2.0; })) /
                          static_cast<double>(errors.size());
    std::printf("\n%spairs %d, image %dx%d, working size %d, detector %s, %s, ECC %s\n",
                args.unrelated ? "UNRELATED " : "", n, args.size, args.size,
                args.options.workingSize,
                args.options.detector == FeatureDetector::Orb ? "ORB" : "AKAZE",
                args.options.affine ? "affine RANSAC" : "similarity RANSAC",
                !args.options.refineEcc  ? "off"
                : args.options.eccAffine ? "affine"
                                         : "similarity");
    std::printf("boundary distance px: mean %.3f median %.3f max %.3f; under 2 px: %.1f%%\n",
                mean(errors), median(errors), *std::max_element(errors.begin(), errors.end()),
                100.0 * under2);
    std::printf("transform error on the outline px: mean %.3f median %.3f max %.3f\n",
                mean(transformErrors), median(transformErrors),
                *std::max_element(transformErrors.begin(), transformErrors.end()));
    std::printf("seconds per pair: mean %.3f median %.3f max %.3f\n", mean(seconds),
                median(seconds), *std::max_element(seconds.begin(), seconds.end()));
    std::printf("status:");
    for (const auto& [name, k] : statuses)
        std::printf(" %s %d", name.c_str(), k);
    std::printf("\n");
    return 0;
}
