#pragma once

#include <cstddef>
#include <fstream>
#include <string>

namespace dermsam::io {

// Synced: the data reach the disk (fsync) before the rename, and the rename itself reaches the
// disk (fsync of the folder) before commit() returns, so a power cut can leave the old file or
// the new one, never a name on an empty file. Unsynced: for files that can be made again
// (caches), where two fsyncs per file would cost more than the file is worth; still atomic for a
// crash of the program.
enum class Durability { Synced, Unsynced };

// fsync of a written file (its data and size on the disk): false, with errno set, on failure.
bool syncToDisk(const std::string& path);

// fsync of the folder holding `path`, so a rename or a new name in it is on the disk: false, with
// errno set, on failure.
bool syncParentDirectory(const std::string& path);

// A fresh name beside `target` ("<target>.tmp-<pid>-<n>"): in the same folder, so the rename
// that replaces the target is atomic.
std::string temporaryPathFor(const std::string& target);

// The one commit step of every atomic write: `written` (a complete temporary beside `target`)
// is synced (Durability::Synced), renamed over `target`, and the folder synced. On failure the
// temporary is removed and FileError(WriteFailed) names the target.
void replaceFile(const std::string& written, const std::string& target,
                 Durability durability = Durability::Synced);

// Streams a file to temporaryPathFor(path) and replaces the target on commit() (replaceFile),
// so a crash, a kill or an exception never leaves a half-written file at the target (the
// temporary is removed when the writer is destroyed uncommitted). Errors throw
// FileError(WriteFailed) naming the target path, with a one-line reason.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::string path, Durability durability = Durability::Synced);
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    std::ostream& stream() { return m_out; }
    void write(const void* data, size_t size);
    void write(const std::string& bytes) { write(bytes.data(), bytes.size()); }
    void commit();

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    std::string m_tmpPath;
    std::ofstream m_out;
    Durability m_durability;
    bool m_committed = false;
};

// The whole file through an AtomicFileWriter. Throws FileError(WriteFailed).
void writeFileAtomically(const std::string& path, const std::string& bytes,
                         Durability durability = Durability::Synced);

} // namespace dermsam::io
