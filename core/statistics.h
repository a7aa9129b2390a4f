#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dermsam {

// Linear-interpolation percentile (numpy's default method) of unsorted values, p in [0, 100].
// NaN for no values.
double percentile(std::vector<double> values, double p);

// Sample mean and standard deviation (n - 1 denominator; NaN for n < 2).
double mean(const std::vector<double>& values);
double sampleStandardDeviation(const std::vector<double>& values);

// Percentile bootstrap confidence interval of the mean: `resamples` resamples with replacement
// drawn with std::mt19937_64(seed) (index = draw mod n), so the same seed gives the same
// interval on every platform. level in (0, 1), e.g. 0.95 -> the 2.5th and 97.5th percentiles of
// the resampled means. n = 0 -> NaN, NaN; n = 1 -> value, value.
struct ConfidenceInterval {
    double low = 0;
    double high = 0;
};
ConfidenceInterval bootstrapMeanCi(const std::vector<double>& values, int resamples = 2000,
                                   uint64_t seed = 20180601, double level = 0.95);

enum class WilcoxonMethod {
    Exact,               // exact null distribution of W+ (no ties, n <= exactMaxN)
    NormalApproximation, // normal approximation with the tie-corrected variance
};

// Paired Wilcoxon signed-rank test of differences d_i = a_i - b_i (DESIGN.md):
// - zero differences are dropped (Wilcoxon's method, scipy's zero_method="wilcox"); n counts the
//   rest;
// - |d| are ranked with average ranks for ties (exact floating-point equality);
// - statistic W+ = sum of the ranks of the positive differences;
// - no ties and n <= exactMaxN: exact two-sided p = min(1, 2 min(P(W+ <= w), P(W+ >= w)))
//   from the exact null distribution (all 2^n sign patterns, by dynamic programming);
// - otherwise z = (W+ - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48) over the tie
//   groups t, two-sided p = erfc(|z| / sqrt 2). No continuity correction by default (as scipy's
//   default); with continuityCorrection, |W+ - mean| is reduced by 0.5 (not below 0).
// n = 0 (all differences zero): p = 1, method Exact.
// Throws CoreError(BadArgument) when a and b differ in length or hold NaN.
struct WilcoxonResult {
    int pairs = 0;       // all pairs given
    int n = 0;           // non-zero differences used
    int zeros = 0;       // dropped zero differences
    bool ties = false;   // some |d| are equal
    double wPlus = 0;    // sum of ranks of positive differences (the statistic)
    double wMinus = 0;   // sum of ranks of negative differences
    double expected = 0; // n(n+1)/4
    double variance = 0; // tie-corrected variance of W+ under the null
    double z = 0;        // NaN for the exact method
    double pValue = 1;   // two-sided
    WilcoxonMethod method = WilcoxonMethod::Exact;
    bool continuityCorrection = false;
};
WilcoxonResult wilcoxonSignedRank(const std::vector<double>& a, const std::vector<double>& b,
                                  int exactMaxN = 25, bool continuityCorrection = false);

const char* wilcoxonMethodName(WilcoxonMethod method); // "exact", "normal-approximation"

// Mean of the paired differences a_i - b_i with a percentile bootstrap CI over pairs.
struct PairedDifference {
    int n = 0;
    double meanDifference = 0;
    double sdDifference = 0;
    ConfidenceInterval ci;
};
PairedDifference pairedMeanDifference(const std::vector<double>& a, const std::vector<double>& b,
                                      int resamples = 2000, uint64_t seed = 20180601,
                                      double level = 0.95);

} // namespace dermsam
