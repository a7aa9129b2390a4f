#include "core/statistics.h"

#include "core/core_error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace dermsam {

namespace {

constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

void checkPaired(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size())
        throw CoreError(CoreErrorCode::BadArgument, {},
                        "paired samples differ in length: " + std::to_string(a.size()) + " vs " +
                            std::to_string(b.size()));
    for (size_t i = 0; i < a.size(); ++i)
        if (std::isnan(a[i]) || std::isnan(b[i]))
            throw CoreError(CoreErrorCode::BadArgument, {},
                            "NaN in paired sample at " + std::to_string(i));
}

// P(W+ <= w) and P(W+ >= w) under the null for ranks 1..n (no ties): count the sign patterns
// per rank sum by dynamic programming over the ranks.
std::pair<double, double> exactTails(int n, double w) {
    const int maxSum = n * (n + 1) / 2;
    std::vector<double> counts(static_cast<size_t>(maxSum) + 1, 0.0);
    counts[0] = 1.0;
    for (int rank = 1; rank <= n; ++rank)
        for (int s = maxSum; s >= rank; --s)
            counts[static_cast<size_t>(s)] += counts[static_cast<size_t>(s - rank)];
    const double total = std::ldexp(1.0, n);
    const int wInt = static_cast<int>(std::lround(w));
    double lower = 0;
    double upper = 0;
    for (int s = 0; s <= maxSum; ++s) {
        if (s <= wInt)
            lower += counts[static_cast<size_t>(s)];
        if (s >= wInt)
            upper += counts[static_cast<size_t>(s)];
    }
    return {lower / total, upper / total};
}

} // namespace

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return kUndefined;
    std::sort(values.begin(), values.end());
    const double position = std::clamp(p, 0.0, 100.0) / 100.0 * (values.size() - 1);
    const size_t below = static_cast<size_t>(std::floor(position));
    const size_t above = std::min(below + 1, values.size() - 1);
    const double fraction = position - below;
    return values[below] + (values[above] - values[below]) * fraction;
}

double mean(const std::vector<double>& values) {
    if (values.empty())
        return kUndefined;
    return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

double sampleStandardDeviation(const std::vector<double>& values) {
    if (values.size() < 2)
        return kUndefined;
    const double m = mean(values);
    double sum = 0;
    for (double v : values)
        sum += (v - m) * (v - m);
    return std::sqrt(sum / (values.size() - 1));
}

ConfidenceInterval bootstrapMeanCi(const std::vector<double>& values, int resamples, uint64_t seed,
                                   double level) {
    if (!(level > 0 && level < 1) || resamples < 1)
        throw CoreError(CoreErrorCode::BadArgument, {}, "bootstrap level or resample count");
    if (values.empty())
        return {kUndefined, kUndefined};
    if (values.size() == 1)
        return {values[0], values[0]};
    std::mt19937_64 rng(seed);
    const uint64_t n = values.size();
    std::vector<double> means(static_cast<size_t>(resamples));
    for (double& m : means) {
        double sum = 0;
        for (uint64_t i = 0; i < n; ++i)
            sum += values[static_cast<size_t>(rng() % n)];
        m = sum / static_cast<double>(n);
    }
    const double alpha = (1.0 - level) / 2.0;
    return {percentile(means, 100.0 * alpha), percentile(means, 100.0 * (1.0 - alpha))};
}

const char* wilcoxonMethodName(WilcoxonMethod method) {
    return method == WilcoxonMethod::Exact ? "exact" : "normal-approximation";
}

WilcoxonResult wilcoxonSignedRank(const std::vector<double>& a, const std::vector<double>& b,
                                  int exactMaxN, bool continuityCorrection) {
    checkPaired(a, b);
    WilcoxonResult r;
    r.pairs = static_cast<int>(a.size());
    r.continuityCorrection = continuityCorrection;

    std::vector<double> d;
    d.reserve(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        const double diff = a[i] - b[i];
        if (diff == 0.0)
            ++r.zeros;
        else
            d.push_back(diff);
    }
    const int n = static_cast<int>(d.size());
    r.n = n;
    r.expected = n * (n + 1) / 4.0;
    if (n == 0) {
        r.method = WilcoxonMethod::Exact;
        r.z = kUndefined;
        r.pValue = 1.0;
        return r;
    }

    // Average ranks of |d|, with the tie-group sizes for the variance correction.
    std::vector<size_t> order(d.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t i, size_t j) { return std::fabs(d[i]) < std::fabs(d[j]); });
    std::vector<double> ranks(d.size());
    double tieSum = 0; // sum over tie groups of t^3 - t
    for (size_t start = 0; start < order.size();) {
        size_t end = start + 1;
        while (end < order.size() && std::fabs(d[order[end]]) == std::fabs(d[order[start]]))
            ++end;
        const double t = static_cast<double>(end - start);
        const double averageRank = (start + 1 + end) / 2.0; // ranks start+1 .. end
        for (size_t k = start; k < end; ++k)
            ranks[order[k]] = averageRank;
        if (t > 1) {
            r.ties = true;
            tieSum += t * t * t - t;
        }
        start = end;
    }
    for (size_t i = 0; i < d.size(); ++i)
        (d[i] > 0 ? r.wPlus : r.wMinus) += ranks[i];
    r.variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - tieSum / 48.0;

    if (!r.ties && n <= exactMaxN) {
        r.method = WilcoxonMethod::Exact;
        r.z = kUndefined;
        const auto [lower, upper] = exactTails(n, r.wPlus);
        r.pValue = std::min(1.0, 2.0 * std::min(lower, upper));
        return r;
    }

    r.method = WilcoxonMethod::NormalApproximation;
    double deviation = r.wPlus - r.expected;
    if (continuityCorrection) {
        const double magnitude = std::max(0.0, std::fabs(deviation) - 0.5);
        deviation = std::copysign(magnitude, deviation);
    }
    if (r.variance <= 0) {
        r.z = 0;
        r.pValue = 1.0;
        return r;
    }
    r.z = deviation / std::sqrt(r.variance);
    r.pValue = std::min(1.0, std::erfc(std::fabs(r.z) / std::sqrt(2.0)));
    return r;
}

PairedDifference pairedMeanDifference(const std::vector<double>& a, const std::vector<double>& b,
                                      int resamples, uint64_t seed, double level) {
    checkPaired(a, b);
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); ++i)
        d[i] = a[i] - b[i];
    PairedDifference r;
    r.n = static_cast<int>(d.size());
    r.meanDifference = mean(d);
    r.sdDifference = sampleStandardDeviation(d);
    r.ci = bootstrapMeanCi(d, resamples, seed, level);
    return r;
}

} // namespace dermsam
