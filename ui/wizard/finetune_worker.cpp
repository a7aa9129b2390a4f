#include "ui/wizard/finetune_worker.h"

#include "core/comparison.h"
#include "core/core_error.h"
#include "core/dataset.h"
#include "core/dataset_split.h"
#include "core/evaluation.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "core/training_pairs.h"
#include "io/atomic_file.h"
#include "io/files.h"
#include "model/device.h"
#include "model/embedding_cache.h"
#include "model/finetune_job.h"
#include "model/model_error.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/serialization/safetensors.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <opencv2/imgproc.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>

#include <algorithm>
#include <numeric>

namespace dermsam {

void FineTuneControl::setPaused(bool paused) {
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_paused = paused;
    }
    m_wake.notify_all();
}

void FineTuneControl::cancel() {
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_cancelled = true;
    }
    m_wake.notify_all();
}

void FineTuneControl::reset() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_cancelled = false;
    m_paused = false;
}

void FineTuneControl::waitWhilePaused() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_holding = m_paused.load() && !m_cancelled.load();
    m_wake.wait(lock, [this] { return !m_paused.load() || m_cancelled.load(); });
    m_holding = false;
}

namespace {

constexpr int kPreviewCount = 8;
constexpr int kPreviewSize = 150;
constexpr int kOverlaySize = 200;
constexpr int kExtremes = 5;

// A failure as a machine code and a path; the GUI turns it into a sentence.
struct Failure {
    QString code;
    QString path;
};

template <typename F> bool guarded(F&& f, Failure& failure, bool* cancelled = nullptr) {
    try {
        f();
        return true;
    } catch (const CoreError& e) {
        failure = {QString::fromLatin1(coreErrorCodeName(e.code())),
                   QString::fromStdString(e.path())};
    } catch (const ModelError& e) {
        if (e.code() == ErrorCode::Cancelled && cancelled) {
            *cancelled = true;
            return false;
        }
        failure = {QString::fromLatin1(errorCodeName(e.code())), QString::fromStdString(e.path())};
    } catch (const std::exception& e) {
        failure = {QStringLiteral("internal"), QString::fromLocal8Bit(e.what())};
    }
    return false;
}

QImage matToImage(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, static_cast<int>(rgb.step), QImage::Format_RGB888)
        .copy();
}

void outline(cv::Mat& rgb, const cv::Mat& mask, const cv::Scalar& colour, int thickness) {
    cv::Mat m = mask;
    if (m.size() != rgb.size())
        cv::resize(mask, m, rgb.size(), 0, 0, cv::INTER_NEAREST);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(m > 0, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(rgb, contours, -1, colour, thickness, cv::LINE_AA);
}

cv::Mat fitInto(const cv::Mat& rgb, int size) {
    const double scale = static_cast<double>(size) / std::max(rgb.cols, rgb.rows);
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(), scale, scale, cv::INTER_AREA);
    return out;
}

cv::Mat maskMat(const at::Tensor& mask) {
    const at::Tensor m = (mask > 0).to(at::kByte).mul(255).contiguous();
    return cv::Mat(static_cast<int>(m.size(0)), static_cast<int>(m.size(1)), CV_8UC1,
                   m.data_ptr<uint8_t>())
        .clone();
}

DatasetSplit splitOf(const Dataset& ds, const QString& splitFile, double train, double val,
                     double test, int seed) {
    if (!splitFile.isEmpty())
        return applySplitFile(ds, loadSplitFile(splitFile.toStdString()));
    return randomSplit(ds, train, val, test, static_cast<uint64_t>(seed));
}

std::string modelArgument(const QString& base) {
    return base.isEmpty() ? std::string("default") : base.toStdString();
}

ComparedModel named(const LoadedModel& m) {
    return ComparedModel{m.isDefault ? "default" : m.path, m.sha256, profileName(m.profile)};
}

std::string localPath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

