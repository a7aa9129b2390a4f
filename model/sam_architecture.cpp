#include "model/sam_architecture.h"

#include "model/model_error.h"

#include "io/json_writer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

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

namespace {

// Bounds on every number read off a checkpoint's shapes. Far above the SAM family (ViT-H: embed
// 1280, depth 32, MLP 5120, input 1024, patch 16, window 14) and the built-in model (width 64,
// depth 2), and low enough that a network built from them cannot ask for more memory than a
// workstation has.
constexpr int64_t kMaxEmbedDim = 4096;
constexpr int64_t kMaxDepth = 128;
constexpr int64_t kMaxMlpDim = 4 * kMaxEmbedDim;
constexpr int64_t kMaxPatchSize = 64;
constexpr int64_t kMaxImgSize = 4096;
constexpr int64_t kMaxOutChans = 1024;
constexpr int64_t kMaxCompactWidth = 512;
constexpr int64_t kMaxCompactDepth = 32;

[[noreturn]] void refuse(const std::string& why) {
    throw ModelError(ErrorCode::UnknownArchitecture, {}, why);
}

void checkRange(const char* what, int64_t value, int64_t lo, int64_t hi) {
    if (value < lo || value > hi)
        refuse(std::string(what) + " " + std::to_string(value) + " is outside " +
               std::to_string(lo) + ".." + std::to_string(hi));
}

std::string shapeText(at::IntArrayRef s) {
    std::string out = "(";
    for (size_t i = 0; i < s.size(); ++i)
        out += (i ? ", " : "") + std::to_string(s[i]);
    return out + ")";
}

const at::Tensor& need(const TensorMap& t, const std::string& key) {
    const auto it = t.find(key);
    if (it == t.end())
        refuse("not a SAM checkpoint: no tensor '" + key + "'");
    return it->second;
}

const at::Tensor& needRank(const TensorMap& t, const std::string& key, int64_t rank) {
    const at::Tensor& x = need(t, key);
    if (x.dim() != rank)
        refuse("tensor '" + key + "' has shape " + shapeText(x.sizes()) + ", expected " +
               std::to_string(rank) + " dimensions");
    return x;
}

// The weights whose sizes dominate the network must be in the checkpoint with the shapes the
// architecture implies, so the network built cannot be larger than the data the file holds: a
// few empty tensors cannot ask for gigabytes.
void needShape(const TensorMap& t, const std::string& key, std::vector<int64_t> shape) {
    const auto it = t.find(key);
    if (it == t.end())
        throw ModelError(ErrorCode::MissingKeys, {}, "missing keys: " + key);
    if (it->second.sizes() != at::IntArrayRef(shape))
        throw ModelError(ErrorCode::ShapeMismatch, {},
                         key + ": expected " + shapeText(shape) + ", found " +
                             shapeText(it->second.sizes()));
}

// Numbers N of the keys "<prefix>N.<...>", which must run 0..count-1 with count in 1..maxCount.
// Parsed by hand: a key of a million digits must not overflow anything.
int blockCount(const TensorMap& t, const std::string& prefix, int64_t maxCount) {
    std::set<int64_t> blocks;
    for (const auto& kv : t) {
        const std::string& key = kv.first;
        if (key.compare(0, prefix.size(), prefix) != 0)
            continue;
        size_t i = prefix.size();
        int64_t n = 0;
        const size_t first = i;
        while (i < key.size() && key[i] >= '0' && key[i] <= '9') {
            if (i - first >= 6)
                refuse("block number in '" + key.substr(0, prefix.size() + 12) + "...' too large");
            n = n * 10 + (key[i] - '0');
            ++i;
        }
        if (i == first || i == key.size() || key[i] != '.')
            refuse("bad block key '" + key.substr(0, prefix.size() + 12) + "'");
        blocks.insert(n);
    }
    if (blocks.empty())
        refuse("not a SAM checkpoint: no '" + prefix + "N' blocks");
    checkRange("encoder depth", static_cast<int64_t>(blocks.size()), 1, maxCount);
    if (*blocks.rbegin() != static_cast<int64_t>(blocks.size()) - 1)
        refuse("encoder blocks are not numbered 0..N-1");
    return static_cast<int>(blocks.size());
}

} // namespace

