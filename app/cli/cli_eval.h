#pragma once

#include "app/cli/cli_common.h"
#include "core/image_limits.h"

#include <string>

namespace dermsam::cli {

// --cache DIR, or the per-user cache folder; --no-cache (or --cache "") turns it off.
std::string cacheDirFromArgs(const Args& args);

// --max-megapixels N (N > 0): images whose header declares more pixels are refused unread
// (image-too-large); default ImageLimits' 200.
ImageLimits imageLimitsFromArgs(const Args& args);

} // namespace dermsam::cli
