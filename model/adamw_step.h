#pragma once

#include <torch/optim/adamw.h>

namespace dermsam {

// One AdamW step with the same arithmetic as torch::optim::AdamW::step(), written as a handful
// of multi-tensor (_foreach_) operations over all parameters instead of about ten kernels per
// parameter tensor: on a GPU the launches of the per-tensor form, not the card, limited a
// decoder training step.
//
// The state lives in the optimizer itself (created as its own step() creates it), so
// torch::save / torch::load of the optimizer and resumed runs are unchanged. AMSGrad is not
// supported (the trainer does not use it): such an optimizer takes its own step().
void adamwStep(torch::optim::AdamW& optimizer);

// The same step in a form a CUDA graph can replay: the factors that change from step to step
// (learning rate, bias corrections) are read from a device tensor instead of being baked into
// the kernels as host scalars, and the host-side step counters are left alone (advance them
// with adamwAdvanceSteps() after each step). One parameter group, the parameters that have
// gradients all at the same step (those without are skipped, as by LibTorch's step: in a
// captured step the same ones every time); no AMSGrad.
//
// adamwFactors() computes, on the host in double precision, the factors of the step about to
// run (the state's step + 1 and the group's current learning rate) as a float32 CPU tensor;
// copy it to the device (pinned, asynchronously) and pass it to adamwStepWithFactors().
at::Tensor adamwFactors(const torch::optim::AdamW& optimizer);
void adamwStepWithFactors(torch::optim::AdamW& optimizer, const at::Tensor& factors);
void adamwAdvanceSteps(torch::optim::AdamW& optimizer);

} // namespace dermsam
