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

SamArchitecture SamArchitecture::liteMedSam() {
    SamArchitecture a;
    a.encoder = "tinyvit";
    a.imgSize = 256;
    a.patchSize = 4;
    a.useRelPos = false;
    a.globalAttnIndexes.clear();
    a.stemDim = 32;
    a.localConvSize = 3;
    a.stages = {{64, 2, 256, 0, 0, 256},
                {128, 2, 512, 4, 7, 128},
                {160, 6, 640, 5, 14, 64},
                {320, 2, 1280, 10, 7, 64}};
    a.embedDim = 320;
    a.depth = 12;
    a.numHeads = 10;
    a.windowSize = 7;
    a.mlpDim = 1280;
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
// TinyViT: LiteMedSAM has 4 stages of widths 64..320 with at most 6 blocks, windows of 7 and 14.
constexpr int64_t kMaxTinyVitStages = 8;
constexpr int64_t kMaxTinyVitDim = 2048;
constexpr int64_t kMaxTinyVitHidden = 4 * kMaxTinyVitDim;
constexpr int64_t kMaxTinyVitDepth = 64;
constexpr int64_t kMaxTinyVitWindow = 32;
// Elements of one stage's widest activation (resolution^2 x channels) and of one attention
// block's bias table (heads x window^4): 256 MB and 64 MB of float32. LiteMedSAM's largest are
// 2^24 (stage 0's MBConv expansion) and 192 080.
constexpr int64_t kMaxTinyVitActivation = int64_t{1} << 26;
constexpr int64_t kMaxTinyVitBias = int64_t{1} << 24;

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
    if (encoder == "tinyvit") {
        validateTinyVit();
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

void SamArchitecture::validateTinyVit() const {
    checkRange("TinyViT stage count", static_cast<int64_t>(stages.size()), 2, kMaxTinyVitStages);
    checkRange("TinyViT patch embedding width", stemDim, 1, kMaxTinyVitDim);
    checkRange("TinyViT local convolution size", localConvSize, 1, 7);
    if (localConvSize % 2 == 0)
        refuse("TinyViT local convolution size " + std::to_string(localConvSize) + " is even");
    const int grid = embeddingSize();
    int64_t res = imgSize;
    checkRange("TinyViT patch embedding activation", res * res * stemDim, 1, kMaxTinyVitActivation);
    for (size_t i = 0; i < stages.size(); ++i) {
        const TinyVitStage& s = stages[i];
        const std::string n = "TinyViT stage " + std::to_string(i) + " ";
        checkRange((n + "width").c_str(), s.dim, 1, kMaxTinyVitDim);
        checkRange((n + "depth").c_str(), s.depth, 1, kMaxTinyVitDepth);
        checkRange((n + "hidden width").c_str(), s.hidden, 1, kMaxTinyVitHidden);
        if (i == 0) {
            if (s.heads != 0 || s.window != 0)
                refuse(n + "is convolutional: no heads or window");
        } else {
            checkRange((n + "head count").c_str(), s.heads, 1, s.dim);
            if (s.dim % s.heads != 0)
                refuse(n + "width " + std::to_string(s.dim) + " is not divisible by " +
                       std::to_string(s.heads) + " heads");
            checkRange((n + "window").c_str(), s.window, 1, kMaxTinyVitWindow);
            const int64_t n2 = int64_t{s.window} * s.window;
            checkRange((n + "attention bias table").c_str(), s.heads * n2 * n2, 1, kMaxTinyVitBias);
        }
        if (s.resolution != res)
            refuse(n + "resolution " + std::to_string(s.resolution) + ", expected " +
                   std::to_string(res));
        checkRange((n + "activation").c_str(), res * res * std::max(s.dim, s.hidden), 1,
                   kMaxTinyVitActivation);
        if (i + 1 < stages.size()) {
            // The merging's first 1 x 1 convolution widens at this resolution.
            checkRange((n + "merging activation").c_str(), res * res * stages[i + 1].dim, 1,
                       kMaxTinyVitActivation);
            const int stride = tinyVitMergeStride(static_cast<int>(res), grid);
            res = (res - 1) / stride + 1; // 3 x 3 convolution, padding 1
        }
    }
    if (res != grid)
        refuse("TinyViT ends at a " + std::to_string(res) + " x " + std::to_string(res) +
               " grid; the prompt encoder and mask decoder need " + std::to_string(grid));
}

SamArchitecture SamArchitecture::tinyVitFromStateDict(const TensorMap& t) {
    // Every number below comes from an untrusted file: each is range-checked before it is
    // stored, and validate() checks them together before any shape is formed from them.
    SamArchitecture a = liteMedSam();
    a.stages.clear();
    const std::string enc = "image_encoder.";
    const at::Tensor& stem = needRank(t, enc + "patch_embed.seq.0.c.weight", 4);
    checkRange("TinyViT patch embedding width", stem.size(0), 1, kMaxTinyVitDim);
    if (stem.size(1) != 3 || stem.size(2) != 1 || stem.size(3) != 1)
        refuse("TinyViT patch embedding " + shapeText(stem.sizes()) +
               ": only LiteMedSAM's 1 x 1 one is supported");
    a.stemDim = static_cast<int>(stem.size(0));
    const int count = blockCount(t, enc + "layers.", kMaxTinyVitStages);
    checkRange("TinyViT stage count", count, 2, kMaxTinyVitStages);
    const int grid = a.embeddingSize();
    int res = a.imgSize;
    for (int i = 0; i < count; ++i) {
        const std::string layer = enc + "layers." + std::to_string(i) + ".";
        TinyVitStage s;
        s.depth = blockCount(t, layer + "blocks.", kMaxTinyVitDepth);
        if (i == 0) {
            const at::Tensor& conv1 = needRank(t, layer + "blocks.0.conv1.c.weight", 4);
            checkRange("TinyViT stage 0 width", conv1.size(1), 1, kMaxTinyVitDim);
            checkRange("TinyViT stage 0 hidden width", conv1.size(0), 1, kMaxTinyVitHidden);
            s.dim = static_cast<int>(conv1.size(1));
            s.hidden = static_cast<int>(conv1.size(0));
        } else {
            const std::string block = layer + "blocks.0.";
            const at::Tensor& qkv = needRank(t, block + "attn.qkv.weight", 2);
            const at::Tensor& biases = needRank(t, block + "attn.attention_biases", 2);
            const at::Tensor& fc1 = needRank(t, block + "mlp.fc1.weight", 2);
            checkRange("TinyViT stage width", qkv.size(1), 1, kMaxTinyVitDim);
            checkRange("TinyViT head count", biases.size(0), 1, qkv.size(1));
            checkRange("TinyViT hidden width", fc1.size(0), 1, kMaxTinyVitHidden);
            // One bias per distinct (|dy|, |dx|) of a window: window^2 of them.
            const int64_t offsets = biases.size(1);
            checkRange("TinyViT attention offsets", offsets, 1,
                       kMaxTinyVitWindow * kMaxTinyVitWindow);
            int64_t window = 1;
            while (window * window < offsets)
                ++window;
            if (window * window != offsets)
                refuse("TinyViT attention biases " + shapeText(biases.sizes()) +
                       " are not one per offset of a square window");
            s.dim = static_cast<int>(qkv.size(1));
            s.heads = static_cast<int>(biases.size(0));
            s.hidden = static_cast<int>(fc1.size(0));
            s.window = static_cast<int>(window);
            if (a.localConvSize == 0 || i == 1) {
                const at::Tensor& local = needRank(t, block + "local_conv.c.weight", 4);
                checkRange("TinyViT local convolution size", local.size(2), 1, 7);
                a.localConvSize = static_cast<int>(local.size(2));
            }
        }
        s.resolution = res;
        if (i + 1 < count)
            res = (res - 1) / tinyVitMergeStride(res, grid) + 1;
        a.stages.push_back(s);
    }
    const at::Tensor& neck = needRank(t, enc + "neck.0.weight", 4);
    checkRange("output channels", neck.size(0), 16, kMaxOutChans);
    a.outChans = static_cast<int>(neck.size(0));
    a.depth = 0;
    for (const TinyVitStage& s : a.stages)
        a.depth += s.depth;
    const TinyVitStage& last = a.stages.back();
    a.embedDim = last.dim;
    a.numHeads = last.heads;
    a.windowSize = last.window;
    a.mlpDim = last.hidden;
    a.validate();

    // The large weights, with the shapes the numbers imply: the network built cannot be larger
    // than the data the file holds.
    const int64_t k = a.localConvSize;
    needShape(t, enc + "patch_embed.seq.0.c.weight", {a.stemDim, 3, 1, 1});
    needShape(t, enc + "patch_embed.seq.2.c.weight", {a.stages[0].dim, a.stemDim, 1, 1});
    for (size_t i = 0; i < a.stages.size(); ++i) {
        const TinyVitStage& s = a.stages[i];
        const int64_t d = s.dim, h = s.hidden;
        const std::string layer = enc + "layers." + std::to_string(i) + ".";
        for (int j = 0; j < s.depth; ++j) {
            const std::string b = layer + "blocks." + std::to_string(j) + ".";
            if (i == 0) {
                needShape(t, b + "conv1.c.weight", {h, d, 1, 1});
                needShape(t, b + "conv2.c.weight", {h, 1, 3, 3});
                needShape(t, b + "conv3.c.weight", {d, h, 1, 1});
                continue;
            }
            const int64_t n = int64_t{s.window} * s.window;
            needShape(t, b + "attn.attention_biases", {s.heads, n});
            needShape(t, b + "attn.qkv.weight", {3 * d, d});
            needShape(t, b + "attn.proj.weight", {d, d});
            needShape(t, b + "mlp.fc1.weight", {h, d});
            needShape(t, b + "mlp.fc2.weight", {d, h});
            needShape(t, b + "local_conv.c.weight", {d, 1, k, k});
            // Not persistent upstream, so usually absent; when a file has it, it must index
            // this window's table.
            if (t.count(b + "attn.attention_bias_idxs"))
                needShape(t, b + "attn.attention_bias_idxs", {n, n});
        }
        if (i + 1 < a.stages.size()) {
            const int64_t o = a.stages[i + 1].dim;
            needShape(t, layer + "downsample.conv1.c.weight", {o, d, 1, 1});
            needShape(t, layer + "downsample.conv2.c.weight", {o, 1, 3, 3});
            needShape(t, layer + "downsample.conv3.c.weight", {o, o, 1, 1});
        }
    }
    needShape(t, enc + "neck.0.weight", {a.outChans, a.embedDim, 1, 1});
    needShape(t, enc + "neck.2.weight", {a.outChans, a.outChans, 3, 3});
    return a;
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
    if (name == "litemedsam")
        return liteMedSam();
    throw ModelError(ErrorCode::UnknownArchitecture, {}, "unknown architecture '" + name + "'");
}

SamArchitecture SamArchitecture::fromStateDict(const TensorMap& t) {
    if (t.count("image_encoder.stem.0.weight"))
        return compactFromStateDict(t);
    if (t.count("image_encoder.patch_embed.seq.0.c.weight"))
        return tinyVitFromStateDict(t);
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
    if (encoder == "tinyvit") {
        const SamArchitecture lite = liteMedSam();
        if (stages == lite.stages && stemDim == lite.stemDim &&
            localConvSize == lite.localConvSize && imgSize == lite.imgSize)
            return "litemedsam";
        std::ostringstream s;
        s << "tinyvit(widths";
        for (size_t i = 0; i < stages.size(); ++i)
            s << (i ? "/" : " ") << stages[i].dim;
        s << ", depths";
        for (size_t i = 0; i < stages.size(); ++i)
            s << (i ? "/" : " ") << stages[i].depth;
        s << ", input " << imgSize << ")";
        return s.str();
    }
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
    j.endArray();
    if (encoder == "tinyvit") {
        j.field("stem_dim", stemDim)
            .field("local_conv_size", localConvSize)
            .key("stages")
            .beginArray();
        for (const TinyVitStage& s : stages)
            j.beginObject()
                .field("dim", s.dim)
                .field("depth", s.depth)
                .field("hidden", s.hidden)
                .field("heads", s.heads)
                .field("window", s.window)
                .field("resolution", s.resolution)
                .endObject();
        j.endArray();
    }
    j.endObject();
    return j.str();
}

} // namespace dermsam
