// Commands over dataset folders: evaluation, fine-tuning, comparison.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"

namespace dermsam::cli {

void registerDataCommands(CommandTable& /*table*/) {}

} // namespace dermsam::cli