// io's one atomic writer; a failure is CoreError(FileWriteFailed) naming the path, with the
// reason on one line.
void writeText(const QString& path, const std::string& text) {
    rethrowAsCoreError([&] { io::writeFileAtomically(localPath(path), text); });
}

} // namespace

FineTuneWorker::FineTuneWorker(std::shared_ptr<FineTuneControl> control, QObject* parent)
    : QObject(parent)
    , m_control(std::move(control)) {}

FineTuneWorker::~FineTuneWorker() = default;

void FineTuneWorker::scanDataset(quint64 requestId, const QString& folder) {
    DatasetScanResult r;
    r.folder = folder;
    Failure failure;
    const bool ok = guarded(
        [&] {
            // validate: the same check `dermsam-cli finetune` runs before training.
            const Dataset ds =
                dermsam::scanDataset(folder.toStdString(), DatasetLayout::Auto, true);
            r.layout = QString::fromLatin1(datasetLayoutName(ds.layout));
            r.pairs = static_cast<int>(ds.items.size());
            for (const DatasetProblem& p : ds.problems)
                r.problems << QStringLiteral("%1: %2: %3")
                                  .arg(QString::fromStdString(p.id),
                                       QString::fromLatin1(problemKindName(p.kind)),
                                       QString::fromStdString(p.path));
            for (size_t i = 0; i < ds.items.size() && r.previews.size() < kPreviewCount; ++i) {
                const DatasetItem& item = ds.items[i];
                cv::Mat rgb = toRgb8(loadImage(item.imagePath));
                outline(rgb, loadMask(item.maskPath), cv::Scalar(0, 255, 0),
                        std::max(2, rgb.cols / 150));
                r.previews.append(
                    {QString::fromStdString(item.id), matToImage(fitInto(rgb, kPreviewSize))});
            }
            r.hasSplitFile = QFileInfo::exists(QDir(folder).filePath(QStringLiteral("splits.txt")));
        },
        failure);
    if (!ok) {
        r.error = failure.code;
        r.errorPath = failure.path;
    }
    Q_EMIT datasetScanned(requestId, r);
}

void FineTuneWorker::makeSplit(quint64 requestId, const SplitRequest& request) {
    SplitResult r;
    Failure failure;
    const bool ok = guarded(
        [&] {
            const Dataset ds = dermsam::scanDataset(request.folder.toStdString());
            const DatasetSplit s = splitOf(ds, request.splitFile, request.trainRatio,
                                           request.valRatio, request.testRatio, request.seed);
            r.train = static_cast<int>(s.train.size());
            r.val = static_cast<int>(s.val.size());
            r.test = static_cast<int>(s.test.size());
            r.unknownIds = static_cast<int>(s.unknownIds.size());
            r.unassignedIds = static_cast<int>(s.unassignedIds.size());
        },
        failure);
    if (!ok) {
        r.error = failure.code;
        r.errorPath = failure.path;
    }
    Q_EMIT splitMade(requestId, r);
}

