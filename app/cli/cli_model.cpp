// Commands that need only LibTorch: they also exist in the headless GPU build.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "app/cli/cli_model_args.h"
#include "io/files.h"
#include "io/json_writer.h"

#include "model/cpu_threading.h"
#include "model/cuda_graph.h"
#include "model/device.h"
#include "model/fast_gelu.h"
#include "model/finetune_job.h"
#include "model/gradcam.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/serialization/npy.h"
#include "model/trainer.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
#include <sys/stat.h>

namespace dermsam::cli {
namespace {

// What a .pth leaves out of this model: "the Auto decoder", "the Auto and Refine decoders";
// empty when the model has neither.
std::string extraDecoders(const SamModel& model) {
    if (model.hasAutoDecoder() && model.hasRefineDecoder())
        return "the Auto and Refine decoders";
    if (model.hasAutoDecoder())
        return "the Auto decoder";
    if (model.hasRefineDecoder())
        return "the Refine decoder";
    return {};
}

// --photo WxH: the photo of the pipeline timings, 1 to 20000 px a side.
std::pair<int, int> photoSizeArg(const std::string& v) {
    const auto x = v.find('x');
    int w = 0, h = 0;
    try {
        if (x != std::string::npos) {
            size_t used = 0;
            w = std::stoi(v.substr(0, x), &used);
            if (used != x)
                w = 0;
            const std::string hs = v.substr(x + 1);
            h = std::stoi(hs, &used);
            if (used != hs.size())
                h = 0;
        }
    } catch (const std::exception&) {
        w = h = 0;
    }
    if (w < 1 || h < 1 || w > 20000 || h > 20000)
        throw UsageError("--photo must be WIDTHxHEIGHT, 1 to 20000 pixels a side (got '" + v +
                         "')");
    return {w, h};
}

// The CPU runtime settings this process runs under (model/cpu_threading.h), null when unset:
// a benchmark's figures depend on them.
void writeCpuEnv(io::JsonWriter& j) {
    j.beginObject();
    for (const char* name : kCpuEnvVariables)
        j.field(name, std::getenv(name)); // null when unset
    // What took effect: OpenBLAS's kernels (null when the BLAS is another) and the SSE modes.
    const BlasCpu cpu = probeBlasCpu();
    j.field("blas_core", cpu.openBlasCore.empty() ? nullptr : cpu.openBlasCore.c_str());
    j.field("flush_denormals", flushesDenormals());
    j.field("gelu_kernel", geluKernelName()); // model/fast_gelu.h, chosen by the CPU
    j.endObject();
}

double peakRssMb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0; // Linux reports KiB
}

void synchronize(const c10::Device& d) {
    if (d.is_cuda())
        torch::cuda::synchronize(d.index());
}

struct Stats {
    double median = 0, min = 0, max = 0;
};

Stats summarize(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    Stats s;
    if (v.empty())
        return s;
    s.min = v.front();
    s.max = v.back();
    const size_t n = v.size();
    s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return s;
}

void writeStats(io::JsonWriter& j, const Stats& s) {
    j.beginObject().field("median", s.median).field("min", s.min).field("max", s.max).endObject();
}

int runInfo(const std::vector<std::string>& argv) {
    const Args args(argv, {"json"});
    args.allowOnly({"model", "json", "profile", "base"});
    const LoadedModel m = loadModelFromArgs(args);
    const SamArchitecture& a = m.model->architecture();
    const int64_t total = m.model->parameterCount();
    const int64_t enc = m.model->parameterCount("image_encoder");
    const int64_t prm = m.model->parameterCount("prompt_encoder");
    const int64_t dec = m.model->parameterCount("mask_decoder");
    const int64_t autoDec = m.model->parameterCount(std::string(kAutoDecoderModule));
    const int64_t refineDec = m.model->parameterCount(std::string(kRefineDecoderModule));
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject()
            .field("path", m.path)
            .field("sha256", m.sha256)
            .field("format", m.format)
            .key("architecture")
            .raw(a.toJson())
            .field("name", a.name())
            .field("profile", profileName(m.profile))
            .key("parameters")
            .beginObject()
            .field("total", total)
            .field("image_encoder", enc)
            .field("prompt_encoder", prm)
            .field("mask_decoder", dec)
            .field("auto_decoder", autoDec)
            .field("refine_decoder", refineDec)
            .endObject()
            .endObject();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    std::printf("model:          %s\n", m.path.c_str());
    std::printf("sha256:         %s\n", m.sha256.c_str());
    std::printf("format:         %s\n", m.format.c_str());
    if (a.encoder == "tinyvit") {
        // Per stage: the numbers differ from one stage to the next.
        std::string widths, depths, heads, windows;
        for (size_t i = 0; i < a.stages.size(); ++i) {
            const char* sep = i ? "/" : "";
            widths += sep + std::to_string(a.stages[i].dim);
            depths += sep + std::to_string(a.stages[i].depth);
            heads += sep + std::to_string(a.stages[i].heads);
            windows += sep + std::to_string(a.stages[i].window);
        }
        std::printf("architecture:   tinyvit%s (widths %s, depths %s, heads %s, windows %s, "
                    "input %d)\n",
                    a.name() == "litemedsam" ? " (LiteMedSAM)" : "", widths.c_str(), depths.c_str(),
                    heads.c_str(), windows.c_str(), a.imgSize);
    } else {
        std::printf("architecture:   %s (embed %d, depth %d, heads %d, window %d, input %d)\n",
                    a.name().c_str(), a.embedDim, a.depth, a.numHeads, a.windowSize, a.imgSize);
    }
    std::printf("profile:        %s\n", profileName(m.profile).c_str());
    std::string extra;
    if (autoDec > 0)
        extra += ", Auto decoder " + std::to_string(autoDec);
    if (refineDec > 0)
        extra += ", Refine decoder " + std::to_string(refineDec);
    std::printf("parameters:     %lld (image encoder %lld, prompt encoder %lld, mask decoder "
                "%lld%s)\n",
                static_cast<long long>(total), static_cast<long long>(enc),
                static_cast<long long>(prm), static_cast<long long>(dec), extra.c_str());
    return 0;
}

int runForward(const std::vector<std::string>& argv) {
    const Args args(argv, {"multimask"});
    args.allowOnly({"model", "input", "box", "point", "mask-input", "multimask", "out-dir",
                    "device", "base", "threads", "tf32"});
    configureThreads(args.intValue("threads", 0));
    const c10::Device device = resolveDevice(args.valueOr("device", "cpu"));
    // Off by default: forward is the command that reproduces the reference number for number.
    if (device.is_cuda())
        configureCuda(onOffArg(args, "tf32", false));
    LoadedModel m = loadModelFromArgs(args);
    m.model->to(device);
    const Prompts prompts = parsePromptArgs(args);
    at::Tensor maskInput;
    if (args.has("mask-input"))
        maskInput = readNpy(args.value("mask-input")).to(at::kFloat);
    if (prompts.empty() && !maskInput.defined())
        throw UsageError("forward needs at least one --box, --point or --mask-input");
    const std::string outDir = args.value("out-dir");
    io::makeDirectories(outDir);

    const at::Tensor input = readNpy(args.value("input")).to(at::kFloat);
    c10::InferenceMode guard;
    const at::Tensor embedding = m.model->encode(input);
    const DecoderOutput out = m.model->decode(embedding, prompts, maskInput);
    writeNpy(outDir + "/image_embedding.npy", embedding.to(at::kCPU, at::kFloat));
    writeNpy(outDir + "/low_res_logits.npy", out.lowResLogits.to(at::kCPU, at::kFloat));
    writeNpy(outDir + "/iou_predictions.npy", out.iouPredictions.to(at::kCPU, at::kFloat));
    return 0;
}

int runBench(const std::vector<std::string>& argv) {
    const Args args(argv, {"json"});
    args.allowOnly({"model", "arch", "device", "threads", "json", "repeats", "precision", "profile",
                    "base", "tf32", "train-batch", "data-on-device", "graphs", "photo"});
    const auto [photoW, photoH] = photoSizeArg(args.valueOr("photo", "1024x768"));
    const int threads = configureThreads(args.intValue("threads", 0));
    const c10::Device device = resolveDevice(args.valueOr("device", "auto"));
    const c10::ScalarType dtype = resolveDtype(args.valueOr("precision", "float32"), device);
    const int repeats = std::max(1, args.intValue("repeats", device.is_cuda() ? 20 : 3));
    const bool tf32 = onOffArg(args, "tf32", false);
    if (device.is_cuda())
        configureCuda(tf32);
    // CUDA graphs are what the application's predictor uses on a GPU; off measures eager calls.
    const bool graphsAsked = onOffArg(args, "graphs", true); // validated on every device
    const bool graphs = device.is_cuda() && graphsAsked;

    std::shared_ptr<SamModel> model;
    std::string name;
    PreprocessProfile profile = PreprocessProfile::MedSam;
    if (args.has("arch")) {
        // Random weights: speed does not depend on the values, and no file is needed.
        model = std::make_shared<SamModel>(SamArchitecture::byName(args.value("arch")));
        name = args.value("arch") + " (random weights)";
        profile = defaultProfileFor(model->architecture());
    } else {
        LoadedModel m = loadModelFromArgs(args);
        model = m.model;
        name = m.path;
        profile = m.profile;
    }
    model->to(device, dtype);
    const int s = model->architecture().imgSize;
    c10::InferenceMode guard;
    const at::Tensor input = at::rand({1, 3, s, s}).to(device, dtype);
    Prompts box;
    box.boxes.push_back({s * 0.3f, s * 0.3f, s * 0.7f, s * 0.72f});

    auto timeIt = [&](auto&& fn) {
        synchronize(device);
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        synchronize(device);
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
            .count();
    };
    GraphedFunction encodeFn(graphableEncode(*model), graphs);
    const at::Tensor boxTensor =
        at::tensor({box.boxes[0].x0, box.boxes[0].y0, box.boxes[0].x1, box.boxes[0].y1})
            .view({1, 4})
            .to(device, dtype);
    GraphedFunction decodeFn(graphableBoxDecode(*model), graphs);
    at::Tensor embedding = encodeFn({input})[0]; // warm-up (and capture), excluded
    std::vector<double> enc;
    for (int i = 0; i < repeats; ++i)
        enc.push_back(timeIt([&] { embedding = encodeFn({input})[0]; }));
    decodeFn({embedding, boxTensor}); // warm-up
    std::vector<double> dec;
    for (int i = 0; i < std::max(repeats, 20); ++i)
        dec.push_back(timeIt([&] { decodeFn({embedding, boxTensor}); }));
    const bool captured = encodeFn.captured() && decodeFn.captured();

    // Grad-CAM on the cached embedding for the same box (the viewer's heatmap, through the
    // viewer's CamEngine: a replayed graph on CUDA unless --graphs off).
    std::vector<double> cam;
    bool camGraphed = false;
    {
        c10::InferenceMode off(false);
        ImageEmbedding emb;
        emb.embedding = embedding.to(at::kFloat).clone();
        emb.geometry = {s, s, s, s, s};
        const CamEngine cams(model, graphs);
        cams.compute(emb, box, CamOptions{}); // warm-up (and capture)
        for (int i = 0; i < std::max(repeats, 10); ++i)
            cam.push_back(timeIt([&] { cams.compute(emb, box, CamOptions{}); }));
        camGraphed = cams.lastGraphed();
    }
    const Stats c = summarize(cam);
    const Stats e = summarize(enc), d = summarize(dec);

    // The application's whole path for a photo (1024 x 768 unless --photo): preprocessing,
    // encoder, and a box decode with the masks resampled to the photo and on the host
    // (Predictor).
    std::vector<double> pipeEnc, pipeDec;
    {
        const Predictor predictor(model, profile, graphs);
        const at::Tensor photo = at::randint(0, 256, {photoH, photoW, 3}, at::kByte);
        Prompts photoBox;
        // The same place in any photo as (300, 200)-(700, 560) in 1024 x 768.
        const float sx = photoW / 1024.f, sy = photoH / 768.f;
        photoBox.boxes.push_back({300.f * sx, 200.f * sy, 700.f * sx, 560.f * sy});
        ImageEmbedding pe = predictor.encode(photo); // warm-up
        predictor.decode(pe, photoBox);
        for (int i = 0; i < repeats; ++i)
            pipeEnc.push_back(timeIt([&] { pe = predictor.encode(photo); }));
        for (int i = 0; i < std::max(repeats, 20); ++i)
            pipeDec.push_back(timeIt([&] { predictor.decode(pe, photoBox); }));
    }
    const Stats pe = summarize(pipeEnc), pd = summarize(pipeDec);

    // Decoder-only training throughput on cached embeddings (the PEFT loop), when asked.
    double trainSamplesPerSecond = 0;
    bool trainResident = false;
    std::string trainStep = "none";
    const int trainBatch = args.intValue("train-batch", 0);
    if (trainBatch > 0) {
        c10::InferenceMode off(false);
        const TrainingSet set =
            syntheticEmbeddingSet(int64_t(trainBatch) * 8, model->architecture().outChans,
                                  model->architecture().embeddingSize());
        model->to(device, c10::kFloat);
        TrainOptions o;
        o.batchSize = trainBatch;
        o.epochs = 3;
        o.patience = 0;
        // Reduced precision trains as autocast over float32 weights, as upstream AMP does.
        o.autocast = dtype;
        o.dataPlacement = dataPlacementFromName(args.valueOr("data-on-device", "auto"));
        o.cudaGraphs = graphsAsked;
        Trainer trainer(*model, PreprocessProfile::MedSam, o);
        std::vector<double> rates;
        TrainCallbacks cb;
        cb.epoch = [&rates](const EpochReport& r) { rates.push_back(r.samplesPerSecond); };
        trainer.fit(set, TrainingSet{}, TrainState{}, cb);
        trainResident = trainer.dataResident();
        trainStep = trainer.stepMode();
        trainSamplesPerSecond = rates.empty() ? 0 : rates.back(); // the last epoch is warm
    }
    const double rss = peakRssMb();
    const std::string dev = device.str();
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject()
            .field("model", name)
            .field("device", dev)
            .field("precision", dtypeName(dtype))
            .field("threads", threads)
            .field("repeats", repeats)
            .field("tf32", tf32)
            .field("cuda_graphs", captured)
            .key("encode_ms");
        writeStats(j, e);
        j.key("decode_ms");
        writeStats(j, d);
        j.key("gradcam_ms");
        writeStats(j, c);
        j.field("gradcam_graphed", camGraphed).key("pipeline_encode_ms");
        writeStats(j, pe);
        j.key("pipeline_decode_ms");
        writeStats(j, pd);
        j.field("peak_rss_mb", rss)
            .field("train_batch", trainBatch)
            .field("train_samples_per_s", trainSamplesPerSecond)
            .field("train_data_on_device", trainResident)
            .field("train_step", trainStep)
            .key("cpu_env");
        writeCpuEnv(j);
        j.key("photo").beginArray().value(photoW).value(photoH).endArray().endObject();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    std::printf("model %s on %s (%s), %d threads, %d repeats\n", name.c_str(), dev.c_str(),
                dtypeName(dtype).c_str(), threads, repeats);
    std::printf("encode: median %.1f ms (min %.1f, max %.1f)\n", e.median, e.min, e.max);
    std::printf("decode: median %.2f ms (min %.2f, max %.2f)\n", d.median, d.min, d.max);
    std::printf("Grad-CAM on the embedding: median %.2f ms (min %.2f, max %.2f)%s\n", c.median,
                c.min, c.max, camGraphed ? ", graphed" : "");
    std::printf("photo %d x %d, with pre- and postprocessing: encode median %.1f ms, "
                "decode median %.2f ms\n",
                photoW, photoH, pe.median, pd.median);
    if (device.is_cuda())
        std::printf("CUDA graphs: %s\n", captured ? "on" : "off");
    std::printf("peak RSS: %.0f MB\n", rss);
    if (trainBatch > 0)
        std::printf("decoder training: %.1f samples/s at batch %d (data %s; steps %s)\n",
                    trainSamplesPerSecond, trainBatch,
                    trainResident ? "on the device" : "staged from host memory", trainStep.c_str());
    return 0;
}

int runFinetune(const std::vector<std::string>& argv) {
    const Args args(argv, {"json", "train-encoder", "train-prompt-encoder", "augment", "cosine",
                           "resume", "val-points", "val-frame", "auto-decoder", "mask-prompt"});
    args.allowOnly({"model",
                    "arch",
                    "data",
                    "split",
                    "out",
                    "epochs",
                    "lr",
                    "weight-decay",
                    "batch-size",
                    "box-jitter",
                    "box-jitter-fraction",
                    "points",
                    "frame",
                    "seed",
                    "patience",
                    "device",
                    "threads",
                    "train-encoder",
                    "train-prompt-encoder",
                    "augment",
                    "cosine",
                    "warmup",
                    "cache",
                    "resume",
                    "json",
                    "limit",
                    "profile",
                    "base",
                    "validate-every",
                    "time-limit",
                    "tf32",
                    "point-masks",
                    "val-points",
                    "val-frame",
                    "auto-decoder",
                    "mask-prompt",
                    "data-on-device",
                    "precision",
                    "graphs"});
    configureThreads(args.intValue("threads", 0));
    const c10::Device device = resolveDevice(args.valueOr("device", "auto"));
    if (device.is_cuda())
        configureCuda(onOffArg(args, "tf32", true));

    FineTuneSettings settings;
    TrainOptions& o = settings.train;
    o.epochs = args.intValue("epochs", o.epochs);
    o.lr = args.doubleValue("lr", o.lr);
    o.weightDecay = args.doubleValue("weight-decay", o.weightDecay);
    o.batchSize = args.intValue("batch-size", o.batchSize);
    o.boxJitter = args.doubleValue("box-jitter", o.boxJitter);
    o.boxJitterFraction = args.doubleValue("box-jitter-fraction", 0);
    o.pointFraction = args.doubleValue("points", 0);
    o.frameFraction = args.doubleValue("frame", 0);
    o.seed = args.intValue("seed", o.seed);
    o.patience = args.intValue("patience", o.patience);
    o.warmupSteps = args.intValue("warmup", 0);
    o.cosineSchedule = args.flag("cosine");
    o.trainImageEncoder = args.flag("train-encoder");
    o.trainPromptEncoder = args.flag("train-prompt-encoder");
    o.augment.enabled = args.flag("augment");
    o.validateEvery = args.intValue("validate-every", 1);
    o.timeLimitSeconds = args.doubleValue("time-limit", 0);
    o.pointMasks = pointMasksFromName(args.valueOr("point-masks", "best3"));
    o.validatePoints = args.flag("val-points");
    o.validateFrame = args.flag("val-frame");
    o.trainAutoDecoder = args.flag("auto-decoder");
    o.trainMaskPrompt = args.flag("mask-prompt");
    o.dataPlacement = dataPlacementFromName(args.valueOr("data-on-device", "auto"));
    o.cudaGraphs = onOffArg(args, "graphs", true);
    // Mixed precision for training is autocast: float32 weights and optimizer, reduced-precision
    // matrix products.
    o.autocast = resolveDtype(args.valueOr("precision", "float32"), device);
    if (o.autocast == c10::kHalf)
        throw UsageError("training in float16 would need loss scaling: use --precision bfloat16");
    if (!(o.pointFraction >= 0 && o.pointFraction <= 1 && o.frameFraction >= 0 &&
          o.frameFraction <= 1))
        throw UsageError("--points and --frame are fractions from 0 to 1");
    if (o.trainAutoDecoder && (o.trainImageEncoder || o.trainPromptEncoder))
        throw UsageError("--auto-decoder trains the Auto decoder alone: drop --train-encoder and "
                         "--train-prompt-encoder");
    if (o.trainMaskPrompt && (o.trainAutoDecoder || o.trainImageEncoder || o.trainPromptEncoder))
        throw UsageError("--mask-prompt trains the mask prompt's path alone: drop --auto-decoder, "
                         "--train-encoder and --train-prompt-encoder");
    if (o.epochs < 1 || o.batchSize < 1 || o.lr <= 0)
        throw UsageError("--epochs and --batch-size must be positive, --lr above zero");
    settings.outPath = args.value("out");
    if (o.trainAutoDecoder && isPthPath(settings.outPath))
        throw UsageError("--auto-decoder needs an --out .safetensors: a .pth holds upstream's "
                         "modules only, without the Auto decoder");
    if (o.trainMaskPrompt && isPthPath(settings.outPath))
        throw UsageError("--mask-prompt needs an --out .safetensors: a .pth holds upstream's "
                         "modules only, without the Refine decoder");
    settings.cacheDir = args.valueOr("cache", "");
    settings.resume = args.flag("resume");

    std::shared_ptr<SamModel> model;
    PreprocessProfile profile = PreprocessProfile::Compact;
    if (args.has("arch")) {
        // A fresh network: full training (the built-in default model's recipe).
        at::manual_seed(static_cast<uint64_t>(o.seed));
        model = std::make_shared<SamModel>(SamArchitecture::byName(args.value("arch")));
        profile = args.has("profile") ? profileFromName(args.value("profile"))
                                      : defaultProfileFor(model->architecture());
        settings.baseModelName = args.value("arch") + " (random initialisation)";
        if (!o.trainImageEncoder)
            throw UsageError("--arch trains a new model: add --train-encoder");
    } else {
        LoadedModel m = loadModelFromArgs(args);
        model = m.model;
        profile = m.profile;
        settings.baseModelHash = m.sha256;
        settings.baseModelName = m.isDefault ? std::string("default") : m.path;
    }
    if (!extraDecoders(*model).empty() && isPthPath(settings.outPath))
        std::fprintf(stderr,
                     "%s will hold upstream's modules only: %s will be left out "
                     "(write .safetensors to keep them)\n",
                     settings.outPath.c_str(), extraDecoders(*model).c_str());
    model->to(device);
    settings.cacheDir = o.trainImageEncoder ? std::string() : settings.cacheDir;

    const std::string data = args.value("data");
    const std::string split = args.valueOr("split", "");
    const size_t limit = static_cast<size_t>(std::max(0, args.intValue("limit", 0)));
    const PairSource train = openPairs(data, split, "train", limit);
    const PairSource val = openPairs(data, split, "val", limit);
    if (train.count == 0)
        throw UsageError("no training images in '" + data + "'");

    FineTuneCallbacks cb;
    cb.progress = [](const std::string& stage, size_t done, size_t total) {
        if (done == total || done % 50 == 0)
            std::fprintf(stderr, "%s: %zu/%zu\n", stage.c_str(), done, total);
    };
    cb.train.epoch = [](const EpochReport& r) {
        char points[96] = "";
        if (r.valPointDice >= 0 || r.valFrameDice >= 0 || r.valMaskDice >= 0) {
            int used = std::snprintf(points, sizeof points, " (box %.4f", r.valBoxDice);
            if (r.valPointDice >= 0)
                used += std::snprintf(points + used, sizeof points - size_t(used), ", click %.4f",
                                      r.valPointDice);
            if (r.valFrameDice >= 0)
                used += std::snprintf(points + used, sizeof points - size_t(used), ", frame %.4f",
                                      r.valFrameDice);
            if (r.valMaskDice >= 0)
                used += std::snprintf(points + used, sizeof points - size_t(used), ", mask %.4f",
                                      r.valMaskDice);
            std::snprintf(points + used, sizeof points - size_t(used), ")");
        }
        std::fprintf(stderr, "epoch %d: loss %.4f, val dice %.4f%s%s, %.1f s (%.1f samples/s)\n",
                     r.epoch, r.trainLoss, r.valDice, points, r.improved ? " (best)" : "",
                     r.seconds, r.samplesPerSecond);
    };
    const FineTuneResult res = runFineTune(*model, profile, train, val, settings, cb);
    if (args.flag("json")) {
        io::JsonWriter j;
        j.beginObject()
            .field("out", res.bestPath)
            .field("last", res.lastPath)
            .field("train", res.trainCount)
            .field("val", res.valCount)
            .field("epochs_done", res.state.epochsDone)
            .field("best_epoch", res.state.bestEpoch)
            .field("best_val_dice", res.state.bestDice)
            .field("steps", res.state.step)
            .endObject();
        std::printf("%s\n", j.str().c_str());
    } else {
        std::printf("best validation Dice %.4f at epoch %d; saved %s\n", res.state.bestDice,
                    res.state.bestEpoch, res.bestPath.c_str());
    }
    return 0;
}

int runConvert(const std::vector<std::string>& argv) {
    const Args args(argv, {});
    args.allowOnly({"model", "out", "dtype", "profile", "base"});
    const LoadedModel m = loadModelFromArgs(args);
    const std::string dtype = args.valueOr("dtype", "float32");
    at::ScalarType t = at::kFloat;
    if (dtype == "float16")
        t = at::kHalf;
    else if (dtype == "bfloat16")
        t = at::kBFloat16;
    else if (dtype != "float32")
        throw UsageError("--dtype must be float32, float16 or bfloat16");
    TensorMap tensors = m.model->stateDict();
    for (auto& kv : tensors)
        kv.second = kv.second.to(t);
    MetadataMap meta = m.metadata;
    meta["profile"] = profileName(m.profile);
    meta["architecture"] = m.model->architecture().toJson();
    meta["storage_dtype"] = dtype;
    const size_t leftOut = writeCheckpointFile(args.value("out"), tensors, meta);
    if (leftOut > 0)
        std::fprintf(stderr,
                     "%s holds upstream's modules only: %s (%zu tensors) were left out "
                     "(write .safetensors to keep them)\n",
                     args.value("out").c_str(), extraDecoders(*m.model).c_str(), leftOut);
    return 0;
}

} // namespace

void registerModelCommands(CommandTable& table) {
    table["info"] = {runInfo, "architecture, parameter counts and profile of a model"};
    table["forward"] = {runForward,
                        "run encoder and decoder on a preprocessed .npy input (no preprocessing)"};
    table["finetune"] = {runFinetune, "train the mask decoder (PEFT) or a whole new model"};
    table["convert"] = {runConvert,
                        "rewrite a checkpoint (.pth <-> .safetensors, float16 storage)"};
    table["bench"] = {runBench, "time encode and decode (--model M or --arch vit_b)"};
}

} // namespace dermsam::cli
