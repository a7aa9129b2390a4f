#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace dermsam::io {

// Opens a regular file for reading (O_RDONLY | O_CLOEXEC) and returns its descriptor; the one
// place that turns a failed open into an error: FileError NotFound (no such path) or Unreadable
// ("is a directory", permissions, ...) naming the path. The caller closes the descriptor.
int openForReading(const std::string& path);

// Reads the file from start to end in chunks of at most chunkBytes, handing each to `chunk`;
// throws FileError(NotFound / Unreadable) naming the path.
void readChunks(const std::string& path, std::size_t chunkBytes,
                const std::function<void(const char* data, std::size_t size)>& chunk);

// Whole-file read; throws FileError(NotFound / Unreadable) naming the path.
std::string readFile(const std::string& path);
// The same for a file that must be small (a sidecar, a settings file): more than maxBytes throws
// FileError(Unsupported, "larger than <maxBytes> bytes") before more than maxBytes + one chunk
// is held, whatever the file claims (a FIFO, a file still growing).
std::string readFile(const std::string& path, std::size_t maxBytes);

// mkdir -p: creates `dir` and the folders above it (0755). An existing folder is fine; an
// existing file in the way, or a failed mkdir, throws FileError(WriteFailed) naming `dir`.
void makeDirectories(const std::string& dir);

// makeDirectories of the folder that holds `path` (nothing for a bare file name).
void makeParentDirectories(const std::string& path);
// ASCII lower case, for comparing file extensions and names case-insensitively (".PNG", "ISIC").
std::string asciiLower(std::string s);

} // namespace dermsam::io