void FineTuneWorker::train(const FineTuneWizardSettings& settings) {
    {
        // Remembered for the next run; written here because the settings file is disk I/O
        // the GUI thread should not wait for.
        QSettings qs;
        settings.save(qs);
    }
    TrainingOutcome out;
    out.checkpoint = settings.checkpointPath();
    bool cancelled = false;
    bool zeroShotSent = false;
    // Kept from the callbacks as well: a stop ends runFineTune with an exception, not a result.
    out.bestValDice = -1;
    Failure failure;
    const bool ok = guarded(
        [&] {
            configureThreads(settings.threads);
            const c10::Device device = resolveDevice(settings.device.toStdString());
            if (device.is_cuda())
                configureCuda(settings.tf32);
            rethrowAsCoreError([&] { io::makeDirectories(localPath(settings.outputFolder)); });

            // The split is written first, so `dermsam-cli finetune/compare --split` on that file
            // reproduces this run exactly.
            const std::string folder = settings.dataFolder.toStdString();
            const Dataset all = dermsam::scanDataset(folder);
            const DatasetSplit split = splitOf(
                all, settings.useSplitFile ? settings.splitFile : QString(), settings.trainRatio,
                settings.valRatio, settings.testRatio, settings.splitSeed);
            saveSplitFile(settings.splitPath().toStdString(), split);
            Q_EMIT logged(QStringLiteral("split: %1 train, %2 val, %3 test -> %4")
                              .arg(split.train.size())
                              .arg(split.val.size())
                              .arg(split.test.size())
                              .arg(settings.splitPath()));
            // Training pairs as `finetune` selects them: checked pairs only.
            const Dataset checked = dermsam::scanDataset(folder, DatasetLayout::Auto, true);
            const DatasetSplit used =
                applySplitFile(checked, loadSplitFile(settings.splitPath().toStdString()));
            if (used.train.empty())
                throw CoreError(CoreErrorCode::BadArgument, settings.dataFolder.toStdString(),
                                "no training images");

            LoadedModel base = loadModel(modelArgument(settings.baseModel));
            base.model->to(device);
            Q_EMIT logged(QStringLiteral("base model %1 (%2), sha256 %3")
                              .arg(QString::fromStdString(base.isDefault ? "default" : base.path),
                                   QString::fromLatin1(profileName(base.profile)),
                                   QString::fromStdString(base.sha256.substr(0, 12))));

            FineTuneSettings fs;
            TrainOptions& o = fs.train;
            o.epochs = settings.epochs;
            o.lr = settings.learningRate;
            o.batchSize = settings.batchSize;
            o.boxJitter = settings.boxJitter;
            o.patience = settings.patience;
            o.seed = settings.seed;
            o.trainPromptEncoder = settings.trainPromptEncoder;
            // bfloat16 trains as autocast over float32 weights, as `finetune --precision` does;
            // on the CPU resolveDtype refuses it, so the model page offers it for GPUs only.
            o.autocast = device.is_cuda() ? resolveDtype(settings.precision.toStdString(), device)
                                          : c10::ScalarType::Float;
            fs.outPath = settings.checkpointPath().toStdString();
            fs.cacheDir = defaultEmbeddingCacheDir();
            fs.baseModelHash = base.sha256;
            fs.baseModelName = base.path;

            FineTuneCallbacks cb;
            cb.progress = [this](const std::string& stage, size_t done, size_t total) {
                Q_EMIT progressed(QString::fromStdString(stage), static_cast<qint64>(done),
                                  static_cast<qint64>(total));
            };
            cb.train.cancelled = [this] { return m_control->isCancelled(); };
            cb.train.step = [&](int epoch, int64_t step, int64_t perEpoch, double loss) {
                if (!zeroShotSent) {
                    // runFineTune validated the base model and stored that Dice in the epoch-0
                    // checkpoint before the first step: the zero-shot reference line.
                    zeroShotSent = true;
                    const MetadataMap meta = readSafetensors(fs.outPath).metadata;
                    const auto it = meta.find("val_dice");
                    if (it != meta.end()) {
                        out.bestValDice = std::stod(it->second);
                        Q_EMIT zeroShotValidated(out.bestValDice);
                    }
                }
                Q_EMIT stepFinished(epoch, static_cast<qint64>(step), static_cast<qint64>(perEpoch),
                                    loss);
                m_control->waitWhilePaused(); // pause between steps
            };
            cb.train.epoch = [this, &out](const EpochReport& e) {
                out.epochsDone = e.epoch;
                if (e.improved) {
                    out.bestEpoch = e.epoch;
                    out.bestValDice = e.valDice;
                }
                Q_EMIT epochFinished(EpochPoint{e.epoch, e.trainLoss, e.valDice, e.seconds,
                                                e.samplesPerSecond, e.improved});
                Q_EMIT logged(QStringLiteral("epoch %1: loss %2, val Dice %3%4, %5 s")
                                  .arg(e.epoch)
                                  .arg(e.trainLoss, 0, 'f', 4)
                                  .arg(e.valDice, 0, 'f', 4)
                                  .arg(e.improved ? QStringLiteral(" (best)") : QString())
                                  .arg(e.seconds, 0, 'f', 1));
            };
            out.trainCount = static_cast<int>(used.train.size());
            out.valCount = static_cast<int>(used.val.size());
            const FineTuneResult res =
                runFineTune(*base.model, base.profile, trainingPairs(used.train),
                            trainingPairs(used.val), fs, cb);
            out.epochsDone = res.state.epochsDone;
            out.bestEpoch = res.state.bestEpoch;
            out.bestValDice = res.state.bestDice;
            cancelled = m_control->isCancelled();
        },
        failure, &cancelled);
    out.cancelled = cancelled;
    out.completed = ok && !cancelled;
    if (!ok && !cancelled) {
        out.error = failure.code;
        out.errorPath = failure.path;
    }
    out.checkpointExists = QFileInfo::exists(out.checkpoint);
    Q_EMIT trainingFinished(out);
}

