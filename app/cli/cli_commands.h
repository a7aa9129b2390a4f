#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dermsam::cli {

using CommandFn = std::function<int(const std::vector<std::string>& args)>;

struct Command {
    CommandFn run;
    std::string synopsis;
};

using CommandTable = std::map<std::string, Command>;

// Each group lives in its own file; the headless (model-only) build registers only the first.
void registerModelCommands(CommandTable& table);
#ifndef DERMSAM_MODEL_ONLY
void registerImageCommands(CommandTable& table);
void registerDataCommands(CommandTable& table);
void registerExplainCommands(CommandTable& table);
void registerMeasureCommands(CommandTable& table);
#endif

} // namespace dermsam::cli
