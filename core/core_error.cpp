#include "core/core_error.h"

namespace dermsam {

const char* coreErrorCodeName(CoreErrorCode code) {
    switch (code) {
    case CoreErrorCode::FileNotFound:
        return "file-not-found";
    case CoreErrorCode::FileUnreadable:
        return "file-unreadable";
    case CoreErrorCode::FileWriteFailed:
        return "file-write-failed";
    case CoreErrorCode::UnsupportedFormat:
        return "unsupported-format";
    case CoreErrorCode::CorruptFile:
        return "corrupt-file";
    case CoreErrorCode::UnsupportedDicom:
        return "unsupported-dicom";
    case CoreErrorCode::DicomDictionaryMissing:
        return "dicom-dictionary-missing";
    case CoreErrorCode::BadMask:
        return "bad-mask";
    case CoreErrorCode::SizeMismatch:
        return "size-mismatch";
    case CoreErrorCode::BadSplitFile:
        return "bad-split-file";
    case CoreErrorCode::UnknownLayout:
        return "unknown-layout";
    case CoreErrorCode::NotADirectory:
        return "not-a-directory";
    case CoreErrorCode::BadSidecar:
        return "bad-sidecar";
    case CoreErrorCode::BadArgument:
        return "bad-argument";
    case CoreErrorCode::ImageTooLarge:
        return "image-too-large";
    }
    return "unknown";
}

namespace {

std::string composeMessage(CoreErrorCode code, const std::string& path, const std::string& detail) {
    std::string message = coreErrorCodeName(code);
    if (!path.empty())
        message += " [" + path + "]";
    if (!detail.empty())
        message += ": " + detail;
    return message;
}

} // namespace

CoreError::CoreError(CoreErrorCode code, std::string path, const std::string& detail)
    : std::runtime_error(composeMessage(code, path, detail))
    , m_code(code)
    , m_path(std::move(path))
    , m_detail(detail) {}

CoreErrorCode coreErrorCodeFor(io::FileErrorKind kind) {
    switch (kind) {
    case io::FileErrorKind::NotFound:
        return CoreErrorCode::FileNotFound;
    case io::FileErrorKind::Unreadable:
        return CoreErrorCode::FileUnreadable;
    case io::FileErrorKind::WriteFailed:
        return CoreErrorCode::FileWriteFailed;
    case io::FileErrorKind::Malformed:
    case io::FileErrorKind::Truncated:
    case io::FileErrorKind::Corrupt:
        return CoreErrorCode::CorruptFile;
    case io::FileErrorKind::Unsupported:
        return CoreErrorCode::UnsupportedFormat;
    case io::FileErrorKind::BadArgument:
        return CoreErrorCode::BadArgument;
    }
    return CoreErrorCode::FileUnreadable;
}

CoreError::CoreError(const io::FileError& e)
    : CoreError(coreErrorCodeFor(e.kind()), e.path(), e.detail()) {}

} // namespace dermsam
