// Protects adamwStep: the multi-tensor AdamW step equals torch::optim::AdamW::step() and keeps
// its state where torch::save / torch::load of the optimizer find it.
// labels: unit
#include "model/adamw_step.h"

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace dermsam;

namespace {

// Parameters of several shapes, one of which never receives a gradient.
std::vector<at::Tensor> makeParams(uint64_t seed) {
    at::manual_seed(seed);
    std::vector<at::Tensor> p{at::randn({7, 5}), at::randn({13}), at::randn({2, 3, 4}),
                              at::randn({1})};
    for (auto& t : p)
        t.requires_grad_(true);
    return p;
}

void setGradients(std::vector<at::Tensor>& params, int step) {
    at::manual_seed(1000 + uint64_t(step));
    for (size_t i = 0; i + 1 < params.size(); ++i)
        params[i].mutable_grad() = at::randn_like(params[i]) * (1.0 + double(i));
}

double maxDifference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i)
        m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
    return m;
}

// What a resumed run starts from: the optimizer saved to a file and loaded into a fresh one over
// copies of its parameters.
struct Resumed {
    std::vector<at::Tensor> params;
    std::unique_ptr<torch::optim::AdamW> optimizer;
};

Resumed saveAndResume(torch::optim::AdamW& optimizer, const std::vector<at::Tensor>& params,
                      const torch::optim::AdamWOptions& options) {
    QTemporaryDir dir;
    const std::string path = dir.filePath("optimizer.pt").toStdString();
    torch::save(optimizer, path);
    Resumed r;
    for (const auto& p : params)
        r.params.push_back(p.detach().clone().requires_grad_(true));
    r.optimizer = std::make_unique<torch::optim::AdamW>(r.params, options);
    torch::load(*r.optimizer, path);
    return r;
}

} // namespace

class TestAdamwStep : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesLibTorch_data();
    void matchesLibTorch();
    void stateSurvivesSaveAndLoad();
    void factorFormMatches_data();
    void factorFormMatches();
    void factorFormSkipsParametersWithoutGradients();
};

void TestAdamwStep::matchesLibTorch_data() {
    QTest::addColumn<double>("lr");
    QTest::addColumn<double>("weightDecay");
    QTest::addColumn<int>("steps");
    QTest::newRow("no decay, 1 step") << 1e-3 << 0.0 << 1;
    QTest::newRow("decay, 5 steps") << 1e-3 << 0.01 << 5;
    QTest::newRow("large lr, decay, 12 steps") << 0.05 << 0.1 << 12;
}

// Same parameters, same gradients: both optimizers must move every parameter identically
// (within float rounding), including the one that never had a gradient (not at all).
void TestAdamwStep::matchesLibTorch() {
    QFETCH(double, lr);
    QFETCH(double, weightDecay);
    QFETCH(int, steps);
    std::vector<at::Tensor> ours = makeParams(7), theirs = makeParams(7);
    const at::Tensor untouched = ours.back().detach().clone();
    const auto options = torch::optim::AdamWOptions(lr).weight_decay(weightDecay);
    torch::optim::AdamW a(ours, options), b(theirs, options);
    for (int s = 0; s < steps; ++s) {
        setGradients(ours, s);
        setGradients(theirs, s);
        adamwStep(a);
        b.step();
    }
    const double diff = maxDifference(ours, theirs);
    qInfo("largest difference after %d steps: %.3g", steps, diff);
    QVERIFY(diff <= 1e-6);
    // The update itself is far larger than that: the comparison is not vacuous.
    QVERIFY(maxDifference(ours, makeParams(7)) > 1e-4);
    QVERIFY(at::equal(ours.back().detach(), untouched));
    QCOMPARE(a.state().size(), b.state().size());
}

