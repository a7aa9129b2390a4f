#pragma once

#include "core/evaluation.h"
#include "core/statistics.h"
#include "io/json_writer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dermsam {

// The paired comparison behind `dermsam-cli compare` and the fine-tuning wizard's results page:
// both front ends call these so their figures cannot drift apart.
struct PairedComparison {
    // Images scored by both runs, in run A's order.
    std::vector<std::string> ids;
    std::vector<double> diceA, diceB, iouA, iouB;
    WilcoxonResult wilcoxonDice; // on B - A
    WilcoxonResult wilcoxonIou;
    PairedDifference dice; // B - A with a bootstrap CI
    PairedDifference iou;
    bool significant = false; // Dice p < 0.05
    std::string verdict;      // one English sentence for logs and the JSON report
};

// Pairs the images of two evaluation runs by id and tests B - A. No common image gives an
// empty `ids` (and default statistics): callers decide how to report that.
PairedComparison compareRuns(const EvalRun& a, const EvalRun& b);

// How a model is named in the comparison report.
struct ComparedModel {
    std::string name; // "default" or the checkpoint path
    std::string sha256;
    std::string profile;
};

// The JSON object of `compare --json` / `--report R` (R.json) and the per-image CSV (R.csv).
// tta: the test-time augmentation both runs used (EvalOptions::tta), so that a report says
// how its figures were made.
std::string comparisonJson(const PairedComparison& c, EvalPrompt prompt, uint64_t seed, TtaMode tta,
                           const ComparedModel& modelA, const EvalRun& runA,
                           const ComparedModel& modelB, const EvalRun& runB);
std::string comparisonCsv(const PairedComparison& c);

// JSON pieces shared with `eval`, written through io/'s one JSON writer:
// {"mean":..,"sd":..,"ci":[..],"median":..,"n":..,"missing":..} as a value, and the
// "dice":{..},"iou":{..},... fields of a metrics report into an open object.
void writeMetricSummary(io::JsonWriter& json, const MetricSummary& s);
void writeMetricsReportFields(io::JsonWriter& json, const MetricsReport& r);
std::string metricSummaryJson(const MetricSummary& s);

// A CSV field, quoted when it holds a comma, a quote or a newline.
std::string csvField(const std::string& s);

} // namespace dermsam