void FineTuneWorker::evaluate(const FineTuneWizardSettings& settings, const QString& checkpoint) {
    ComparisonResult r;
    r.splitFile = settings.splitPath();
    r.baseModel = settings.baseModel;
    r.checkpoint = checkpoint;
    Failure failure;
    bool cancelled = false;
    const bool ok = guarded(
        [&] {
            configureThreads(settings.threads);
            const c10::Device device = resolveDevice(settings.device.toStdString());
            // The images and prompts of `dermsam-cli compare --split <splits.txt>:test
            // --prompt <testPrompt> --model <base> --model <checkpoint>`.
            const Dataset ds = dermsam::scanDataset(settings.dataFolder.toStdString());
            const std::vector<DatasetItem> items =
                applySplitFile(ds, loadSplitFile(r.splitFile.toStdString())).test;
            if (items.empty())
                throw CoreError(CoreErrorCode::BadArgument, r.splitFile.toStdString(),
                                "no test images");
            LoadedModel a = loadModel(modelArgument(settings.baseModel));
            LoadedModel b = loadModel(checkpoint.toStdString());
            a.model->to(device);
            b.model->to(device);
            EvalOptions options;
            if (!evalPromptFromName(settings.testPrompt.toStdString(), options.prompt))
                throw CoreError(CoreErrorCode::BadArgument, {},
                                "unknown test prompt " + settings.testPrompt.toStdString());
            options.seed = 0;
            options.cacheDir = defaultEmbeddingCacheDir();
            const auto callbacks = [this](const QString& stage) {
                EvalCallbacks cb;
                cb.progress = [this, stage](size_t done, size_t total, const std::string&) {
                    Q_EMIT progressed(stage, static_cast<qint64>(done), static_cast<qint64>(total));
                };
                cb.cancelled = [this] { return m_control->isCancelled(); };
                return cb;
            };
            const Predictor pa(a.model, a.profile);
            const Predictor pb(b.model, b.profile);
            const EvalRun runA = runEvaluation(pa, a.sha256, items, options,
                                               callbacks(QStringLiteral("evaluate-zero-shot")));
            const EvalRun runB = runEvaluation(pb, b.sha256, items, options,
                                               callbacks(QStringLiteral("evaluate-fine-tuned")));
            const PairedComparison c = compareRuns(runA, runB);
            if (c.ids.empty())
                throw CoreError(CoreErrorCode::BadArgument, r.splitFile.toStdString(),
                                "no image scored by both models");
            const std::string json = comparisonJson(c, options.prompt, options.seed, options.tta,
                                                    named(a), runA, named(b), runB);
            const std::string csv = comparisonCsv(c);
            r.reportJson = QString::fromStdString(json);
            r.reportCsv = QString::fromStdString(csv);
            const QString base = settings.reportBase();
            r.jsonPath = base + QStringLiteral(".json");
            r.csvPath = base + QStringLiteral(".csv");
            writeText(r.jsonPath, json + "\n");
            writeText(r.csvPath, csv);

            r.n = static_cast<int>(c.ids.size());
            r.diceA = {runA.summary.dice.mean, runA.summary.dice.sd};
            r.diceB = {runB.summary.dice.mean, runB.summary.dice.sd};
            r.iouA = {runA.summary.jaccard.mean, runA.summary.jaccard.sd};
            r.iouB = {runB.summary.jaccard.mean, runB.summary.jaccard.sd};
            r.diceMeanDifference = c.dice.meanDifference;
            r.diceCiLow = c.dice.ci.low;
            r.diceCiHigh = c.dice.ci.high;
            r.diceP = c.wilcoxonDice.pValue;
            r.diceMethod = QString::fromLatin1(wilcoxonMethodName(c.wilcoxonDice.method));
            r.iouMeanDifference = c.iou.meanDifference;
            r.iouCiLow = c.iou.ci.low;
            r.iouCiHigh = c.iou.ci.high;
            r.iouP = c.wilcoxonIou.pValue;
            r.significant = c.significant;
            r.verdict = QString::fromStdString(c.verdict);
            for (size_t i = 0; i < c.ids.size(); ++i) {
                r.ids << QString::fromStdString(c.ids[i]);
                r.perImageDiceA << c.diceA[i];
                r.perImageDiceB << c.diceB[i];
            }

            // Five most gained and five most lost, with outlines of both predictions.
            std::vector<size_t> order(c.ids.size());
            std::iota(order.begin(), order.end(), size_t{0});
            std::stable_sort(order.begin(), order.end(), [&c](size_t x, size_t y) {
                return c.diceB[x] - c.diceA[x] > c.diceB[y] - c.diceA[y];
            });
            const EmbeddingCache cache(options.cacheDir);
            const auto overlay = [&](size_t index) {
                ImageOutcome o;
                o.id = QString::fromStdString(c.ids[index]);
                o.diceZeroShot = c.diceA[index];
                o.diceFineTuned = c.diceB[index];
                const DatasetItem* item = ds.find(c.ids[index]);
                const auto hit = std::find_if(
                    runA.images.begin(), runA.images.end(),
                    [&](const EvalImageResult& e) { return e.metrics.id == c.ids[index]; });
                if (!item || hit == runA.images.end())
                    return o;
                c10::InferenceMode guard;
                const Image image = loadImage(item->imagePath);
                const at::Tensor pixels = imageToTensor(image);
                cv::Mat rgb = toRgb8(image);
                const int t = std::max(2, rgb.cols / 120);
                outline(rgb, loadMask(item->maskPath), cv::Scalar(0, 255, 0), t);
                const MaskResult ma =
                    pa.decode(encodeCached(pa, pixels, cache, a.sha256), hit->prompt);
                outline(rgb, maskMat(ma.masks[0]), cv::Scalar(255, 140, 0), t);
                const MaskResult mb =
                    pb.decode(encodeCached(pb, pixels, cache, b.sha256), hit->prompt);
                outline(rgb, maskMat(mb.masks[0]), cv::Scalar(255, 0, 255), t);
                o.overlay = matToImage(fitInto(rgb, kOverlaySize));
                return o;
            };
            for (size_t k = 0; k < order.size() && r.gained.size() < kExtremes; ++k)
                if (c.diceB[order[k]] > c.diceA[order[k]])
                    r.gained.append(overlay(order[k]));
            for (size_t k = order.size(); k-- > 0 && r.lost.size() < kExtremes;)
                if (c.diceB[order[k]] < c.diceA[order[k]])
                    r.lost.append(overlay(order[k]));
        },
        failure, &cancelled);
    if (!ok) {
        r.error = cancelled ? QStringLiteral("cancelled") : failure.code;
        r.errorPath = failure.path;
    }
    Q_EMIT evaluationFinished(r);
}

} // namespace dermsam
