#pragma once

#include <fstream>
#include <string>

namespace dermsam {

// Synced: the data reach the disk (fsync) before the rename, so a power cut cannot leave the
// name on an empty file. Unsynced: for files that can be made again (caches), where an fsync per
// file would cost more than the file is worth.
enum class Durability { Synced, Unsynced };

// fsync of a written file (its data and size on the disk): false, with errno set, on failure.
bool syncToDisk(const std::string& path);

// Streams a file to "<path>.tmp-<pid>-<n>" and renames it over the target on commit(), so a
// crash or an exception never leaves a half-written file (the temporary is removed when the
// writer is destroyed uncommitted). Errors throw ModelError(FileWriteFailed) naming the path.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::string path, Durability durability = Durability::Synced);
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    std::ostream& stream() { return m_out; }
    void write(const void* data, size_t size);
    void commit();

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    std::string m_tmpPath;
    std::ofstream m_out;
    Durability m_durability;
    bool m_committed = false;
};

} // namespace dermsam
