// Commands over dataset folders: evaluation and paired comparison of models.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "app/cli/cli_eval.h"
#include "app/cli/cli_model_args.h"
#include "io/json_writer.h"

#include "core/comparison.h"
#include "core/core_error.h"
#include "core/dataset.h"
#include "core/dataset_split.h"
#include "core/evaluation.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "core/statistics.h"
#include "core/training_pairs.h"
#include "io/atomic_file.h"
#include "io/files.h"
#include "model/device.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace dermsam::cli {

namespace {

bool fileExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The items of one split ("" = all), problems of the scan listed on stderr.
std::vector<DatasetItem> selectItems(const std::string& dataDir, const std::string& splitFile,
                                     const std::string& splitName, size_t limit, bool validate) {
    const Dataset ds = scanDataset(dataDir, DatasetLayout::Auto, validate);
    for (const DatasetProblem& p : ds.problems)
        std::fprintf(stderr, "skipped %s (%s): %s%s%s\n", p.id.c_str(), problemKindName(p.kind),
                     p.path.c_str(), p.detail.empty() ? "" : ": ", p.detail.c_str());
    std::vector<DatasetItem> items = ds.items;
    if (!splitName.empty()) {
        SplitName which = SplitName::Test;
        if (!splitNameFromString(splitName, which))
            throw UsageError("unknown split '" + splitName + "' (train, val or test)");
        std::string file = splitFile;
        if (file.empty() && fileExists(dataDir + "/splits.txt"))
            file = dataDir + "/splits.txt";
        if (!file.empty()) {
            const DatasetSplit split = applySplitFile(ds, loadSplitFile(file));
            if (!split.unknownIds.empty())
                std::fprintf(stderr, "%zu ids of %s are not in the dataset\n",
                             split.unknownIds.size(), file.c_str());
            items = split.items(which);
        } else {
            std::fprintf(stderr, "no split file: seeded random split 80/10/10 (seed 42)\n");
            items = randomSplit(ds, 0.8, 0.1, 0.1, 42).items(which);
        }
    }
    if (limit > 0 && items.size() > limit)
        items.resize(limit);
    return items;
}

struct SplitChoice {
    std::string file;
    std::string name; // "" = the whole dataset
};

// --split FILE:NAME, --split FILE [--split-name NAME] (default test), or --split-name NAME
// alone (the dataset's own splits.txt).
SplitChoice splitFromArgs(const Args& args) {
    SplitChoice c;
    if (args.has("split")) {
        const std::string v = args.value("split");
        const auto colon = v.rfind(':');
        SplitName dummy;
        if (colon != std::string::npos && splitNameFromString(v.substr(colon + 1), dummy)) {
            c.file = v.substr(0, colon);
            c.name = v.substr(colon + 1);
        } else {
            c.file = v;
            c.name = "test";
        }
        if (c.file.empty())
            throw UsageError("--split needs a file: --split FILE:NAME");
    }
    if (args.has("split-name"))
        c.name = args.value("split-name");
    return c;
}

EvalPrompt promptFromArgs(const Args& args) {
    EvalPrompt p = EvalPrompt::Box;
    const std::string name = args.valueOr("prompt", "box");
    if (!evalPromptFromName(name, p))
        throw UsageError("unknown --prompt '" + name + "' (box, jitter, center or auto)");
    return p;
}

std::string promptText(const Prompts& p) {
    char buf[128];
    if (!p.boxes.empty()) {
        const BoxPrompt& b = p.boxes.front();
        std::snprintf(buf, sizeof buf, "box %.2f,%.2f,%.2f,%.2f", b.x0, b.y0, b.x1, b.y1);
    } else if (!p.points.empty()) {
        std::snprintf(buf, sizeof buf, "point %.2f,%.2f,%d", p.points[0].x, p.points[0].y,
                      p.points[0].label);
    } else {
        buf[0] = '\0';
    }
    return buf;
}

void writePrompt(io::JsonWriter& j, const Prompts& p) {
    j.beginObject();
    if (!p.boxes.empty()) {
        const BoxPrompt& b = p.boxes.front();
        j.key("box").beginArray().value(b.x0).value(b.y0).value(b.x1).value(b.y1).endArray();
    } else if (!p.points.empty()) {
        j.key("point")
            .beginArray()
            .value(p.points[0].x)
            .value(p.points[0].y)
            .value(p.points[0].label)
            .endArray();
    }
    j.endObject();
}

void writeImage(io::JsonWriter& j, const EvalImageResult& r) {
    const ImageMetrics& m = r.metrics;
    j.beginObject()
        .field("id", m.id)
        .field("dice", m.dice)
        .field("iou", m.jaccard)
        .field("thresholded_jaccard", m.thresholdedJaccard)
        .field("sensitivity", m.sensitivity)
        .field("specificity", m.specificity)
        .field("accuracy", m.accuracy)
        .field("hd95", m.hd95Px)
        .field("hd95_mm", m.hd95Mm)
        .field("predicted_iou", r.predictedIou)
        .key("prompt");
    writePrompt(j, r.prompt);
    j.endObject();
}

std::string evalJson(const EvalRun& run, const LoadedModel& m, EvalPrompt prompt, uint64_t seed,
                     TtaMode tta, const AutoOptions& autoOptions) {
    io::JsonWriter j;
    j.beginObject()
        .field("n", run.images.size())
        .field("model", m.isDefault ? std::string("default") : m.path)
        .field("sha256", m.sha256)
        .field("profile", profileName(m.profile))
        .field("prompt", evalPromptName(prompt));
    if (prompt == EvalPrompt::Auto)
        j.field("auto_start", autoStartsText(withModelStarts(autoOptions, m.metadata).starts));
    j.field("tta", ttaModeName(tta)).field("seed", seed).field("skipped", run.skipped.size());
    writeMetricsReportFields(j, run.summary);
    j.key("per_image").beginArray();
    for (const EvalImageResult& r : run.images)
        writeImage(j, r);
    j.endArray().endObject();
    return j.str();
}

// Atomic (temporary + rename), like every file the CLI writes: a kill mid-write leaves the old
// report or none, never half of one.
void writeText(const std::string& path, const std::string& text) {
    io::writeFileAtomically(path, text);
}

// R -> R.csv + R.json (an extension on R is dropped).
std::string reportBase(const std::string& r) {
    for (const char* ext : {".json", ".csv"}) {
        const std::string e = ext;
        if (r.size() > e.size() && r.compare(r.size() - e.size(), e.size(), e) == 0)
            return r.substr(0, r.size() - e.size());
    }
    return r;
}

std::string evalCsv(const EvalRun& run) {
    std::ostringstream out;
    out << "id,dice,iou,thresholded_jaccard,sensitivity,specificity,accuracy,hd95_px,hd95_mm,"
           "predicted_iou,prompt\n";
    for (const auto& r : run.images) {
        const ImageMetrics& m = r.metrics;
        out << csvField(m.id) << "," << io::jsonNumber(m.dice) << "," << io::jsonNumber(m.jaccard)
            << "," << io::jsonNumber(m.thresholdedJaccard) << "," << io::jsonNumber(m.sensitivity)
            << "," << io::jsonNumber(m.specificity) << "," << io::jsonNumber(m.accuracy) << ","
            << io::jsonNumber(m.hd95Px) << "," << io::jsonNumber(m.hd95Mm) << ","
            << io::jsonNumber(r.predictedIou) << "," << csvField(promptText(r.prompt)) << "\n";
    }
    return out.str();
}

LoadedModel loadOne(const Args& args, const std::string& pathOrDefault, const c10::Device& device) {
    LoadOptions options;
    if (args.has("profile"))
        options.profile = profileFromName(args.value("profile"));
    options.base = args.valueOr("base", "");
    LoadedModel m = loadModel(pathOrDefault, options);
    placeModel(args, *m.model, device);
    return m;
}

EvalRun evaluate(const LoadedModel& m, const std::vector<DatasetItem>& items,
                 const EvalOptions& options, const std::string& label) {
    const Predictor predictor(m.model, m.profile);
    EvalCallbacks cb;
    cb.progress = [&label](size_t done, size_t total, const std::string& id) {
        std::fprintf(stderr, "%s%zu/%zu %s\n", label.c_str(), done, total, id.c_str());
    };
    cb.skipped = [](const EvalSkip& s) {
        std::fprintf(stderr, "skipped %s (%s): %s\n", s.id.c_str(), s.reason.c_str(),
                     s.path.c_str());
    };
    // Each model's own Auto start unless --auto-start chose one (compare runs two models).
    EvalOptions own = options;
    own.autoOptions = withModelStarts(options.autoOptions, m.metadata);
    return runEvaluation(predictor, m.sha256, items, own, cb);
}

void printSummary(const char* name, const MetricSummary& s) {
    std::printf("  %-20s %.4f +/- %.4f (95%% CI %.4f-%.4f)\n", name, s.mean, s.sd, s.ciLow,
                s.ciHigh);
}

// eval and compare take the same options (compare's --model twice): one list, so an option
// added to one is never missing from the other.
const std::vector<std::string> kEvalOptions = {
    "model",       "data",        "split",          "split-name",  "prompt",
    "seed",        "json",        "report",         "limit",       "device",
    "precision",   "tf32",        "threads",        "cache",       "no-cache",
    "profile",     "base",        "max-megapixels", "tta",         "auto-iterations",
    "auto-margin", "auto-centre", "auto-largest",   "auto-expand", "auto-start"};

int runEval(const std::vector<std::string>& argv) {
    const Args args(argv, {"json", "no-cache"});
    args.allowOnly(kEvalOptions);
    const EvalPrompt prompt = promptFromArgs(args);
    const std::string data = args.value("data");
    const SplitChoice split = splitFromArgs(args);
    const int limit = args.intValue("limit", 0);
    if (limit < 0)
        throw UsageError("--limit must be zero (all) or positive");
    configureThreads(args.intValue("threads", 0));
    const c10::Device device = resolveDevice(args.valueOr("device", "auto"));
    const LoadedModel m = loadOne(args, args.value("model"), device);

    const std::vector<DatasetItem> items =
        selectItems(data, split.file, split.name, static_cast<size_t>(limit), false);
    if (items.empty())
        throw UsageError("no image/mask pairs to evaluate in '" + data + "'" +
                         (split.name.empty() ? "" : " (split " + split.name + ")"));
    EvalOptions options;
    options.prompt = prompt;
    options.seed = static_cast<uint64_t>(args.intValue("seed", 0));
    options.cacheDir = cacheDirFromArgs(args);
    options.imageLimits = imageLimitsFromArgs(args);
    options.tta = ttaFromArgs(args, m.profile);
    options.autoOptions = autoOptionsFromArgs(args);
    const EvalRun run = evaluate(m, items, options, "");
    if (run.images.empty())
        throw UsageError("every pair was skipped: nothing evaluated");
    std::fprintf(stderr, "%zu images evaluated, %zu skipped, %zu embeddings from the cache\n",
                 run.images.size(), run.skipped.size(), run.cacheHits);

    const std::string json =
        evalJson(run, m, prompt, options.seed, options.tta, options.autoOptions);
    if (args.has("report")) {
        const std::string base = reportBase(args.value("report"));
        writeText(base + ".json", json + "\n");
        writeText(base + ".csv", evalCsv(run));
    }
    if (args.flag("json")) {
        std::printf("%s\n", json.c_str());
        return 0;
    }
    std::printf("%zu images, prompt %s, tta %s, model %s\n", run.images.size(),
                evalPromptName(prompt), ttaModeName(options.tta),
                m.isDefault ? "default" : m.path.c_str());
    printSummary("Dice", run.summary.dice);
    printSummary("IoU", run.summary.jaccard);
    printSummary("thresholded Jaccard", run.summary.thresholdedJaccard);
    printSummary("sensitivity", run.summary.sensitivity);
    printSummary("specificity", run.summary.specificity);
    printSummary("HD95 (px)", run.summary.hd95Px);
    return 0;
}

int runCompare(const std::vector<std::string>& argv) {
    const Args args(argv, {"json", "no-cache"});
    args.allowOnly(kEvalOptions);
    const std::vector<std::string> models = args.values("model");
    if (models.size() != 2)
        throw UsageError("compare needs exactly two --model options (A, then B)");
    const EvalPrompt prompt = promptFromArgs(args);
    const std::string data = args.value("data");
    const SplitChoice split = splitFromArgs(args);
    const int limit = args.intValue("limit", 0);
    if (limit < 0)
        throw UsageError("--limit must be zero (all) or positive");
    configureThreads(args.intValue("threads", 0));
    const c10::Device device = resolveDevice(args.valueOr("device", "auto"));
    const LoadedModel a = loadOne(args, models[0], device);
    const LoadedModel b = loadOne(args, models[1], device);

    const std::vector<DatasetItem> items =
        selectItems(data, split.file, split.name, static_cast<size_t>(limit), false);
    if (items.empty())
        throw UsageError("no image/mask pairs to evaluate in '" + data + "'");
    EvalOptions options;
    options.prompt = prompt;
    options.seed = static_cast<uint64_t>(args.intValue("seed", 0));
    options.cacheDir = cacheDirFromArgs(args);
    options.imageLimits = imageLimitsFromArgs(args);
    options.tta = ttaFromArgs(args, a.profile);
    ttaFromArgs(args, b.profile);
    options.autoOptions = autoOptionsFromArgs(args);
    const EvalRun runA = evaluate(a, items, options, "A ");
    const EvalRun runB = evaluate(b, items, options, "B ");

    const PairedComparison c = compareRuns(runA, runB);
    if (c.ids.empty())
        throw UsageError("no image was scored by both models");
    const WilcoxonResult& wDice = c.wilcoxonDice;
    const WilcoxonResult& wIou = c.wilcoxonIou;
    const PairedDifference& dDice = c.dice;
    const PairedDifference& dIou = c.iou;
    const auto named = [](const LoadedModel& m) {
        return ComparedModel{m.isDefault ? "default" : m.path, m.sha256, profileName(m.profile)};
    };
    const std::string j =
        comparisonJson(c, prompt, options.seed, options.tta, named(a), runA, named(b), runB);
    if (args.has("report")) {
        const std::string base = reportBase(args.value("report"));
        writeText(base + ".json", j + "\n");
        writeText(base + ".csv", comparisonCsv(c));
    }
    if (args.flag("json")) {
        std::printf("%s\n", j.c_str());
        return 0;
    }
    std::printf("%zu paired images, prompt %s\n", c.ids.size(), evalPromptName(prompt));
    std::printf("A: %s\n", models[0].c_str());
    printSummary("Dice", runA.summary.dice);
    printSummary("IoU", runA.summary.jaccard);
    std::printf("B: %s\n", models[1].c_str());
    printSummary("Dice", runB.summary.dice);
    printSummary("IoU", runB.summary.jaccard);
    std::printf("Dice B - A: %+.4f (95%% CI %+.4f to %+.4f); Wilcoxon (%s) n = %d, zeros = %d, "
                "W+ = %.1f, p = %.4g\n",
                dDice.meanDifference, dDice.ci.low, dDice.ci.high, wilcoxonMethodName(wDice.method),
                wDice.n, wDice.zeros, wDice.wPlus, wDice.pValue);
    std::printf("IoU B - A: %+.4f (95%% CI %+.4f to %+.4f); Wilcoxon (%s) n = %d, p = %.4g\n",
                dIou.meanDifference, dIou.ci.low, dIou.ci.high, wilcoxonMethodName(wIou.method),
                wIou.n, wIou.pValue);
    std::printf("%s\n", c.verdict.c_str());
    return 0;
}

} // namespace