void SamArchitecture::validate() const {
    checkRange("output channels", outChans, 16, kMaxOutChans);
    // The mask decoder splits its width over 8 heads of half width and upscales to width / 8.
    if (outChans % 16 != 0)
        refuse("output channels " + std::to_string(outChans) + " are not a multiple of 16");
    checkRange("patch size", patchSize, 1, kMaxPatchSize);
    checkRange("input size", imgSize, patchSize, kMaxImgSize);
    if (imgSize % patchSize != 0)
        refuse("input size " + std::to_string(imgSize) + " is not a multiple of the patch size " +
               std::to_string(patchSize));
    if (encoder == "compact") {
        checkRange("compact encoder width", embedDim, 2, kMaxCompactWidth);
        if (embedDim % 2 != 0)
            refuse("compact encoder width " + std::to_string(embedDim) + " is odd");
        checkRange("compact encoder depth", depth, 1, kMaxCompactDepth);
        return;
    }
    if (encoder != "vit")
        refuse("encoder '" + encoder + "'");
    checkRange("embed dim", embedDim, 1, kMaxEmbedDim);
    checkRange("depth", depth, 1, kMaxDepth);
    checkRange("MLP dim", mlpDim, 1, kMaxMlpDim);
    checkRange("head count", numHeads, 1, embedDim);
    if (embedDim % numHeads != 0)
        refuse("embed dim " + std::to_string(embedDim) + " is not divisible by " +
               std::to_string(numHeads) + " heads");
    const int grid = embeddingSize();
    if (windowSize != 0)
        checkRange("window size", windowSize, 1, grid);
    for (const int i : globalAttnIndexes)
        checkRange("global attention block", i, 0, depth - 1);
}

