// dermsam-cli: the stable command-line contract of DESIGN.md. Each command lives in cli/.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "io/file_error.h"
#include "model/cpu_threading.h"
#include "model/model_error.h"

#include "dermsam_version.h"

#include <cstdio>
#include <exception>
#include <iostream>

namespace {

void printUsage(const dermsam::cli::CommandTable& table, std::FILE* to) {
    std::fprintf(to, "usage: dermsam-cli <command> [options]\n       dermsam-cli --version\n\n"
                     "commands:\n");
    for (const auto& kv : table)
        std::fprintf(to, "  %-14s %s\n", kv.first.c_str(), kv.second.synopsis.c_str());
}

} // namespace

int main(int argc, char** argv) {
    using namespace dermsam::cli;
    CommandTable table;
    registerModelCommands(table);
#ifndef DERMSAM_MODEL_ONLY
    registerImageCommands(table);
    registerDataCommands(table);
    registerExplainCommands(table);
    registerMeasureCommands(table);
#endif

    if (argc < 2) {
        printUsage(table, stderr);
        return 2;
    }
    const std::string command = argv[1];
    if (command == "--version" || command == "version") {
        std::printf("dermsam-cli %s\n", DERMSAM_VERSION_STRING);
        return 0;
    }
    if (command == "--help" || command == "-h" || command == "help") {
        printUsage(table, stdout);
        return 0;
    }
    const auto it = table.find(command);
    if (it == table.end()) {
        std::fprintf(stderr, "dermsam-cli: error: unknown command '%s' (see dermsam-cli --help)\n",
                     command.c_str());
        return 2;
    }
    const std::vector<std::string> args(argv + 2, argv + argc);
    for (const std::string& a : args) {
        if (a == "--help" || a == "-h") {
            std::printf("dermsam-cli %s: %s\nOptions: see docs/cli.md\n", command.c_str(),
                        it->second.synopsis.c_str());
            return 0;
        }
    }
    // Before any command runs (but not for usage and version, which compute nothing): may
    // restart the program once with the OpenMP settings it needs.
    dermsam::ensureCpuThreadingEnvironment(argc, argv);
    dermsam::flushDenormalsToZero();
    try {
        return it->second.run(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "dermsam-cli %s: error: %s\n", command.c_str(), e.what());
        return 2;
    } catch (const dermsam::io::FileError& e) {
        // io/'s error where the CLI calls io/ itself (folders, reports): the form of ModelError.
        std::fprintf(stderr, "dermsam-cli %s: error: %s: %s\n", command.c_str(), e.path().c_str(),
                     e.what());
        return 1;
    } catch (const dermsam::ModelError& e) {
        if (e.path().empty())
            std::fprintf(stderr, "dermsam-cli %s: error: %s\n", command.c_str(), e.what());
        else
            std::fprintf(stderr, "dermsam-cli %s: error: %s: %s\n", command.c_str(),
                         e.path().c_str(), e.what());
        return 1;
    } catch (const std::exception& e) {
        // c10::Error messages carry a multi-line backtrace: keep the first line only.
        std::string msg = e.what();
        const auto nl = msg.find('\n');
        if (nl != std::string::npos)
            msg.resize(nl);
        std::fprintf(stderr, "dermsam-cli %s: error: %s\n", command.c_str(), msg.c_str());
        return 1;
    }
}