std::string cacheDirFromArgs(const Args& args) {
    if (args.flag("no-cache"))
        return {};
    if (args.has("cache"))
        return args.value("cache");
    return defaultEmbeddingCacheDir();
}

ImageLimits imageLimitsFromArgs(const Args& args) {
    if (!args.has("max-megapixels"))
        return ImageLimits{};
    const double megapixels = args.doubleValue("max-megapixels", 0);
    // The upper bound keeps megapixels x 10^6 far inside int64.
    if (!(megapixels > 0 && megapixels <= 1e6))
        throw UsageError("--max-megapixels must lie in (0, 1000000]");
    return ImageLimits::withMegapixels(megapixels);
}

TtaMode ttaFromArgs(const Args& args, PreprocessProfile profile) {
    TtaMode tta = kDefaultTta;
    const std::string name = args.valueOr("tta", ttaModeName(kDefaultTta));
    if (!ttaModeFromName(name, tta))
        throw UsageError("unknown --tta '" + name + "' (off, hflip, flips or d4)");
    if (tta != TtaMode::Off && !ttaSupported(profile)) {
        // Asked for explicitly: say why it cannot be done. By default: the plain model.
        if (args.has("tta"))
            throw UsageError("--tta needs a profile without padding (compact or medsam), not " +
                             profileName(profile));
        tta = TtaMode::Off;
    }
    return tta;
}

