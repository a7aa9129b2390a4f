// Commands over dataset folders: evaluation, fine-tuning, comparison.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "app/cli/cli_model_args.h"

namespace dermsam::cli {

PairSource openCorePairs(const std::string& dataDir, const std::string&, const std::string&,
                         size_t) {
    throw UsageError("'" + dataDir + "': only the MedSAM npy layout is readable so far");
}

void registerDataCommands(CommandTable& /*table*/) {}

} // namespace dermsam::cli
