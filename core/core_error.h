#pragma once

#include "io/file_error.h"

#include <stdexcept>
#include <string>

namespace dermsam {

// Machine-readable failure reasons of the core layer. ui/ and app/ turn them into translated
// sentences; the code and the offending path travel apart from any English detail text.
enum class CoreErrorCode {
    FileNotFound,           // the path does not exist
    FileUnreadable,         // exists but cannot be opened or read
    FileWriteFailed,        // a write, flush or atomic rename failed
    UnsupportedFormat,      // not an image/mask format we read, or an unsupported pixel type
    CorruptFile,            // recognised format, but the decoder rejected the content
    UnsupportedDicom,       // valid DICOM we cannot render (no pixel data, multi-frame, codec, ...)
    DicomDictionaryMissing, // DCMTK's data dictionary is not loaded (set DCMDICTPATH)
    BadMask,                // a mask with an unusable shape or type
    SizeMismatch,           // two images that must have the same size do not
    BadSplitFile,  // a split file with a malformed line, an unknown split or a duplicate id
    UnknownLayout, // a dataset folder that matches no known layout
    NotADirectory, // a dataset path that is not a folder
    BadSidecar,    // a mask sidecar JSON that cannot be parsed
    BadArgument,   // an invalid argument (ratios, empty samples, ...)
    ImageTooLarge, // the header declares more pixels than ImageLimits allows (nothing decoded)
};

// Stable kebab-case name, e.g. "file-not-found", for logs and --json output.
const char* coreErrorCodeName(CoreErrorCode code);

// NotFound -> FileNotFound, Unreadable -> FileUnreadable, WriteFailed -> FileWriteFailed,
// Malformed / Truncated / Corrupt -> CorruptFile, Unsupported -> UnsupportedFormat,
// BadArgument -> BadArgument.
CoreErrorCode coreErrorCodeFor(io::FileErrorKind kind);

class CoreError : public std::runtime_error {
public:
    CoreError(CoreErrorCode code, std::string path, const std::string& detail = {});
    // An io/ file error as the core error of the same meaning (coreErrorCodeFor), path and
    // detail kept: core/'s callers see CoreError only.
    explicit CoreError(const io::FileError& e);

    CoreErrorCode code() const { return m_code; }
    const std::string& path() const { return m_path; }
    // Technical detail for logs (library messages, line numbers); never shown as a sentence.
    const std::string& detail() const { return m_detail; }

private:
    CoreErrorCode m_code;
    std::string m_path;
    std::string m_detail;
};

// Runs f and turns an io::FileError it throws into the equivalent CoreError.
template <class F> decltype(auto) rethrowAsCoreError(F&& f) {
    try {
        return f();
    } catch (const io::FileError& e) {
        throw CoreError(e);
    }
}

} // namespace dermsam
