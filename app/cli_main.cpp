// dermsam-cli: the stable command-line contract of DESIGN.md. Each command lives in cli/.
#include "app/cli/cli_commands.h"
#include "app/cli/cli_common.h"
#include "io/file_error.h"
#include "model/cpu_threading.h"
#include "model/model_error.h"
#ifndef DERMSAM_MODEL_ONLY
#include "core/core_error.h"
#endif

#include "dermsam_version.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

namespace {

void printUsage(const dermsam::cli::CommandTable& table, std::FILE* to) {
    std::fprintf(to, "usage: dermsam-cli <command> [options]\n       dermsam-cli --version\n\n"
                     "commands:\n");
    for (const auto& kv : table)
        std::fprintf(to, "  %-14s %s\n", kv.first.c_str(), kv.second.synopsis.c_str());
}

#ifndef DERMSAM_MODEL_ONLY
// What the user can do about core's error codes (DESIGN.md: app/ turns them into sentences).
// The code and path stay first on the line, for scripts.
const char* coreErrorHint(dermsam::CoreErrorCode code) {
    using dermsam::CoreErrorCode;
    switch (code) {
    case CoreErrorCode::FileNotFound:
        return "no such file or folder";
    case CoreErrorCode::FileUnreadable:
        return "it cannot be read (check its permissions)";
    case CoreErrorCode::FileWriteFailed:
        return "it could not be written (check the folder's permissions and free space); "
               "files already there were left as they were";
    case CoreErrorCode::UnsupportedFormat:
        return "not an image or mask format DermSAM reads (JPEG, PNG, BMP, TIFF, DICOM)";
    case CoreErrorCode::CorruptFile:
        return "the file is damaged or incomplete";
    case CoreErrorCode::UnsupportedDicom:
        return "a DICOM file DermSAM cannot display (no pixel data, several frames or an "
               "unsupported compression)";
    case CoreErrorCode::DicomDictionaryMissing:
        return "DCMTK's data dictionary is missing: set DCMDICTPATH to dicom.dic";
    case CoreErrorCode::BadMask:
        return "the mask is empty or has an unusable format";
    case CoreErrorCode::BadSplitFile:
        return "the split file has a malformed line, an unknown split name or a duplicate id";
    case CoreErrorCode::UnknownLayout:
        return "no images with masks recognised here (ISIC, PH2, images/ + masks/ and MedSAM .npy "
               "layouts; docs/cli.md)";
    case CoreErrorCode::NotADirectory:
        return "not a folder";
    case CoreErrorCode::BadSidecar:
        return "the mask's sidecar JSON cannot be read";
    case CoreErrorCode::ImageTooLarge:
        return "more pixels than allowed; --max-megapixels N raises the limit (default 200)";
    case CoreErrorCode::SizeMismatch:
    case CoreErrorCode::BadArgument:
        break; // the detail already says what
    }
    return nullptr;
}
#endif

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
#ifndef DERMSAM_MODEL_ONLY
    } catch (const dermsam::CoreError& e) {
        std::string msg = e.what();
        msg.resize(std::min(msg.size(), msg.find('\n')));
        const char* hint = coreErrorHint(e.code());
        std::fprintf(stderr, "dermsam-cli %s: error: %s%s%s\n", command.c_str(), msg.c_str(),
                     hint ? ": " : "", hint ? hint : "");
        return 1;
#endif
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
