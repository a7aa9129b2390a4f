#include "app/cli/cli_model_args.h"

#include "model/device.h"
#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/serialization/npy_dataset.h"

#include <sys/stat.h>

namespace dermsam::cli {

LoadedModel loadModelFromArgs(const Args& args) {
    LoadOptions options;
    if (args.has("profile"))
        options.profile = profileFromName(args.value("profile"));
    options.base = args.valueOr("base", "");
    return loadModel(args.value("model"), options);
}

bool onOffArg(const Args& args, const std::string& key, bool fallback) {
    if (!args.has(key))
        return fallback;
    const std::string v = args.value(key);
    if (v != "on" && v != "off")
        throw UsageError("--" + key + " takes on or off, not '" + v + "'");
    return v == "on";
}

void placeModel(const Args& args, SamModel& model, const c10::Device& device) {
    const c10::ScalarType dtype = resolveDtype(args.valueOr("precision", "float32"), device);
    const bool tf32 = onOffArg(args, "tf32", false);
    if (device.is_cuda())
        configureCuda(tf32);
    model.to(device, dtype);
}

void checkPlacementArgs(const Args& args) {
    const c10::Device device = resolveDevice(args.valueOr("device", "auto"));
    resolveDtype(args.valueOr("precision", "float32"), device);
    onOffArg(args, "tf32", false);
}

LoadedModel loadModelOnDevice(const Args& args) {
    configureThreads(args.intValue("threads", 0));
    const c10::Device device = resolveDevice(args.valueOr("device", "auto"));
    LoadedModel m = loadModelFromArgs(args);
    placeModel(args, *m.model, device);
    return m;
}

Prompts parsePromptArgs(const Args& args) {
    Prompts p;
    for (const std::string& b : args.values("box")) {
        const auto v = parseNumberList(b, 4, "--box");
        p.boxes.push_back({static_cast<float>(v[0]), static_cast<float>(v[1]),
                           static_cast<float>(v[2]), static_cast<float>(v[3])});
    }
    for (const std::string& s : args.values("point")) {
        const auto v = parseNumberList(s, 3, "--point");
        if (v[2] != 0 && v[2] != 1)
            throw UsageError("--point label must be 1 (foreground) or 0 (background)");
        p.points.push_back(
            {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<int>(v[2])});
    }
    p.multimask = args.flag("multimask");
    return p;
}

PairSource openPairs(const std::string& dataDir, const std::string& splitFile,
                     const std::string& splitName, size_t limit) {
    std::vector<std::string> ids = listNpyDataset(dataDir);
    if (ids.empty()) {
#ifdef DERMSAM_MODEL_ONLY
        throw UsageError("'" + dataDir +
                         "' is not a MedSAM npy dataset (imgs/*.npy + gts/*.npy); "
                         "the headless build reads only that layout");
#else
        return openCorePairs(dataDir, splitFile, splitName, limit);
#endif
    }
    if (!splitName.empty()) {
        std::string file = splitFile;
        struct stat st {};
        if (file.empty() && ::stat((dataDir + "/splits.txt").c_str(), &st) == 0)
            file = dataDir + "/splits.txt";
        if (file.empty())
            throw UsageError("no split file: pass --split FILE (lines 'id train|val|test')");
        const auto splits = readSplitFile(file);
        std::vector<std::string> kept;
        for (const auto& id : ids) {
            auto it = splits.find(id);
            if (it != splits.end() && it->second == splitName)
                kept.push_back(id);
        }
        ids = std::move(kept);
    }
    if (limit > 0 && ids.size() > limit)
        ids.resize(limit);
    PairSource src;
    src.count = ids.size();
    src.load = [dataDir, ids](size_t i) { return readNpyPair(dataDir, ids.at(i)); };
    return src;
}

} // namespace dermsam::cli
