#include "app/cli/cli_model_args.h"

namespace dermsam::cli {

LoadedModel loadModelFromArgs(const Args& args) {
    LoadOptions options;
    if (args.has("profile"))
        options.profile = profileFromName(args.value("profile"));
    options.base = args.valueOr("base", "");
    return loadModel(args.value("model"), options);
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

} // namespace dermsam::cli