AutoOptions autoOptionsFromArgs(const Args& args) {
    AutoOptions o;
    o.iterations = args.intValue("auto-iterations", o.iterations);
    if (o.iterations < 0 || o.iterations > 10)
        throw UsageError("--auto-iterations must lie in 0..10");
    o.margin = args.doubleValue("auto-margin", o.margin);
    if (!(o.margin >= 0 && o.margin < 0.45))
        throw UsageError("--auto-margin must lie in [0, 0.45)");
    o.centrePoint = onOffArg(args, "auto-centre", o.centrePoint);
    o.largestOnly = onOffArg(args, "auto-largest", o.largestOnly);
    o.expand = args.doubleValue("auto-expand", o.expand);
    if (!(o.expand >= 0 && o.expand <= 1))
        throw UsageError("--auto-expand must lie in [0, 1]");
    if (args.has("auto-start")) {
        o.starts.clear();
        std::stringstream list(args.value("auto-start"));
        for (std::string name; std::getline(list, name, ',');) {
            AutoStart start;
            if (!autoStartFromName(name, start))
                throw UsageError("unknown --auto-start '" + name + "' (frame, point)");
            o.starts.push_back(start);
        }
        if (o.starts.empty())
            throw UsageError("--auto-start needs frame, point or both");
    }
    return o;
}

PairSource openCorePairs(const std::string& dataDir, const std::string& splitFile,
                         const std::string& splitName, size_t limit) {
    // validate: unreadable, mismatched or empty pairs are left out here rather than failing
    // in the middle of a training run.
    return trainingPairs(selectItems(dataDir, splitFile, splitName, limit, true));
}

void registerDataCommands(CommandTable& table) {
    table["eval"] = {runEval, "score a model on a dataset (Dice, IoU, HD95, ...) from GT prompts"};
    table["compare"] = {runCompare,
                        "two models on the same images: summaries and a paired Wilcoxon test"};
}

} // namespace dermsam::cli
