// Protects the trainer's step loop: which outputs points train, loss bookkeeping, validation.
// labels: unit
#include "model/model_error.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <QTest>

using namespace dermsam;

namespace {

// Four samples of random float16 embeddings with square lesions of different sizes and places.
TrainingSet syntheticSet(int64_t n, int64_t lowRes) {
    TrainingSet set;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(11));
    set.embeddings = at::randn({n, 256, lowRes / 4, lowRes / 4}, gen).to(at::kHalf);
    set.masks = at::zeros({n, 1, lowRes, lowRes}, at::kByte);
    for (int64_t i = 0; i < n; ++i) {
        set.ids.push_back("s" + std::to_string(i));
        const int64_t a = 20 + 15 * i, b = a + 60 + 20 * i;
        set.masks[i].slice(1, a, b).slice(2, a + 5, b + 10).fill_(1);
    }
    return set;
}

// The set with embeddings that show where each lesion is (the random ones do not), as an image
// encoder's would: a frame box must be answered from them alone.
TrainingSet locatedSet(const TrainingSet& random) {
    TrainingSet set = random;
    const int64_t grid = set.embeddings.size(2);
    const at::Tensor cells =
        at::adaptive_avg_pool2d(set.masks.to(at::kFloat), {grid, grid}).gt(0.5).to(at::kFloat);
    set.embeddings =
        (set.embeddings.to(at::kFloat) * 0.5 + 2.0 * cells.expand({-1, 256, -1, -1})).to(at::kHalf);
    return set;
}

bool sameTensors(const TensorMap& a, const TensorMap& b, const std::string& prefix) {
    for (const auto& [name, t] : a)
        if (name.rfind(prefix, 0) == 0 && !at::equal(t, b.at(name)))
            return false;
    return true;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void pointMasksTrainTheirOutputs_data();
    void pointMasksTrainTheirOutputs();
    void epochLossIsTheSampleWeightedMeanOfStepLosses();
    void validationWithClicks();
    void frameBatchesTeachAutosFirstPrompt();
    void autoDecoderTrainsAloneAndTravelsInTheFile();
    void maskPromptPathTrainsAlone();
    void deterministicAndResidentOnCpu();
    void mixedPrecisionFollowsFloat32();
    void stepFunctionMatchesEagerSteps();
    void optionNames();

private:
    // A fresh compact model from m_base trained on m_set: its step losses, final weights and
    // the trainer's step mode.
    struct Run {
        std::vector<double> losses;
        TensorMap weights;
        std::string stepMode;
    };
    Run trainFromBase(const TrainOptions& options) const;

    TensorMap m_base;
    TrainingSet m_set;
};

TestTrainer::Run TestTrainer::trainFromBase(const TrainOptions& options) const {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    Run run;
    Trainer trainer(model, PreprocessProfile::Compact, options);
    TrainCallbacks cb;
    cb.step = [&run](int, int64_t, int64_t, double loss) { run.losses.push_back(loss); };
    trainer.fit(m_set, TrainingSet{}, TrainState{}, cb);
    run.stepMode = trainer.stepMode();
    run.weights = model.stateDict();
    return run;
}

void TestTrainer::initTestCase() {
    at::manual_seed(5);
    const SamModel model(SamArchitecture::compact());
    m_base = model.stateDict();
    m_set = syntheticSet(4, 4 * model.architecture().embeddingSize());
}

void TestTrainer::pointMasksTrainTheirOutputs_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("singleChanges");
    QTest::addColumn<bool>("multiChange");
    QTest::newRow("best3") << "best3" << false << true;
    QTest::newRow("single") << "single" << true << false;
    QTest::newRow("both") << "both" << true << true;
}

