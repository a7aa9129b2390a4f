#pragma once

#include "app/cli/cli_common.h"
#include "model/model_loader.h"
#include "model/prompts.h"

namespace dermsam::cli {

// --model (path or "default"), optional --profile and --base.
LoadedModel loadModelFromArgs(const Args& args);

// --box x0,y0,x1,y1 (repeatable) and --point x,y,label (repeatable), plus --multimask.
Prompts parsePromptArgs(const Args& args);

} // namespace dermsam::cli
