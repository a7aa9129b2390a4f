#pragma once

#include <string>

namespace dermsam {

// Whole-file read; throws ModelError(FileNotFound / FileUnreadable) naming the path.
std::string readWholeFile(const std::string& path);

// Writes to "<path>.tmp-<pid>" and renames over the target, so a crash never leaves a
// half-written file. Throws ModelError(FileWriteFailed).
void writeFileAtomically(const std::string& path, const std::string& bytes);

// Creates the folders above `path` (like mkdir -p on its parent); throws FileWriteFailed.
void ensureParentDirectory(const std::string& path);

} // namespace dermsam
