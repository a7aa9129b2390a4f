#include "model/model_error.h"

#include <algorithm>

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

std::string oneLine(const std::string& text, size_t maxLength) {
    size_t keep = std::min(text.size(), maxLength);
    // Not inside a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (keep < text.size() && keep > 0 &&
           (static_cast<unsigned char>(text[keep]) & 0xc0) == 0x80)
        --keep;
    std::string out = keep < text.size() ? text.substr(0, keep) + "..." : text;
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    return out;
}

} // namespace dermsam
