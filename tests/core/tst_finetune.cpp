// Protects PEFT fine-tuning: loss falls, only decoder tensors change, checkpoints, exact resume.
// labels: unit
#include "core/dataset.h"
#include "core/dataset_split.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "model/finetune_job.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/checkpoint.h"
#include "model/serialization/safetensors.h"

#include "test_support.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QTest>

using namespace dermsam;

namespace {

PairSource pairsOf(const std::vector<DatasetItem>& items) {
    PairSource src;
    src.count = items.size();
    src.load = [items](size_t i) {
        ImageMaskPair p;
        p.id = items.at(i).id;
        p.image = imageToTensor(loadImage(items.at(i).imagePath));
        const cv::Mat m = loadMask(items.at(i).maskPath);
        p.mask = at::from_blob(const_cast<uchar*>(m.ptr<uchar>()), {m.rows, m.cols},
                               {static_cast<int64_t>(m.step[0]), 1}, at::kByte)
                     .clone();
        return p;
    };
    return src;
}

bool startsWith(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

} // namespace

class TestFinetune : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void lossFallsAndOnlyDecoderChanges();
    void resumeMatchesUninterrupted();
    void pthRoundTrip();

private:
    struct Outcome {
        FineTuneResult result;
        std::vector<double> losses;
        TensorMap final;
    };
    Outcome train(const QString& out, int epochs, bool resume, const QString& cacheDir = {});

    QTemporaryDir m_tmp;
    TensorMap m_base;
    PairSource m_train;
    PairSource m_val;
    bool m_ready = false;
};

void TestFinetune::initTestCase() {
    DERMSAM_REQUIRE_ISIC(isic);
    QVERIFY(m_tmp.isValid());
    const Dataset ds = scanDataset(isic.toStdString());
    QVERIFY(ds.items.size() >= 12);
    // Eight training and four validation images, the first of each split by id.
    const DatasetSplit split =
        applySplitFile(ds, loadSplitFile((isic + "/splits.txt").toStdString()));
    QVERIFY(split.train.size() >= 8 && split.val.size() >= 4);
    m_train = pairsOf({split.train.begin(), split.train.begin() + 8});
    m_val = pairsOf({split.val.begin(), split.val.begin() + 4});
    at::manual_seed(2024);
    const SamModel base(SamArchitecture::compact());
    m_base = base.stateDict();
    m_ready = true;
}

TestFinetune::Outcome TestFinetune::train(const QString& out, int epochs, bool resume,
                                          const QString& cacheDir) {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    FineTuneSettings s;
    s.train.epochs = epochs;
    s.train.batchSize = 4;
    s.train.lr = 1e-3; // a visible drop in a few steps
    s.train.seed = 7;
    s.train.patience = 0;
    s.outPath = out.toStdString();
    s.cacheDir = (cacheDir.isEmpty() ? m_tmp.path() + "/cache" : cacheDir).toStdString();
    s.baseModelHash = "test-base";
    s.resume = resume;
    Outcome o;
    FineTuneCallbacks cb;
    cb.train.epoch = [&o](const EpochReport& r) { o.losses.push_back(r.trainLoss); };
    o.result = runFineTune(model, PreprocessProfile::Compact, m_train, m_val, s, cb);
    o.final = model.stateDict();
    return o;
}

