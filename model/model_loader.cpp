#include "model/model_loader.h"

#include "model/model_error.h"
#include "model/sam_model.h"
#include "model/serialization/checkpoint.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

namespace dermsam {
namespace {

bool isFile(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string executableDir() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    std::string p(buf, static_cast<size_t>(n));
    return p.substr(0, p.find_last_of('/'));
}

bool hasPrefix(const TensorMap& t, const std::string& prefix) {
    for (const auto& kv : t)
        if (kv.first.rfind(prefix, 0) == 0)
            return true;
    return false;
}

} // namespace

std::string defaultModelPath() {
    const char* env = std::getenv("DERMSAM_DEFAULT_MODEL");
    if (env && *env)
        return env;
    const std::string name = "default.safetensors";
    const std::string exe = executableDir();
    // Relative to the program only, so an installed tree works under any prefix: the real
    // programs live in <prefix>/libexec/dermsam, the build tree's in build/app and build/tests
    // (the build links build/share/dermsam/models to the source's models/).
    for (const std::string& dir :
         {exe + "/../share/dermsam/models", exe + "/../../share/dermsam/models"}) {
        if (isFile(dir + "/" + name))
            return dir + "/" + name;
    }
    return {};
}

LoadedModel loadModel(const std::string& pathOrDefault, const LoadOptions& options) {
    LoadedModel out;
    out.path = pathOrDefault;
    if (pathOrDefault == "default") {
        out.path = defaultModelPath();
        out.isDefault = true;
        if (out.path.empty())
            throw ModelError(ErrorCode::FileNotFound, "default",
                             "the built-in default model is not installed");
    }
    Checkpoint ckpt = readCheckpoint(out.path);
    out.format = ckpt.format;
    out.metadata = ckpt.metadata;
    out.sha256 = rethrowAsModelError([&] { return io::fileSha256(out.path); });

    TensorMap tensors = std::move(ckpt.tensors);
    // A decoder-only checkpoint (the result of PEFT) is applied over its base model.
    if (!hasPrefix(tensors, "image_encoder.")) {
        if (options.base.empty())
            throw ModelError(ErrorCode::MissingKeys, out.path,
                             "checkpoint has no image encoder and no base model was given");
        TensorMap base = readCheckpoint(options.base).tensors;
        for (auto& kv : tensors)
            base[kv.first] = kv.second;
        tensors = std::move(base);
    }
    for (auto& kv : tensors)
        if (kv.second.scalar_type() != at::kFloat)
            kv.second = kv.second.to(at::kFloat);
    try {
        out.model = SamModel::fromStateDict(tensors);
    } catch (const ModelError& e) {
        throw ModelError(e.code(), out.path, e.detail());
    }

    if (options.profile)
        out.profile = *options.profile;
    else if (out.metadata.count("profile"))
        out.profile = profileFromName(out.metadata.at("profile"));
    else
        // A .pth carries no metadata: the profile its encoder was made for (a TinyViT checkpoint
        // is LiteMedSAM's, a compact one DermSAM's own, as `convert` writes them).
        out.profile = defaultProfileFor(out.model->architecture());
    return out;
}

} // namespace dermsam
