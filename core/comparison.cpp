#include "core/comparison.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermsam {

namespace {

void writeWilcoxon(io::JsonWriter& j, const WilcoxonResult& w) {
    j.beginObject()
        .field("method", wilcoxonMethodName(w.method))
        .field("pairs", w.pairs)
        .field("n", w.n)
        .field("zeros", w.zeros)
        .field("ties", w.ties)
        .field("w", w.wPlus)
        .field("w_minus", w.wMinus)
        .field("z", w.z)
        .field("p", w.pValue)
        .endObject();
}

void writeDifference(io::JsonWriter& j, const PairedDifference& d, const WilcoxonResult& w) {
    j.beginObject()
        .field("difference", "B - A")
        .field("mean_difference", d.meanDifference)
        .field("sd", d.sdDifference)
        .key("ci")
        .beginArray()
        .value(d.ci.low)
        .value(d.ci.high)
        .endArray()
        .key("wilcoxon");
    writeWilcoxon(j, w);
    j.field("significant", w.pValue < 0.05).endObject();
}

void writeModel(io::JsonWriter& j, const ComparedModel& m, const EvalRun& r) {
    j.beginObject()
        .field("model", m.name)
        .field("sha256", m.sha256)
        .field("profile", m.profile)
        .field("n", r.images.size());
    writeMetricsReportFields(j, r.summary);
    j.endObject();
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

std::string comparisonJson(const PairedComparison& c, EvalPrompt prompt, uint64_t seed, TtaMode tta,
                           const ComparedModel& modelA, const EvalRun& runA,
                           const ComparedModel& modelB, const EvalRun& runB) {
    io::JsonWriter j;
    j.beginObject()
        .field("n", c.ids.size())
        .field("prompt", evalPromptName(prompt))
        .field("tta", ttaModeName(tta))
        .field("seed", seed)
        .key("models")
        .beginArray();
    writeModel(j, modelA, runA);
    writeModel(j, modelB, runB);
    j.endArray().key("dice");
    writeDifference(j, c.dice, c.wilcoxonDice);
    j.key("iou");
    writeDifference(j, c.iou, c.wilcoxonIou);
    j.field("significant", c.significant).field("verdict", c.verdict).key("per_image").beginArray();
    for (size_t i = 0; i < c.ids.size(); ++i)
        j.beginObject()
            .field("id", c.ids[i])
            .field("dice_a", c.diceA[i])
            .field("dice_b", c.diceB[i])
            .field("iou_a", c.iouA[i])
            .field("iou_b", c.iouB[i])
            .endObject();
    j.endArray().endObject();
    return j.str();
}

std::string comparisonCsv(const PairedComparison& c) {
    std::ostringstream csv;
    csv << "id,dice_a,dice_b,iou_a,iou_b\n";
    for (size_t i = 0; i < c.ids.size(); ++i)
        csv << csvField(c.ids[i]) << "," << io::jsonNumber(c.diceA[i]) << ","
            << io::jsonNumber(c.diceB[i]) << "," << io::jsonNumber(c.iouA[i]) << ","
            << io::jsonNumber(c.iouB[i]) << "\n";
    return csv.str();
}

void writeMetricSummary(io::JsonWriter& j, const MetricSummary& s) {
    j.beginObject()
        .field("mean", s.mean)
        .field("sd", s.sd)
        .key("ci")
        .beginArray()
        .value(s.ciLow)
        .value(s.ciHigh)
        .endArray()
        .field("median", s.median)
        .field("n", s.n)
        .field("missing", s.missing)
        .endObject();
}

std::string metricSummaryJson(const MetricSummary& s) {
    io::JsonWriter j;
    writeMetricSummary(j, s);
    return j.str();
}

void writeMetricsReportFields(io::JsonWriter& j, const MetricsReport& s) {
    const std::pair<const char*, const MetricSummary*> fields[] = {
        {"dice", &s.dice},
        {"iou", &s.jaccard},
        {"thresholded_jaccard", &s.thresholdedJaccard},
        {"sensitivity", &s.sensitivity},
        {"specificity", &s.specificity},
        {"accuracy", &s.accuracy},
        {"hd95", &s.hd95Px},
    };
    for (const auto& [name, summary] : fields) {
        j.key(name);
        writeMetricSummary(j, *summary);
    }
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
