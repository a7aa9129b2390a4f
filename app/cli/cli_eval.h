#pragma once

#include "app/cli/cli_common.h"
#include "core/auto_segment.h"
#include "core/image_limits.h"
#include "model/preprocess.h"
#include "model/test_time_augmentation.h"

#include <string>

namespace dermsam::cli {

// --cache DIR, or the per-user cache folder; --no-cache (or --cache "") turns it off.
std::string cacheDirFromArgs(const Args& args);

// --max-megapixels N (N > 0): images whose header declares more pixels are refused unread
// (image-too-large); default ImageLimits' 200.
ImageLimits imageLimitsFromArgs(const Args& args);

// Test-time augmentation when --tta is not given (segment, eval, compare).
constexpr TtaMode kDefaultTta = TtaMode::Off;
// --tta off|hflip|flips|d4 (default kDefaultTta). A profile that pads (sam) cannot take it:
// a usage error when asked for, off when only the default.
TtaMode ttaFromArgs(const Args& args, PreprocessProfile profile);
// --auto-iterations N, --auto-margin F, --auto-centre on|off, --auto-largest on|off: the knobs
// of the no-prompt mode (defaults: AutoOptions', chosen on the validation split).
AutoOptions autoOptionsFromArgs(const Args& args);

} // namespace dermsam::cli
