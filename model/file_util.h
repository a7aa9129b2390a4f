#pragma once

#include "model/atomic_file.h"

#include <string>

namespace dermsam {

// Whole-file read; throws ModelError(FileNotFound / FileUnreadable) naming the path.
std::string readWholeFile(const std::string& path);

// The whole file through an AtomicFileWriter: a crash never leaves a half-written file.
// Throws ModelError(FileWriteFailed).
void writeFileAtomically(const std::string& path, const std::string& bytes,
                         Durability durability = Durability::Synced);

// Creates the folders above `path` (like mkdir -p on its parent); throws FileWriteFailed.
void ensureParentDirectory(const std::string& path);

} // namespace dermsam
