#pragma once

#include "io/file_error.h"

#include <stdexcept>
#include <string>

namespace dermsam {

// Machine-readable failure reasons: the layers above turn these into translated sentences, so
// the code and the offending path travel separately from any English text.
enum class ErrorCode {
    FileNotFound,
    FileUnreadable,
    FileWriteFailed,
    NotAZipArchive,
    TruncatedFile,
    BadPickle,
    ForbiddenGlobal,
    BadSafetensors,
    BadNpy,
    UnsupportedDtype,
    MissingKeys,
    UnexpectedKeys,
    ShapeMismatch,
    UnknownArchitecture,
    BadPrompt,
    BadImage,
    BadArgument,
    DeviceUnavailable,
    Cancelled,
    CorruptFile,       // checksum mismatch inside an otherwise well-formed file
    UnsupportedFormat, // a valid file in a variant we do not read (compressed zip entries, ...)
};

const char* errorCodeName(ErrorCode code);

// One line of at most 1000 bytes (io/file_error.h): every error reaches a user as one line.
using io::oneLine;

// The ErrorCode of an io/ file error: NotFound -> FileNotFound, Unreadable -> FileUnreadable,
// WriteFailed -> FileWriteFailed, Malformed -> NotAZipArchive (zip is io/'s only structured
// reader), Truncated -> TruncatedFile, Unsupported -> UnsupportedFormat, Corrupt -> CorruptFile,
// BadArgument -> BadArgument.
ErrorCode errorCodeFor(io::FileErrorKind kind);

class ModelError : public std::runtime_error {
public:
    ModelError(ErrorCode code, std::string path, const std::string& detail)
        : ModelError(code, std::move(path), oneLine(detail), 0) {}

    // The same failure as ModelError, so model/'s callers (and the CLI's messages) see the codes
    // they always saw; model/ converts at its boundary (rethrowAsModelError).
    explicit ModelError(const io::FileError& e)
        : ModelError(errorCodeFor(e.kind()), e.path(), e.detail(), 0) {}

    ErrorCode code() const { return m_code; }
    const std::string& path() const { return m_path; }
    const std::string& detail() const { return m_detail; }

private:
    ModelError(ErrorCode code, std::string path, std::string detail, int)
        : std::runtime_error(detail.empty() ? std::string(errorCodeName(code))
                                            : std::string(errorCodeName(code)) + ": " + detail)
        , m_code(code)
        , m_path(std::move(path))
        , m_detail(std::move(detail)) {}

    ErrorCode m_code;
    std::string m_path;
    std::string m_detail;
};

// Runs f and turns an io::FileError it throws into the equivalent ModelError: model/'s functions
// throw ModelError only, whatever io/ function they call.
template <class F> decltype(auto) rethrowAsModelError(F&& f) {
    try {
        return f();
    } catch (const io::FileError& e) {
        throw ModelError(e);
    }
}

} // namespace dermsam
