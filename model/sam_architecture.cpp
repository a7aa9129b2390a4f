#include "model/sam_architecture.h"

#include "model/model_error.h"

#include <ATen/ATen.h>

#include <regex>
#include <set>
#include <sstream>

namespace dermsam {

SamArchitecture SamArchitecture::vitB() {
    SamArchitecture a;
    a.embedDim = 768;
    a.depth = 12;
    a.numHeads = 12;
    a.mlpDim = 3072;
    a.globalAttnIndexes = {2, 5, 8, 11};
    return a;
}

SamArchitecture SamArchitecture::vitL() {
    SamArchitecture a;
    a.embedDim = 1024;
    a.depth = 24;
    a.numHeads = 16;
    a.mlpDim = 4096;
    a.globalAttnIndexes = {5, 11, 17, 23};
    return a;
}

SamArchitecture SamArchitecture::vitH() {
    SamArchitecture a;
    a.embedDim = 1280;
    a.depth = 32;
    a.numHeads = 16;
    a.mlpDim = 5120;
    a.globalAttnIndexes = {7, 15, 23, 31};
    return a;
}

SamArchitecture SamArchitecture::compact() {
    SamArchitecture a;
    a.encoder = "compact";
    a.imgSize = 256;
    a.patchSize = 4;
    a.embedDim = 64;
    a.depth = 2;
    a.numHeads = 0;
    a.windowSize = 0;
    a.mlpDim = 0;
    a.useRelPos = false;
    a.globalAttnIndexes.clear();
    return a;
}

SamArchitecture SamArchitecture::compactFromStateDict(const TensorMap& t) {
    SamArchitecture a = compact();
    a.embedDim = static_cast<int>(t.at("image_encoder.stem.3.weight").size(0));
    const std::regex blockKey(R"(^image_encoder\.stages\.0\.blocks\.(\d+)\.)");
    std::set<int> blocks;
    for (const auto& kv : t) {
        std::smatch m;
        if (std::regex_search(kv.first, m, blockKey))
            blocks.insert(std::stoi(m[1]));
    }
    a.depth = static_cast<int>(blocks.size());
    auto out = t.find("image_encoder.out.weight");
    if (out == t.end())
        throw ModelError(ErrorCode::UnknownArchitecture, {}, "compact encoder without output");
    a.outChans = static_cast<int>(out->second.size(0));
    return a;
}

SamArchitecture SamArchitecture::byName(const std::string& name) {
    if (name == "compact")
        return compact();
    if (name == "vit_b")
        return vitB();
    if (name == "vit_l")
        return vitL();
    if (name == "vit_h")
        return vitH();
    throw ModelError(ErrorCode::UnknownArchitecture, {}, "unknown architecture '" + name + "'");
}

SamArchitecture SamArchitecture::fromStateDict(const TensorMap& t) {
    auto need = [&t](const std::string& key) -> const at::Tensor& {
        auto it = t.find(key);
        if (it == t.end())
            throw ModelError(ErrorCode::UnknownArchitecture, {},
                             "not a SAM checkpoint: no tensor '" + key + "'");
        return it->second;
    };
    if (t.count("image_encoder.stem.0.weight"))
        return compactFromStateDict(t);
    SamArchitecture a;
    const at::Tensor& pos = need("image_encoder.pos_embed");
    const at::Tensor& patch = need("image_encoder.patch_embed.proj.weight");
    if (pos.dim() != 4 || patch.dim() != 4)
        throw ModelError(ErrorCode::UnknownArchitecture, {}, "unexpected encoder tensor ranks");
    a.embedDim = static_cast<int>(pos.size(3));
    a.patchSize = static_cast<int>(patch.size(2));
    const int grid = static_cast<int>(pos.size(1));
    a.imgSize = grid * a.patchSize;
    a.outChans = static_cast<int>(need("image_encoder.neck.0.weight").size(0));

    const std::regex blockKey(R"(^image_encoder\.blocks\.(\d+)\.)");
    std::set<int> blocks;
    for (const auto& kv : t) {
        std::smatch m;
        if (std::regex_search(kv.first, m, blockKey))
            blocks.insert(std::stoi(m[1]));
    }
    a.depth = static_cast<int>(blocks.size());
    if (a.depth == 0 || *blocks.rbegin() != a.depth - 1)
        throw ModelError(ErrorCode::UnknownArchitecture, {},
                         "encoder blocks are not numbered 0..N-1");
    a.mlpDim = static_cast<int>(need("image_encoder.blocks.0.mlp.lin1.weight").size(0));

    a.useRelPos = t.count("image_encoder.blocks.0.attn.rel_pos_h") > 0;
    a.globalAttnIndexes.clear();
    a.windowSize = 0;
    if (a.useRelPos) {
        const int headDim = static_cast<int>(t.at("image_encoder.blocks.0.attn.rel_pos_h").size(1));
        a.numHeads = a.embedDim / headDim;
        for (int i = 0; i < a.depth; ++i) {
            const int len = static_cast<int>(
                need("image_encoder.blocks." + std::to_string(i) + ".attn.rel_pos_h").size(0));
            const int span = (len + 1) / 2;
            if (span == grid)
                a.globalAttnIndexes.push_back(i);
            else if (a.windowSize == 0 || a.windowSize == span)
                a.windowSize = span;
            else
                throw ModelError(ErrorCode::UnknownArchitecture, {},
                                 "encoder blocks use several window sizes");
        }
    } else {
        // Without rel-pos tables the head count is not in the shapes: SAM's 64-wide heads.
        a.numHeads = std::max(1, a.embedDim / 64);
        for (int i = 0; i < a.depth; ++i)
            a.globalAttnIndexes.push_back(i);
    }
    if (a.embedDim % a.numHeads != 0)
        throw ModelError(ErrorCode::UnknownArchitecture, {}, "embed dim not divisible by heads");
    return a;
}

std::string SamArchitecture::name() const {
    const auto same = [this](const SamArchitecture& o) {
        return encoder == o.encoder && embedDim == o.embedDim && depth == o.depth &&
               numHeads == o.numHeads && globalAttnIndexes == o.globalAttnIndexes &&
               windowSize == o.windowSize && imgSize == o.imgSize;
    };
    if (same(vitB()))
        return "vit_b";
    if (same(vitL()))
        return "vit_l";
    if (same(vitH()))
        return "vit_h";
    if (encoder == "compact")
        return "compact(width " + std::to_string(embedDim) + ", depth " + std::to_string(depth) +
               ", input " + std::to_string(imgSize) + ")";
    if (encoder == "compact")
        return "compact(width " + std::to_string(embedDim) + ", depth " + std::to_string(depth) +
               ", input " + std::to_string(imgSize) + ")";
    std::ostringstream s;
    s << encoder << "(embed " << embedDim << ", depth " << depth << ", heads " << numHeads << ")";
    return s.str();
}

std::string SamArchitecture::toJson() const {
    std::ostringstream s;
    s << "{\"encoder\":\"" << encoder << "\",\"img_size\":" << imgSize
      << ",\"patch_size\":" << patchSize << ",\"embed_dim\":" << embedDim << ",\"depth\":" << depth
      << ",\"num_heads\":" << numHeads << ",\"window_size\":" << windowSize
      << ",\"mlp_dim\":" << mlpDim << ",\"out_chans\":" << outChans
      << ",\"use_rel_pos\":" << (useRelPos ? "true" : "false") << ",\"global_attn_indexes\":[";
    for (size_t i = 0; i < globalAttnIndexes.size(); ++i)
        s << (i ? "," : "") << globalAttnIndexes[i];
    s << "]}";
    return s.str();
}

} // namespace dermsam
