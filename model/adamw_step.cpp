#include "model/adamw_step.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace dermsam {
namespace {

// The optimizer's state map is keyed by the parameter's TensorImpl: as a printed pointer in
// LibTorch 1.x, as the pointer itself in 2.x.
template <typename Map> typename Map::key_type stateKey(const Map&, const at::Tensor& p) {
    using Key = typename Map::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream s;
        s << static_cast<const void*>(p.unsafeGetTensorImpl());
        return s.str();
    } else {
        return p.unsafeGetTensorImpl();
    }
}

// A parameter's AdamW state, created as LibTorch's step creates it (zeros, step 0) if missing.
template <typename Map> torch::optim::AdamWParamState& stateOf(Map& state, const at::Tensor& p) {
    const auto key = stateKey(state, p);
    auto it = state.find(key);
    if (it == state.end()) {
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->step(0);
        s->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        s->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        it = state.emplace(key, std::move(s)).first;
    }
    return static_cast<torch::optim::AdamWParamState&>(*it->second);
}

struct Lists {
    std::vector<at::Tensor> params, grads, expAvg, expAvgSq;
    int64_t step = 0; // the state's step (before this one)
};

template <typename Optimizer> const torch::optim::AdamWOptions& singleGroup(Optimizer& optimizer) {
    if (optimizer.param_groups().size() != 1)
        throw std::invalid_argument("adamwStepWithFactors: one parameter group only");
    const auto& o =
        static_cast<const torch::optim::AdamWOptions&>(optimizer.param_groups().front().options());
    if (o.amsgrad())
        throw std::invalid_argument("adamwStepWithFactors: AMSGrad is not supported");
    return o;
}

// The tensors of the group's parameters that have gradients, with their state, created (zeros,
// step 0) where missing. Parameters without gradients are skipped, as LibTorch's step does.
Lists gather(torch::optim::AdamW& optimizer) {
    auto& state = optimizer.state();
    Lists l;
    bool first = true;
    for (auto& p : optimizer.param_groups().front().params()) {
        if (!p.grad().defined())
            continue;
        auto& s = stateOf(state, p);
        if (!first && s.step() != l.step)
            throw std::invalid_argument("adamwStepWithFactors: parameters at different steps");
        first = false;
        l.step = s.step();
        l.params.push_back(p);
        l.grads.push_back(p.grad());
        l.expAvg.push_back(s.exp_avg());
        l.expAvgSq.push_back(s.exp_avg_sq());
    }
    return l;
}

// In place, by a one-element device tensor: per tensor, because the multi-tensor form with a
// tensor factor is not in every LibTorch this builds against (in a graph the launches are free).
void scaleAll(std::vector<at::Tensor>& list, const at::Tensor& factor) {
    for (auto& t : list)
        t.mul_(factor);
}

} // namespace

at::Tensor adamwFactors(const torch::optim::AdamW& optimizer) {
    const auto& o = singleGroup(optimizer);
    int64_t step = 1;
    const auto& state = optimizer.state();
    for (const auto& p : optimizer.param_groups().front().params()) {
        auto it = state.find(stateKey(state, p));
        if (it != state.end()) {
            step = static_cast<const torch::optim::AdamWParamState&>(*it->second).step() + 1;
            break;
        }
    }
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double correction1 = 1 - std::pow(beta1, double(step));
    const double correction2 = 1 - std::pow(beta2, double(step));
    // [weight-decay factor, -step size, 1 / sqrt(bias correction 2)]
    return at::tensor(
               {1 - o.lr() * o.weight_decay(), -o.lr() / correction1, 1 / std::sqrt(correction2)},
               at::kDouble)
        .to(at::kFloat);
}

void adamwStepWithFactors(torch::optim::AdamW& optimizer, const at::Tensor& factors) {
    at::NoGradGuard noGrad;
    const auto& o = singleGroup(optimizer);
    Lists l = gather(optimizer);
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    if (o.weight_decay() != 0)
        scaleAll(l.params, factors.select(0, 0));
    at::_foreach_mul_(l.expAvg, beta1);
    at::_foreach_add_(l.expAvg, l.grads, 1 - beta1);
    at::_foreach_mul_(l.expAvgSq, beta2);
    at::_foreach_addcmul_(l.expAvgSq, l.grads, l.grads, 1 - beta2);
    std::vector<at::Tensor> denom = at::_foreach_sqrt(l.expAvgSq);
    scaleAll(denom, factors.select(0, 2));
    at::_foreach_add_(denom, o.eps());
    std::vector<at::Tensor> update = at::_foreach_div(l.expAvg, denom);
    scaleAll(update, factors.select(0, 1));
    at::_foreach_add_(l.params, update);
}

void adamwAdvanceSteps(torch::optim::AdamW& optimizer) {
    auto& state = optimizer.state();
    for (auto& group : optimizer.param_groups())
        for (auto& p : group.params()) {
            auto it = state.find(stateKey(state, p));
            if (it != state.end()) {
                auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
                s.step(s.step() + 1);
            }
        }
}

void adamwStep(torch::optim::AdamW& optimizer) {
    at::NoGradGuard noGrad;
    auto& state = optimizer.state();
    for (auto& group : optimizer.param_groups()) {
        auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
        if (o.amsgrad()) {
            optimizer.step();
            return;
        }
        // Parameters grouped by step count: normally one group, but a parameter that had no
        // gradient in some step (or state loaded from elsewhere) may lag behind.
        struct Bucket {
            std::vector<at::Tensor> params, grads, expAvg, expAvgSq;
        };
        std::vector<std::pair<int64_t, Bucket>> buckets;
        for (auto& p : group.params()) {
            if (!p.grad().defined())
                continue;
            auto& s = stateOf(state, p);
            s.step(s.step() + 1);
            auto b = std::find_if(buckets.begin(), buckets.end(),
                                  [&](const auto& e) { return e.first == s.step(); });
            if (b == buckets.end()) {
                buckets.emplace_back(s.step(), Bucket{});
                b = std::prev(buckets.end());
            }
            b->second.params.push_back(p);
            b->second.grads.push_back(p.grad());
            b->second.expAvg.push_back(s.exp_avg());
            b->second.expAvgSq.push_back(s.exp_avg_sq());
        }
        const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
        for (auto& [step, b] : buckets) {
            if (o.weight_decay() != 0)
                at::_foreach_mul_(b.params, 1 - o.lr() * o.weight_decay());
            const double correction1 = 1 - std::pow(beta1, double(step));
            const double correction2 = 1 - std::pow(beta2, double(step));
            at::_foreach_mul_(b.expAvg, beta1);
            at::_foreach_add_(b.expAvg, b.grads, 1 - beta1);
            at::_foreach_mul_(b.expAvgSq, beta2);
            at::_foreach_addcmul_(b.expAvgSq, b.grads, b.grads, 1 - beta2);
            std::vector<at::Tensor> denom = at::_foreach_sqrt(b.expAvgSq);
            at::_foreach_div_(denom, std::sqrt(correction2));
            at::_foreach_add_(denom, o.eps());
            at::_foreach_addcdiv_(b.params, b.expAvg, denom, -o.lr() / correction1);
        }
    }
}

} // namespace dermsam