SamArchitecture SamArchitecture::compactFromStateDict(const TensorMap& t) {
    SamArchitecture a = compact();
    const at::Tensor& stem = needRank(t, "image_encoder.stem.3.weight", 4);
    checkRange("compact encoder width", stem.size(0), 2, kMaxCompactWidth);
    a.embedDim = static_cast<int>(stem.size(0));
    a.depth = blockCount(t, "image_encoder.stages.0.blocks.", kMaxCompactDepth);
    auto out = t.find("image_encoder.out.weight");
    if (out == t.end())
        refuse("compact encoder without output");
    if (out->second.dim() != 4)
        refuse("compact encoder output weight has shape " + shapeText(out->second.sizes()));
    checkRange("output channels", out->second.size(0), 16, kMaxOutChans);
    a.outChans = static_cast<int>(out->second.size(0));
    a.validate();

    const int64_t w = a.embedDim;
    needShape(t, "image_encoder.stem.0.weight", {w / 2, 3, 3, 3});
    needShape(t, "image_encoder.stem.3.weight", {w, w / 2, 3, 3});
    const int64_t widths[4] = {w, 2 * w, 4 * w, 4 * w};
    for (int s = 0; s < 4; ++s) {
        const std::string stage = "image_encoder.stages." + std::to_string(s) + ".";
        if (s > 0)
            needShape(t, stage + "down.weight", {widths[s], widths[s - 1], 3, 3});
        for (int j = 0; j < a.depth; ++j) {
            const std::string block = stage + "blocks." + std::to_string(j) + ".";
            needShape(t, block + "conv1.weight", {widths[s], widths[s], 3, 3});
            needShape(t, block + "conv2.weight", {widths[s], widths[s], 3, 3});
        }
    }
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
    if (t.count("image_encoder.stem.0.weight"))
        return compactFromStateDict(t);
    // Every number below comes from an untrusted file: each is range-checked before it is used,
    // and before anything divides by it.
    SamArchitecture a;
    const at::Tensor& pos = needRank(t, "image_encoder.pos_embed", 4);
    const at::Tensor& patch = needRank(t, "image_encoder.patch_embed.proj.weight", 4);
    checkRange("embed dim", pos.size(3), 1, kMaxEmbedDim);
    a.embedDim = static_cast<int>(pos.size(3));
    checkRange("patch size", patch.size(2), 1, kMaxPatchSize);
    a.patchSize = static_cast<int>(patch.size(2));
    checkRange("embedding grid", pos.size(1), 1, kMaxImgSize / a.patchSize);
    if (pos.size(2) != pos.size(1))
        refuse("positional embedding " + shapeText(pos.sizes()) + " is not square");
    const int grid = static_cast<int>(pos.size(1));
    a.imgSize = grid * a.patchSize;
    const at::Tensor& neck = needRank(t, "image_encoder.neck.0.weight", 4);
    checkRange("output channels", neck.size(0), 16, kMaxOutChans);
    a.outChans = static_cast<int>(neck.size(0));

    a.depth = blockCount(t, "image_encoder.blocks.", kMaxDepth);
    const at::Tensor& lin1 = needRank(t, "image_encoder.blocks.0.mlp.lin1.weight", 2);
    checkRange("MLP dim", lin1.size(0), 1, kMaxMlpDim);
    a.mlpDim = static_cast<int>(lin1.size(0));

    a.useRelPos = t.count("image_encoder.blocks.0.attn.rel_pos_h") > 0;
    a.globalAttnIndexes.clear();
    a.windowSize = 0;
    int64_t headDim = 0;
    if (a.useRelPos) {
        headDim = needRank(t, "image_encoder.blocks.0.attn.rel_pos_h", 2).size(1);
        checkRange("head dim", headDim, 1, a.embedDim);
        if (a.embedDim % headDim != 0)
            refuse("head dim " + std::to_string(headDim) + " does not divide embed dim " +
                   std::to_string(a.embedDim));
        a.numHeads = static_cast<int>(a.embedDim / headDim);
        for (int i = 0; i < a.depth; ++i) {
            const std::string key = "image_encoder.blocks." + std::to_string(i) + ".attn.rel_pos_h";
            const at::Tensor& rel = needRank(t, key, 2);
            // A table of 2 * span - 1 rows for a window (or the whole grid) of span tokens.
            const int64_t len = rel.size(0);
            checkRange("relative-position table length", len, 1, 2 * int64_t{grid} - 1);
            const int span = static_cast<int>((len + 1) / 2);
            if (span == grid)
                a.globalAttnIndexes.push_back(i);
            else if (a.windowSize == 0 || a.windowSize == span)
                a.windowSize = span;
            else
                refuse("encoder blocks use several window sizes");
        }
    } else {
        // Without rel-pos tables the head count is not in the shapes: SAM's 64-wide heads.
        a.numHeads = std::max(1, a.embedDim / 64);
        for (int i = 0; i < a.depth; ++i)
            a.globalAttnIndexes.push_back(i);
    }
    a.validate();

    const int64_t e = a.embedDim;
    needShape(t, "image_encoder.patch_embed.proj.weight", {e, 3, a.patchSize, a.patchSize});
    needShape(t, "image_encoder.neck.0.weight", {a.outChans, e, 1, 1});
    for (int i = 0; i < a.depth; ++i) {
        const std::string block = "image_encoder.blocks." + std::to_string(i) + ".";
        needShape(t, block + "attn.qkv.weight", {3 * e, e});
        needShape(t, block + "attn.proj.weight", {e, e});
        needShape(t, block + "mlp.lin1.weight", {a.mlpDim, e});
        needShape(t, block + "mlp.lin2.weight", {e, a.mlpDim});
    }
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
    // Through the one JSON writer: `encoder` comes from a checkpoint's metadata and is escaped.
    io::JsonWriter j;
    j.beginObject()
        .field("encoder", encoder)
        .field("img_size", imgSize)
        .field("patch_size", patchSize)
        .field("embed_dim", embedDim)
        .field("depth", depth)
        .field("num_heads", numHeads)
        .field("window_size", windowSize)
        .field("mlp_dim", mlpDim)
        .field("out_chans", outChans)
        .field("use_rel_pos", useRelPos)
        .key("global_attn_indexes")
        .beginArray();
    for (const int i : globalAttnIndexes)
        j.value(i);
    j.endArray().endObject();
    return j.str();
}

} // namespace dermsam
