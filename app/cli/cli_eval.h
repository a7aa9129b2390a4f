#pragma once

#include "app/cli/cli_common.h"

#include <string>

namespace dermsam::cli {

// --cache DIR, or the per-user cache folder; --no-cache (or --cache "") turns it off.
std::string cacheDirFromArgs(const Args& args);

} // namespace dermsam::cli
