#include "core/comparison.h"

#include "model/json_text.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermsam {

namespace {

std::string wilcoxonJson(const WilcoxonResult& w) {
    return "{\"method\":" + jsonQuote(wilcoxonMethodName(w.method)) +
           ",\"pairs\":" + std::to_string(w.pairs) + ",\"n\":" + std::to_string(w.n) +
           ",\"zeros\":" + std::to_string(w.zeros) + ",\"ties\":" + (w.ties ? "true" : "false") +
           ",\"w\":" + jsonNumber(w.wPlus) + ",\"w_minus\":" + jsonNumber(w.wMinus) +
           ",\"z\":" + jsonNumber(w.z) + ",\"p\":" + jsonNumber(w.pValue) + "}";
}

std::string differenceJson(const PairedDifference& d, const WilcoxonResult& w) {
    return "{\"difference\":\"B - A\",\"mean_difference\":" + jsonNumber(d.meanDifference) +
           ",\"sd\":" + jsonNumber(d.sdDifference) + ",\"ci\":[" + jsonNumber(d.ci.low) + "," +
           jsonNumber(d.ci.high) + "],\"wilcoxon\":" + wilcoxonJson(w) +
           ",\"significant\":" + (w.pValue < 0.05 ? "true" : "false") + "}";
}

std::string modelJson(const ComparedModel& m, const EvalRun& r) {
    return "{\"model\":" + jsonQuote(m.name) + ",\"sha256\":" + jsonQuote(m.sha256) +
           ",\"profile\":" + jsonQuote(m.profile) + ",\"n\":" + std::to_string(r.images.size()) +
           "," + metricsReportFieldsJson(r.summary) + "}";
}

} // namespace

PairedComparison compareRuns(const EvalRun& runA, const EvalRun& runB) {
    PairedComparison c;
    // Pairs = images both runs scored (a skip is a property of the data, so normally all).
    for (const auto& ra : runA.images)
        for (const auto& rb : runB.images)
            if (ra.metrics.id == rb.metrics.id) {
                c.ids.push_back(ra.metrics.id);
                c.diceA.push_back(ra.metrics.dice);
                c.diceB.push_back(rb.metrics.dice);
                c.iouA.push_back(ra.metrics.jaccard);
                c.iouB.push_back(rb.metrics.jaccard);
                break;
            }
    if (c.ids.empty())
        return c;
    c.wilcoxonDice = wilcoxonSignedRank(c.diceB, c.diceA);
    c.wilcoxonIou = wilcoxonSignedRank(c.iouB, c.iouA);
    c.dice = pairedMeanDifference(c.diceB, c.diceA);
    c.iou = pairedMeanDifference(c.iouB, c.iouA);
    c.significant = c.wilcoxonDice.pValue < 0.05;

    char verdict[256];
    if (c.significant)
        std::snprintf(verdict, sizeof verdict,
                      "model %s has the higher Dice (mean difference B - A %+.4f, Wilcoxon p = "
                      "%.4g): significant at 0.05",
                      c.dice.meanDifference > 0 ? "B" : "A", c.dice.meanDifference,
                      c.wilcoxonDice.pValue);
    else
        std::snprintf(verdict, sizeof verdict,
                      "no significant difference in Dice (mean difference B - A %+.4f, "
                      "Wilcoxon p = %.4g >= 0.05): not significant",
                      c.dice.meanDifference, c.wilcoxonDice.pValue);
    c.verdict = verdict;
    return c;
}

std::string comparisonJson(const PairedComparison& c, EvalPrompt prompt, uint64_t seed,
                           const ComparedModel& modelA, const EvalRun& runA,
                           const ComparedModel& modelB, const EvalRun& runB) {
    std::string j = "{\"n\":" + std::to_string(c.ids.size()) +
                    ",\"prompt\":" + jsonQuote(evalPromptName(prompt)) +
                    ",\"seed\":" + std::to_string(seed) + ",\"models\":[" +
                    modelJson(modelA, runA) + "," + modelJson(modelB, runB) +
                    "],\"dice\":" + differenceJson(c.dice, c.wilcoxonDice) +
                    ",\"iou\":" + differenceJson(c.iou, c.wilcoxonIou) +
                    ",\"significant\":" + (c.significant ? "true" : "false") +
                    ",\"verdict\":" + jsonQuote(c.verdict) + ",\"per_image\":[";
    for (size_t i = 0; i < c.ids.size(); ++i)
        j += (i ? "," : "") + std::string("{\"id\":") + jsonQuote(c.ids[i]) +
             ",\"dice_a\":" + jsonNumber(c.diceA[i]) + ",\"dice_b\":" + jsonNumber(c.diceB[i]) +
             ",\"iou_a\":" + jsonNumber(c.iouA[i]) + ",\"iou_b\":" + jsonNumber(c.iouB[i]) + "}";
    return j + "]}";
}

std::string comparisonCsv(const PairedComparison& c) {
    std::ostringstream csv;
    csv << "id,dice_a,dice_b,iou_a,iou_b\n";
    for (size_t i = 0; i < c.ids.size(); ++i)
        csv << csvField(c.ids[i]) << "," << jsonNumber(c.diceA[i]) << "," << jsonNumber(c.diceB[i])
            << "," << jsonNumber(c.iouA[i]) << "," << jsonNumber(c.iouB[i]) << "\n";
    return csv.str();
}

std::string metricSummaryJson(const MetricSummary& s) {
    return "{\"mean\":" + jsonNumber(s.mean) + ",\"sd\":" + jsonNumber(s.sd) + ",\"ci\":[" +
           jsonNumber(s.ciLow) + "," + jsonNumber(s.ciHigh) +
           "],\"median\":" + jsonNumber(s.median) + ",\"n\":" + std::to_string(s.n) +
           ",\"missing\":" + std::to_string(s.missing) + "}";
}

std::string metricsReportFieldsJson(const MetricsReport& s) {
    return "\"dice\":" + metricSummaryJson(s.dice) + ",\"iou\":" + metricSummaryJson(s.jaccard) +
           ",\"thresholded_jaccard\":" + metricSummaryJson(s.thresholdedJaccard) +
           ",\"sensitivity\":" + metricSummaryJson(s.sensitivity) +
           ",\"specificity\":" + metricSummaryJson(s.specificity) +
           ",\"accuracy\":" + metricSummaryJson(s.accuracy) +
           ",\"hd95\":" + metricSummaryJson(s.hd95Px);
}

std::string jsonNumber(double v) {
    return json::number(v);
}

std::string jsonQuote(const std::string& s) {
    return json::quote(s);
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

} // namespace dermsam
