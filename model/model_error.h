#pragma once

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

// `text` as one line of at most `maxLength` bytes: control characters (newlines included)
// become spaces and a longer text is cut with "...". Details often quote a hostile file's
// contents, and every error must reach a user as one readable line.
std::string oneLine(const std::string& text, size_t maxLength = 1000);

class ModelError : public std::runtime_error {
public:
    ModelError(ErrorCode code, std::string path, const std::string& detail)
        : ModelError(code, std::move(path), oneLine(detail), 0) {}

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

} // namespace dermsam