// Hypernetwork k shapes only output k: with no weight decay, a hypernetwork whose output is not
// in the loss gets zero gradients and AdamW leaves it bit-identical. Output 0 is the single-mask
// output, 1-3 the multimask candidates.
void TestTrainer::pointMasksTrainTheirOutputs() {
    QFETCH(QString, mode);
    QFETCH(bool, singleChanges);
    QFETCH(bool, multiChange);
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    TrainOptions o;
    o.epochs = 1;
    o.batchSize = 2;
    o.lr = 1e-3;
    o.weightDecay = 0;
    o.pointFraction = 1; // every batch prompted with clicks
    o.pointMasks = pointMasksFromName(mode.toStdString());
    o.patience = 0;
    {
        Trainer trainer(model, PreprocessProfile::Compact, o);
        trainer.fit(m_set, TrainingSet{}, TrainState{}, TrainCallbacks{});
    }
    const TensorMap after = model.stateDict();
    const std::string hyper = "mask_decoder.output_hypernetworks_mlps.";
    QCOMPARE(!sameTensors(m_base, after, hyper + "0."), singleChanges);
    // Best of three trains the candidate that won for a sample, so not necessarily all three.
    int multiChanged = 0;
    for (int k = 1; k <= 3; ++k)
        multiChanged += sameTensors(m_base, after, hyper + std::to_string(k) + ".") ? 0 : 1;
    QCOMPARE(multiChanged > 0, multiChange);
    // The shared transformer learns in every mode; the encoders never do.
    QVERIFY(!sameTensors(m_base, after, "mask_decoder.transformer."));
    QVERIFY(sameTensors(m_base, after, "image_encoder."));
    QVERIFY(sameTensors(m_base, after, "prompt_encoder."));
}

void TestTrainer::epochLossIsTheSampleWeightedMeanOfStepLosses() {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    TrainOptions o;
    o.epochs = 1;
    o.batchSize = 3; // batches of 3 and 1: the mean must weight by samples, not by steps
    o.patience = 0;
    Trainer trainer(model, PreprocessProfile::Compact, o);
    std::vector<double> stepLosses;
    std::vector<int64_t> stepIndex;
    double epochLoss = -1;
    TrainCallbacks cb;
    cb.step = [&](int, int64_t step, int64_t steps, double loss) {
        QCOMPARE(steps, int64_t(2));
        stepIndex.push_back(step);
        stepLosses.push_back(loss);
    };
    cb.epoch = [&](const EpochReport& r) { epochLoss = r.trainLoss; };
    const TrainState s = trainer.fit(m_set, TrainingSet{}, TrainState{}, cb);
    QCOMPARE(s.step, int64_t(2));
    QCOMPARE(stepIndex, (std::vector<int64_t>{1, 2}));
    QVERIFY(stepLosses[0] > 0 && stepLosses[1] > 0);
    QVERIFY(stepLosses[0] != stepLosses[1]);
    const double expected = (3 * stepLosses[0] + 1 * stepLosses[1]) / 4;
    QVERIFY2(std::abs(epochLoss - expected) < 1e-12 * expected,
             qPrintable(QString("epoch %1, expected %2").arg(epochLoss).arg(expected)));
}

void TestTrainer::validationWithClicks() {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    TrainOptions o;
    o.batchSize = 3;
    Trainer boxOnly(model, PreprocessProfile::Compact, o);
    const Trainer::Validation box = boxOnly.validateDetailed(m_set);
    QCOMPARE(box.pointDice, -1.0);
    QCOMPARE(box.score, box.boxDice);
    QVERIFY(box.boxDice >= 0 && box.boxDice <= 1);

    o.validatePoints = true;
    Trainer withClicks(model, PreprocessProfile::Compact, o);
    const Trainer::Validation a = withClicks.validateDetailed(m_set);
    const Trainer::Validation b = withClicks.validateDetailed(m_set);
    QCOMPARE(a.boxDice, box.boxDice); // the clicks do not disturb the box score
    QVERIFY(a.pointDice >= 0 && a.pointDice <= 1);
    QCOMPARE(a.score, 0.5 * (a.boxDice + a.pointDice));
    QCOMPARE(b.pointDice, a.pointDice); // the same clicks every time
    QCOMPARE(withClicks.validate(m_set), a.score);
}