// A run that saves its optimizer after our steps and resumes with LibTorch's (or ours) must
// continue from the same moments and step count.
void TestAdamwStep::stateSurvivesSaveAndLoad() {
    const auto options = torch::optim::AdamWOptions(0.01).weight_decay(0.05);
    std::vector<at::Tensor> ours = makeParams(3), reference = makeParams(3);
    torch::optim::AdamW a(ours, options), r(reference, options);
    for (int s = 0; s < 3; ++s) {
        setGradients(ours, s);
        setGradients(reference, s);
        adamwStep(a);
        r.step();
    }
    Resumed c = saveAndResume(a, ours, options);
    for (int s = 3; s < 6; ++s) {
        setGradients(c.params, s);
        setGradients(reference, s);
        c.optimizer->step();
        r.step();
    }
    QVERIFY(maxDifference(c.params, reference) <= 1e-6);
}

void TestAdamwStep::factorFormMatches_data() {
    matchesLibTorch_data();
}

// The graph-replayable form (factors from a tensor, counters advanced on the host) must take the
// same steps as LibTorch's, learning-rate changes between steps included, and leave the state as
// LibTorch's would for a resumed run.
void TestAdamwStep::factorFormMatches() {
    QFETCH(double, lr);
    QFETCH(double, weightDecay);
    QFETCH(int, steps);
    std::vector<at::Tensor> ours = makeParams(5), theirs = makeParams(5);
    // The form needs a gradient for every parameter (setGradients leaves the last one without).
    auto setAll = [](std::vector<at::Tensor>& p, int s) {
        setGradients(p, s);
        p.back().mutable_grad() = at::full_like(p.back(), 0.3 - 0.1 * s);
    };
    const auto options = torch::optim::AdamWOptions(lr).weight_decay(weightDecay);
    torch::optim::AdamW a(ours, options), b(theirs, options);
    for (int s = 0; s < steps; ++s) {
        // A schedule: the factors must follow the group's current learning rate.
        const double stepLr = lr * (1.0 - 0.05 * s);
        for (auto* opt : {&a, &b})
            static_cast<torch::optim::AdamWOptions&>(opt->param_groups().front().options())
                .lr(stepLr);
        setAll(ours, s);
        setAll(theirs, s);
        adamwStepWithFactors(a, adamwFactors(a));
        adamwAdvanceSteps(a);
        b.step();
    }
    const double diff = maxDifference(ours, theirs);
    qInfo("largest difference after %d steps: %.3g", steps, diff);
    QVERIFY(diff <= 1e-6);
    QVERIFY(maxDifference(ours, makeParams(5)) > 1e-4);
    // Same moments and step counts: a run resumed from the saved state with LibTorch's own
    // step continues as LibTorch's run does.
    Resumed c = saveAndResume(a, ours, options);
    for (int s = steps; s < steps + 2; ++s) {
        for (auto* opt : {&b, c.optimizer.get()})
            static_cast<torch::optim::AdamWOptions&>(opt->param_groups().front().options()).lr(lr);
        setAll(c.params, s);
        setAll(theirs, s);
        c.optimizer->step();
        b.step();
    }
    QVERIFY(maxDifference(c.params, theirs) <= 1e-6);
}

// A parameter without a gradient is left alone (no decay, no state), as LibTorch's step does.
void TestAdamwStep::factorFormSkipsParametersWithoutGradients() {
    std::vector<at::Tensor> ours = makeParams(9), theirs = makeParams(9);
    const at::Tensor untouched = ours.back().detach().clone();
    const auto options = torch::optim::AdamWOptions(1e-2).weight_decay(0.1);
    torch::optim::AdamW a(ours, options), b(theirs, options);
    for (int s = 0; s < 3; ++s) {
        setGradients(ours, s); // all but the last
        setGradients(theirs, s);
        adamwStepWithFactors(a, adamwFactors(a));
        adamwAdvanceSteps(a);
        b.step();
    }
    QVERIFY(maxDifference(ours, theirs) <= 1e-6);
    QVERIFY(at::equal(ours.back().detach(), untouched));
    QCOMPARE(a.state().size(), b.state().size());
}

QTEST_GUILESS_MAIN(TestAdamwStep)
#include "tst_adamw_step.moc"
