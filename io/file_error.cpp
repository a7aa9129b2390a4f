#include "io/file_error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dermsam::io {

const char* fileErrorKindName(FileErrorKind kind) {
    switch (kind) {
    case FileErrorKind::NotFound:
        return "file-not-found";
    case FileErrorKind::Unreadable:
        return "file-unreadable";
    case FileErrorKind::WriteFailed:
        return "file-write-failed";
    case FileErrorKind::Malformed:
        return "malformed-file";
    case FileErrorKind::Truncated:
        return "truncated-file";
    case FileErrorKind::Unsupported:
        return "unsupported-format";
    case FileErrorKind::Corrupt:
        return "corrupt-file";
    case FileErrorKind::BadArgument:
        return "bad-argument";
    }
    return "file-error";
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

namespace {

std::string composeWhat(FileErrorKind kind, const std::string& detail) {
    return detail.empty() ? std::string(fileErrorKindName(kind))
                          : std::string(fileErrorKindName(kind)) + ": " + detail;
}

} // namespace

FileError::FileError(FileErrorKind kind, std::string path, const std::string& detail)
    : std::runtime_error(composeWhat(kind, oneLine(detail)))
    , m_kind(kind)
    , m_path(std::move(path))
    , m_detail(oneLine(detail)) {}

FileError FileError::fromErrno(FileErrorKind kind, std::string path, int errorNumber) {
    if (kind == FileErrorKind::Unreadable && errorNumber == ENOENT)
        kind = FileErrorKind::NotFound;
    return FileError(kind, std::move(path), std::strerror(errorNumber));
}

} // namespace dermsam::io
