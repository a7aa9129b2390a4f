#include "model/model_error.h"

namespace dermsam {

const char* errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::FileNotFound:
        return "file-not-found";
    case ErrorCode::FileUnreadable:
        return "file-unreadable";
    case ErrorCode::FileWriteFailed:
        return "file-write-failed";
    case ErrorCode::NotAZipArchive:
        return "not-a-zip-archive";
    case ErrorCode::TruncatedFile:
        return "truncated-file";
    case ErrorCode::BadPickle:
        return "bad-pickle";
    case ErrorCode::ForbiddenGlobal:
        return "forbidden-global";
    case ErrorCode::BadSafetensors:
        return "bad-safetensors";
    case ErrorCode::BadNpy:
        return "bad-npy";
    case ErrorCode::UnsupportedDtype:
        return "unsupported-dtype";
    case ErrorCode::MissingKeys:
        return "missing-keys";
    case ErrorCode::UnexpectedKeys:
        return "unexpected-keys";
    case ErrorCode::ShapeMismatch:
        return "shape-mismatch";
    case ErrorCode::UnknownArchitecture:
        return "unknown-architecture";
    case ErrorCode::BadPrompt:
        return "bad-prompt";
    case ErrorCode::BadImage:
        return "bad-image";
    case ErrorCode::BadArgument:
        return "bad-argument";
    case ErrorCode::DeviceUnavailable:
        return "device-unavailable";
    case ErrorCode::Cancelled:
        return "cancelled";
    case ErrorCode::CorruptFile:
        return "corrupt-file";
    case ErrorCode::UnsupportedFormat:
        return "unsupported-format";
    }
    return "unknown-error";
}

ErrorCode errorCodeFor(io::FileErrorKind kind) {
    switch (kind) {
    case io::FileErrorKind::NotFound:
        return ErrorCode::FileNotFound;
    case io::FileErrorKind::Unreadable:
        return ErrorCode::FileUnreadable;
    case io::FileErrorKind::WriteFailed:
        return ErrorCode::FileWriteFailed;
    case io::FileErrorKind::Malformed:
        return ErrorCode::NotAZipArchive;
    case io::FileErrorKind::Truncated:
        return ErrorCode::TruncatedFile;
    case io::FileErrorKind::Unsupported:
        return ErrorCode::UnsupportedFormat;
    case io::FileErrorKind::Corrupt:
        return ErrorCode::CorruptFile;
    case io::FileErrorKind::BadArgument:
        return ErrorCode::BadArgument;
    }
    return ErrorCode::FileUnreadable;
}

} // namespace dermsam
