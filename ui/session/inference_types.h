#pragma once

#include "model/prompts.h"

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <vector>

namespace dermsam {

// Value types that cross between the GUI thread and the inference worker (queued signals).
// Free of Torch so every ui header can use them.

// Which model to load: a checkpoint path (empty = the built-in default model), the
// preprocessing profile ("" = the checkpoint's own, "medsam", "sam"), the device ("auto",
// "cpu", "cuda") and the number of intra-op threads (0 = all cores).
struct ModelSpec {
    QString checkpoint;
    QString profile;
    QString device = QStringLiteral("auto");
    QString precision = QStringLiteral("float32"); // AppSettings::precision
    int threads = 0;
};

// Where the worker keeps image embeddings on disk, so an image seen before (this session or
// another) skips the encoder. dir: the viewer's own cache, pruned to limitBytes (least recently
// used first); empty = no disk cache. readDirs: other caches looked up as well (the command
// line's), never written to or pruned. Only models loaded from a file take part: the key
// includes the checkpoint's hash.
struct EmbeddingCacheSpec {
    QString dir;
    QStringList readDirs;
    qint64 limitBytes = 0;
};

// What the worker reports once a model is ready.
struct ModelInfo {
    QString name;         // file name or a label such as "test model"
    QString path;         // resolved checkpoint path; empty for an injected model
    QString sha256;       // of the checkpoint file; keys sidecars
    QString profile;      // "medsam", "sam", "compact" or "litemedsam"
    QString device;       // "cpu", "cuda:0", ...
    QString precision;    // what the model runs in: "float32", "tf32", "bfloat16", "float16"
    QString architecture; // "vit_b", ...
    // The image encoder as `dermsam-cli info` names it: "vit_b", "compact",
    // "tinyvit (LiteMedSAM)", ...
    QString encoder;
    int threads = 0;
    int encoderBlocks = 0; // encoder blocks a heatmap can target
    // Where Auto starts for this model: its checkpoint's "auto_start" metadata ("frame",
    // "point" or both); empty = the centre click (core/auto_segment.h).
    QString autoStart;
};

// One prompt set for one image. The mask prompt (optional, Grayscale8 0/255 at the image size)
// feeds an edited mask back to the decoder ("refine"). automatic: no prompt at all, the worker
// finds the main lesion itself (core/auto_segment); prompts and maskPrompt are ignored.
struct MaskRequest {
    quint64 requestId = 0;
    quint64 imageId = 0;
    Prompts prompts;
    QImage maskPrompt;
    bool automatic = false;
    // A heatmap request: the decoder that made the mask it explains (MaskResponse::head).
    DecoderHead head = DecoderHead::Main;
};

struct MaskCandidate {
    QImage mask; // Format_Grayscale8, 0 or 255, original image size
    float iou = 0.0f;
};

struct MaskResponse {
    quint64 requestId = 0;
    quint64 imageId = 0;
    Prompts prompts; // for an automatic request: the box the mask came from
    bool refined = false;
    bool automatic = false;
    DecoderHead head = DecoderHead::Main; // the decoder of the masks (Auto: the Auto decoder)
    // Three for point prompts, else one; none when an automatic request found no lesion.
    std::vector<MaskCandidate> candidates;
    double decodeMs = 0.0;
};

// A failure the UI turns into a translated sentence: kind says what failed, code is the
// machine-readable reason (ModelError / CoreError code name), path and detail for the log.
struct InferenceError {
    enum class Kind { NoModel, ModelLoad, Encode, Decode };
    Kind kind = Kind::Decode;
    quint64 requestId = 0;
    QString code;
    QString path;
    QString detail;
};

enum class InferenceStage { Idle, LoadingModel, Encoding, Decoding };

} // namespace dermsam

Q_DECLARE_METATYPE(dermsam::ModelSpec)
Q_DECLARE_METATYPE(dermsam::EmbeddingCacheSpec)
Q_DECLARE_METATYPE(dermsam::ModelInfo)
Q_DECLARE_METATYPE(dermsam::MaskRequest)
Q_DECLARE_METATYPE(dermsam::MaskResponse)
Q_DECLARE_METATYPE(dermsam::InferenceError)
Q_DECLARE_METATYPE(dermsam::InferenceStage)