// Auto starts from a box over the whole frame (core/auto_segment): frame batches must train the
// decoder to answer that one prompt with each sample's own lesion, which box batches (whose boxes
// come from the lesions) never ask of it, and the validation score must count it.
void TestTrainer::frameBatchesTeachAutosFirstPrompt() {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    TrainOptions o;
    o.epochs = 10;
    o.batchSize = 2;
    o.lr = 1e-3;
    o.patience = 0;
    o.frameFraction = 1;
    o.validateFrame = true;
    o.validatePoints = true;
    const TrainingSet set = locatedSet(m_set);
    Trainer trainer(model, PreprocessProfile::Compact, o);
    const Trainer::Validation before = trainer.validateDetailed(set);
    QVERIFY(before.frameDice >= 0 && before.frameDice <= 1);
    QCOMPARE(before.score, (before.boxDice + before.pointDice + before.frameDice) / 3);
    std::vector<double> frameDice;
    TrainCallbacks cb;
    cb.epoch = [&](const EpochReport& r) { frameDice.push_back(r.valFrameDice); };
    trainer.fit(set, set, TrainState{}, cb);
    const Trainer::Validation after = trainer.validateDetailed(set);
    qInfo("frame Dice per epoch: %s", qPrintable([&] {
              QStringList l;
              for (double v : frameDice)
                  l << QString::number(v, 'f', 3);
              return l.join(' ');
          }()));
    QCOMPARE(frameDice.size(), size_t(o.epochs));
    QCOMPARE(frameDice.back(), after.frameDice);
    // The four lesions cover 4-16 % of the frame: outlining the frame scores about 0.1-0.3.
    QVERIFY2(after.frameDice > 0.8 && after.frameDice > before.frameDice + 0.3,
             qPrintable(QString("frame Dice %1 -> %2").arg(before.frameDice).arg(after.frameDice)));
    QVERIFY(sameTensors(m_base, model.stateDict(), "prompt_encoder."));
}

// --auto-decoder: a second decoder, started as a copy of the first, learns the whole-frame
// prompt while the mask decoder (every box and click answer) stays bit-identical; the file
// carries it and a model read back decodes with it exactly as the trained one.
void TestTrainer::autoDecoderTrainsAloneAndTravelsInTheFile() {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    QVERIFY(!model.hasAutoDecoder());
    const TrainingSet set = locatedSet(m_set);
    TrainOptions o;
    o.epochs = 10;
    o.batchSize = 2;
    o.lr = 1e-3;
    o.patience = 0;
    o.trainAutoDecoder = true;
    Trainer trainer(model, PreprocessProfile::Compact, o);
    QVERIFY(model.hasAutoDecoder());
    for (const std::string& name : trainer.trainableNames())
        QVERIFY2(name.rfind("auto_decoder.", 0) == 0, name.c_str());
    const Trainer::Validation before = trainer.validateDetailed(set);
    // A copy of the mask decoder answers the frame box as the mask decoder does.
    o.trainAutoDecoder = false;
    o.validateFrame = true;
    SamModel plain(SamArchitecture::compact());
    plain.loadStateDict(m_base);
    QCOMPARE(Trainer(plain, PreprocessProfile::Compact, o).validateDetailed(set).frameDice,
             before.frameDice);
    trainer.fit(set, set, TrainState{}, TrainCallbacks{});
    const Trainer::Validation after = trainer.validateDetailed(set);
    QCOMPARE(after.boxDice, before.boxDice);
    QVERIFY2(after.frameDice > 0.8 && after.frameDice > before.frameDice + 0.3,
             qPrintable(QString("frame Dice %1 -> %2").arg(before.frameDice).arg(after.frameDice)));
    const TensorMap trained = model.stateDict();
    QVERIFY(sameTensors(m_base, trained, "mask_decoder."));
    QVERIFY(sameTensors(m_base, trained, "prompt_encoder."));
    QVERIFY(sameTensors(m_base, trained, "image_encoder."));
    QVERIFY(trained.count("auto_decoder.iou_prediction_head.layers.0.weight"));

    const auto copy = SamModel::fromStateDict(trained);
    QVERIFY(copy->hasAutoDecoder());
    QVERIFY(sameTensors(trained, copy->stateDict(), ""));
    at::NoGradGuard noGrad;
    PromptTensors frame;
    frame.boxes = at::tensor({0.0f, 0.0f, 255.0f, 255.0f}).view({1, 4});
    const at::Tensor emb = set.embeddings.slice(0, 0, 1).to(at::kFloat);
    for (DecoderHead head : {DecoderHead::Main, DecoderHead::Auto})
        QVERIFY(at::equal(model.decodeTensors(emb, frame, false, head).lowResLogits,
                          copy->decodeTensors(emb, frame, false, head).lowResLogits));
    QVERIFY(!at::equal(copy->decodeTensors(emb, frame, false, DecoderHead::Main).lowResLogits,
                       copy->decodeTensors(emb, frame, false, DecoderHead::Auto).lowResLogits));
    // A model without an Auto decoder answers the Auto head with its mask decoder.
    SamModel base(SamArchitecture::compact());
    base.loadStateDict(m_base);
    QVERIFY(at::equal(base.decodeTensors(emb, frame, false, DecoderHead::Auto).lowResLogits,
                      base.decodeTensors(emb, frame, false, DecoderHead::Main).lowResLogits));
}

