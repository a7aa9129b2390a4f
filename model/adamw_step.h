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

} // namespace dermsam
