#pragma once

#include <fstream>
#include <string>

namespace dermsam {

// Streams a file to "<path>.tmp-<pid>-<n>" and renames it over the target on commit(), so a
// crash or an exception never leaves a half-written file (the temporary is removed when the
// writer is destroyed uncommitted). Errors throw ModelError(FileWriteFailed) naming the path.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::string path);
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
    bool m_committed = false;
};

} // namespace dermsam