// --mask-prompt: only the prompt encoder's mask path and a Refine decoder (a copy of the mask
// decoder) learn, from box + disturbed-mask prompts, so that Refine's mask prompt steers the
// answer; every other tensor, and so every answer without a mask prompt, stays bit-identical,
// and the file carries the new decoder. The random embeddings do not show where the lesions
// are: only the mask prompt can.
void TestTrainer::maskPromptPathTrainsAlone() {
    SamModel model(SamArchitecture::compact());
    model.loadStateDict(m_base);
    QVERIFY(!model.hasRefineDecoder());
    TrainOptions o;
    o.epochs = 16;
    o.batchSize = 2;
    o.lr = 1e-3;
    o.patience = 0;
    o.trainMaskPrompt = true;
    Trainer trainer(model, PreprocessProfile::Compact, o);
    QVERIFY(model.hasRefineDecoder());
    QVERIFY(!trainer.trainableNames().empty());
    for (const std::string& name : trainer.trainableNames())
        QVERIFY2(name.rfind("prompt_encoder.mask_downscaling.", 0) == 0 ||
                     name.rfind("refine_decoder.", 0) == 0,
                 name.c_str());
    const Trainer::Validation before = trainer.validateDetailed(m_set);
    QVERIFY(before.maskDice >= 0 && before.maskDice <= 1);
    QCOMPARE(before.score, (before.boxDice + before.maskDice) / 2);
    // The same draws at every validation: epochs are compared on equal prompts.
    QCOMPARE(trainer.validateDetailed(m_set).maskDice, before.maskDice);
    std::vector<double> maskDice;
    TrainCallbacks cb;
    cb.epoch = [&](const EpochReport& r) { maskDice.push_back(r.valMaskDice); };
    trainer.fit(m_set, m_set, TrainState{}, cb);
    const Trainer::Validation after = trainer.validateDetailed(m_set);
    QCOMPARE(maskDice.size(), size_t(o.epochs));
    QCOMPARE(maskDice.back(), after.maskDice);
    QCOMPARE(after.boxDice, before.boxDice);
    qInfo("mask Dice %.3f -> %.3f", before.maskDice, after.maskDice);
    QVERIFY2(after.maskDice > 0.45 && after.maskDice > before.maskDice + 0.25,
             qPrintable(QString("mask Dice %1 -> %2").arg(before.maskDice).arg(after.maskDice)));
    const TensorMap trained = model.stateDict();
    QVERIFY(sameTensors(m_base, trained, "mask_decoder."));
    QVERIFY(sameTensors(m_base, trained, "image_encoder."));
    for (const auto& [name, t] : trained)
        if (name.rfind("prompt_encoder.", 0) == 0 &&
            name.rfind("prompt_encoder.mask_downscaling.", 0) != 0)
            QVERIFY2(at::equal(t, m_base.at(name)), name.c_str());
    QVERIFY(!sameTensors(m_base, trained, "prompt_encoder.mask_downscaling."));
    QVERIFY(trained.count("refine_decoder.iou_prediction_head.layers.0.weight"));

    // Read back from its tensors, the model answers mask prompts with the Refine decoder, and
    // everything else as the base model.
    const auto copy = SamModel::fromStateDict(trained);
    QVERIFY(copy->hasRefineDecoder());
    QVERIFY(!copy->hasAutoDecoder());
    at::NoGradGuard noGrad;
    PromptTensors box;
    box.boxes = at::tensor({20.0f, 25.0f, 80.0f, 85.0f}).view({1, 4});
    PromptTensors refine = box;
    refine.maskInput = (m_set.masks.slice(0, 0, 1).to(at::kFloat) * 2 - 1) * kMaskPromptLogit;
    const at::Tensor emb = m_set.embeddings.slice(0, 0, 1).to(at::kFloat);
    QVERIFY(at::equal(model.decodeTensors(emb, refine, false).lowResLogits,
                      copy->decodeTensors(emb, refine, false).lowResLogits));
    SamModel base(SamArchitecture::compact());
    base.loadStateDict(m_base);
    QVERIFY(at::equal(base.decodeTensors(emb, box, false).lowResLogits,
                      copy->decodeTensors(emb, box, false).lowResLogits));
    QVERIFY(!at::equal(base.decodeTensors(emb, refine, false).lowResLogits,
                       copy->decodeTensors(emb, refine, false).lowResLogits));
}

