#pragma once

#include <stdexcept>
#include <string>

namespace dermsam::io {

// What went wrong with a file, machine-readable. model/ maps each kind to its ErrorCode and
// core/ to its CoreErrorCode (ModelError(const FileError&), CoreError(const FileError&)), so a
// file error keeps the code and the CLI message it had before io/ existed.
enum class FileErrorKind {
    NotFound,    // the path does not exist
    Unreadable,  // exists but cannot be opened or read (a folder, permissions, short read)
    WriteFailed, // a create, write, fsync or rename failed
    Malformed,   // not the structure the reader expects (e.g. no zip end record)
    Truncated,   // an offset or size beyond the end of the file
    Unsupported, // a valid file in a variant that is not read (compressed zip entries, ...)
    Corrupt,     // a checksum mismatch inside an otherwise well-formed file
    BadArgument, // the caller asked for something impossible (a bad zip entry name, ...)
};

// Stable kebab-case name: "file-not-found", "file-unreadable", "file-write-failed",
// "malformed-file", "truncated-file", "unsupported-format", "corrupt-file", "bad-argument".
const char* fileErrorKindName(FileErrorKind kind);

// `text` as one line of at most `maxLength` bytes: control characters (newlines included)
// become spaces and a longer text is cut with "..." (never inside a UTF-8 sequence). Details
// often quote a hostile file's contents, and every error must reach a user as one line.
std::string oneLine(const std::string& text, size_t maxLength = 1000);

// The one error type for file errors: a kind, the offending path, and a one-line detail.
// what() is "<kind name>: <detail>" (the path travels apart, as in ModelError and CoreError).
class FileError : public std::runtime_error {
public:
    FileError(FileErrorKind kind, std::string path, const std::string& detail);

    // The failure of a system call: detail = strerror(errorNumber); kind NotFound for ENOENT
    // when `kind` is Unreadable.
    static FileError fromErrno(FileErrorKind kind, std::string path, int errorNumber);

    FileErrorKind kind() const { return m_kind; }
    const std::string& path() const { return m_path; }
    const std::string& detail() const { return m_detail; }

private:
    FileErrorKind m_kind;
    std::string m_path;
    std::string m_detail;
};

} // namespace dermsam::io
