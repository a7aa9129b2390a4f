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

class ModelError : public std::runtime_error {
public:
    ModelError(ErrorCode code, std::string path, const std::string& detail)
        : std::runtime_error(detail.empty() ? std::string(errorCodeName(code))
                                            : std::string(errorCodeName(code)) + ": " + detail)
        , m_code(code)
        , m_path(std::move(path))
        , m_detail(detail) {}

    ErrorCode code() const { return m_code; }
    const std::string& path() const { return m_path; }
    const std::string& detail() const { return m_detail; }

private:
    ErrorCode m_code;
    std::string m_path;
    std::string m_detail;
};

} // namespace dermsam
