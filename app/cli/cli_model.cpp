// Commands that need only LibTorch: they also exist in the headless GPU build.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"

namespace dermsam::cli {

void registerModelCommands(CommandTable& /*table*/) {}

} // namespace dermsam::cli
