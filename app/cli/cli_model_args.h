#pragma once

#include "app/cli/cli_common.h"
#include "model/finetune_job.h"
#include "model/model_loader.h"
#include "model/prompts.h"

namespace dermsam::cli {

// --model (path or "default"), optional --profile and --base.
LoadedModel loadModelFromArgs(const Args& args);
// The start of every command that runs the model: --threads, then the model of
// loadModelFromArgs placed as placeModel says on --device (default auto).
LoadedModel loadModelOnDevice(const Args& args);
// Moves a model to `device` in --precision (float32 by default; bfloat16 and float16 need CUDA)
// with --tf32 on|off (default off) for float32 products on CUDA.
void placeModel(const Args& args, SamModel& model, const c10::Device& device);
// Checks --device, --precision and --tf32 without a model, so a command that reads its input
// before its model still reports a wrong option before a missing file.
void checkPlacementArgs(const Args& args);
// --KEY on|off (a usage error otherwise), fallback when absent.
bool onOffArg(const Args& args, const std::string& key, bool fallback);

// --box x0,y0,x1,y1 (repeatable) and --point x,y,label (repeatable), plus --multimask.
Prompts parsePromptArgs(const Args& args);

// Image/mask pairs of one split of a dataset folder ("" = every pair). The MedSAM npy layout is
// read with LibTorch alone; other layouts need core (not in the headless build).
PairSource openPairs(const std::string& dataDir, const std::string& splitFile,
                     const std::string& splitName, size_t limit);
#ifndef DERMSAM_MODEL_ONLY
PairSource openCorePairs(const std::string& dataDir, const std::string& splitFile,
                         const std::string& splitName, size_t limit);
#endif

} // namespace dermsam::cli
