// Commands that read images (OpenCV, DCMTK through core).
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"

namespace dermsam::cli {

void registerImageCommands(CommandTable& /*table*/) {}

} // namespace dermsam::cli