void TestTrainer::deterministicAndResidentOnCpu() {
    TensorMap results[2];
    for (TensorMap& result : results) {
        SamModel model(SamArchitecture::compact());
        model.loadStateDict(m_base);
        TrainOptions o;
        o.epochs = 2;
        o.batchSize = 2;
        o.pointFraction = 0.5;
        o.pointMasks = PointMasks::Both;
        o.patience = 0;
        o.dataPlacement = DataPlacement::Host; // has no meaning on the CPU: data stays in place
        Trainer trainer(model, PreprocessProfile::Compact, o);
        trainer.fit(m_set, m_set, TrainState{}, TrainCallbacks{});
        QVERIFY(trainer.dataResident());
        result = model.stateDict();
    }
    QVERIFY(!sameTensors(m_base, results[0], "mask_decoder."));
    QVERIFY(sameTensors(results[0], results[1], ""));
}

// bfloat16 autocast (the decoder's activations in bfloat16, float32 weights and optimizer) must
// take the steps float32 takes, up to bfloat16's rounding. Run here on the CPU; on a GPU the
// same code runs under CUDA autocast.
void TestTrainer::mixedPrecisionFollowsFloat32() {
    std::vector<double> losses[2];
    TensorMap results[2];
    for (int run = 0; run < 2; ++run) {
        TrainOptions o;
        o.epochs = 1;
        o.batchSize = 2;
        o.lr = 1e-3;
        o.patience = 0;
        o.autocast = run == 0 ? at::kFloat : at::kBFloat16;
        Run r = trainFromBase(o);
        losses[run] = std::move(r.losses);
        results[run] = std::move(r.weights);
    }
    QCOMPARE(losses[1].size(), losses[0].size());
    QVERIFY(losses[1] != losses[0]); // bfloat16 did run
    for (size_t i = 0; i < losses[0].size(); ++i)
        QVERIFY2(std::abs(losses[1][i] - losses[0][i]) <= 0.02 * losses[0][i],
                 qPrintable(QString("step %1: float32 loss %2, bfloat16 %3")
                                .arg(i)
                                .arg(losses[0][i])
                                .arg(losses[1][i])));
    std::vector<at::Tensor> updates[2];
    for (int run = 0; run < 2; ++run)
        for (const auto& [name, t] : results[run]) {
            if (name.rfind("mask_decoder.", 0) != 0)
                continue;
            QCOMPARE(t.scalar_type(), at::kFloat); // the weights stay float32
            updates[run].push_back((t - m_base.at(name)).reshape({-1}).to(at::kDouble));
        }
    // AdamW's first steps move each weight by about the learning rate in the direction of its
    // gradient's sign, so this is the share of weights moved the same way, weighted.
    const at::Tensor a = at::cat(updates[0]), b = at::cat(updates[1]);
    QVERIFY(a.abs().max().item<double>() > 0);
    const double cosine = at::cosine_similarity(a.view({1, -1}), b.view({1, -1})).item<double>();
    // (0.92 here; the margin is for other CPUs' bfloat16 kernels.)
    QVERIFY2(cosine > 0.8, qPrintable(QString("cosine of the updates %1").arg(cosine)));
}