void TestFinetune::lossFallsAndOnlyDecoderChanges() {
    QVERIFY(m_ready);
    const QString cache = m_tmp.path() + "/cache";
    const Outcome o = train(m_tmp.path() + "/full/best.safetensors", 4, false, cache);
    QCOMPARE(o.result.trainCount, size_t(8));
    QCOMPARE(o.result.valCount, size_t(4));
    QCOMPARE(int(o.losses.size()), 4);
    QVERIFY2(o.losses.back() < o.losses.front(),
             qPrintable(QString("first %1, last %2").arg(o.losses.front()).arg(o.losses.back())));
    // Embeddings were cached (one per image), so later epochs and runs skip the encoder.
    QCOMPARE(QDir(cache).entryList({"*.npy"}).size(), 12);

    int decoderChanged = 0;
    QCOMPARE(o.final.size(), m_base.size());
    for (const auto& [name, base] : m_base) {
        const at::Tensor& now = o.final.at(name);
        if (startsWith(name, "mask_decoder.")) {
            decoderChanged += at::equal(base, now) ? 0 : 1;
        } else {
            QVERIFY2(startsWith(name, "image_encoder.") || startsWith(name, "prompt_encoder."),
                     name.c_str());
            QVERIFY2(at::equal(base, now), name.c_str()); // bit-identical
        }
    }
    QVERIFY(decoderChanged > 0);

    // The best checkpoint: written, loadable, frozen tensors still the base's.
    QVERIFY(QFile::exists(QString::fromStdString(o.result.bestPath)));
    const Checkpoint best = readCheckpoint(o.result.bestPath);
    QCOMPARE(best.format, std::string("safetensors"));
    QCOMPARE(best.metadata.at("profile"), std::string("compact"));
    QCOMPARE(best.metadata.at("base_model_sha256"), std::string("test-base"));
    const std::unique_ptr<SamModel> loaded = SamModel::fromStateDict(best.tensors);
    QVERIFY(loaded != nullptr);
    for (const auto& [name, base] : m_base)
        if (!startsWith(name, "mask_decoder."))
            QVERIFY2(at::equal(base, best.tensors.at(name)), name.c_str());
    QVERIFY(QFile::exists(QString::fromStdString(o.result.lastPath)));
}

void TestFinetune::resumeMatchesUninterrupted() {
    QVERIFY(m_ready);
    const Outcome whole = train(m_tmp.path() + "/whole/best.safetensors", 4, false);
    const QString out = m_tmp.path() + "/resumed/best.safetensors";
    const Outcome first = train(out, 2, false);
    QCOMPARE(first.result.state.epochsDone, 2);
    const Outcome second = train(out, 4, true);
    QCOMPARE(second.result.state.epochsDone, 4);
    QCOMPARE(int(second.losses.size()), 2); // epochs 3 and 4 only
    QCOMPARE(second.losses.back(), whole.losses.back());
    QCOMPARE(second.result.state.step, whole.result.state.step);
    for (const auto& [name, t] : whole.final)
        QVERIFY2(at::equal(t, second.final.at(name)), name.c_str());
    const SafetensorsFile a = readSafetensors(whole.result.lastPath);
    const SafetensorsFile b = readSafetensors(second.result.lastPath);
    for (const auto& [name, t] : a.tensors)
        QVERIFY2(at::equal(t, b.tensors.at(name)), name.c_str());
}

void TestFinetune::pthRoundTrip() {
    QVERIFY(m_ready);
    // The training run's own .pth output (the best checkpoint, as a plain state dict).
    const Outcome o = train(m_tmp.path() + "/pth/best.pth", 1, false);
    const Checkpoint best = readCheckpoint(o.result.bestPath);
    QCOMPARE(best.format, std::string("pth"));
    QCOMPARE(best.tensors.size(), m_base.size());
    for (const auto& [name, base] : m_base) {
        QVERIFY2(best.tensors.count(name) == 1, name.c_str());
        if (!startsWith(name, "mask_decoder."))
            QVERIFY2(at::equal(base, best.tensors.at(name)), name.c_str());
    }
    // Exactly what was written comes back: dtype, shape and every bit.
    const QString path = m_tmp.path() + "/pth/final.pth";
    writeCheckpointFile(path.toStdString(), o.final, {});
    const Checkpoint back = readCheckpoint(path.toStdString());
    QCOMPARE(back.tensors.size(), o.final.size());
    for (const auto& [name, t] : o.final) {
        const at::Tensor& r = back.tensors.at(name);
        QCOMPARE(r.scalar_type(), t.scalar_type());
        QVERIFY2(r.sizes() == t.sizes(), name.c_str());
        QVERIFY2(at::equal(r, t), name.c_str());
    }
}

QTEST_GUILESS_MAIN(TestFinetune)
#include "tst_finetune.moc"