// The box step written for CUDA-graph capture (one function of tensors; AdamW's factors from a
// tensor) must train as the ordinary step does. On the CPU it runs eagerly, so the two differ
// only by the rounding of AdamW's factors. Batches of 3 and 1: the last, smaller one takes the
// ordinary step in both runs.
void TestTrainer::stepFunctionMatchesEagerSteps() {
    TensorMap results[2];
    std::vector<double> losses[2];
    for (int run = 0; run < 2; ++run) {
        TrainOptions o;
        o.epochs = 2;
        o.batchSize = 3;
        o.lr = 1e-3;
        o.patience = 0;
        o.cudaGraphs = run == 1;
        Run r = trainFromBase(o);
        QCOMPARE(QString::fromStdString(r.stepMode), QString("eager"));
        losses[run] = std::move(r.losses);
        results[run] = std::move(r.weights);
    }
    QCOMPARE(losses[1].size(), size_t(4));
    for (size_t i = 0; i < losses[0].size(); ++i)
        QVERIFY2(std::abs(losses[1][i] - losses[0][i]) <= 1e-5 * losses[0][i],
                 qPrintable(QString("step %1: %2 against %3")
                                .arg(i)
                                .arg(losses[1][i], 0, 'g', 10)
                                .arg(losses[0][i], 0, 'g', 10)));
    double worst = 0, moved = 0;
    for (const auto& [name, t] : results[0]) {
        // Key-projection biases have zero gradients in exact arithmetic (softmax ignores them):
        // AdamW scales their rounding noise up to whole steps, so they are not compared.
        if (name.find("k_proj.bias") == std::string::npos)
            worst = std::max(worst, (results[1].at(name) - t).abs().max().item<double>());
        moved = std::max(moved, (t - m_base.at(name)).abs().max().item<double>());
    }
    QVERIFY2(worst <= 1e-5, qPrintable(QString("largest weight difference %1").arg(worst)));
    QVERIFY(moved > 1e-3); // the runs did train
}

void TestTrainer::optionNames() {
    for (PointMasks m : {PointMasks::BestOfThree, PointMasks::Single, PointMasks::Both})
        QVERIFY(pointMasksFromName(pointMasksName(m)) == m);
    for (DataPlacement p : {DataPlacement::Auto, DataPlacement::Device, DataPlacement::Host})
        QVERIFY(dataPlacementFromName(dataPlacementName(p)) == p);
    QVERIFY_THROWS_EXCEPTION(ModelError, pointMasksFromName("all"));
    QVERIFY_THROWS_EXCEPTION(ModelError, dataPlacementFromName("gpu"));
}

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
