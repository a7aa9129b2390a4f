#pragma once

#include "model/serialization/pickle_reader.h"
#include "model/tensor_map.h"

#include <memory>
#include <string>

namespace dermsam {

namespace io {
class MappedFile;
}

// Reads a PyTorch zip-format checkpoint (torch.save since 1.6) through the restricted unpickler
// (see pickle_reader.h; no code in the file is ever run). Accepts a plain state dict
// (OrderedDict or dict of tensors) or a training checkpoint {"model": state_dict, ...} (also
// "state_dict"), and strips a "module." prefix when every key has it. Tensors are contiguous CPU
// tensors with the stored dtype and shape; they may view the memory-mapped file (copy-on-write),
// which stays mapped while any of them lives. Every storage record is CRC-checked.
// Errors: ModelError NotAZipArchive / TruncatedFile / FileUnreadable (archive), BadPickle,
// ForbiddenGlobal, CorruptFile (CRC mismatch), UnsupportedFormat (big-endian files).
TensorMap readPthStateDict(const std::string& path);

// The whole unpickled object of a .pth file (tensors resolved), e.g. to read a training
// checkpoint's epoch. Same checks and errors as readPthStateDict.
PickleDocument readPthPickle(const std::string& path);

// The same from a file already in memory (io::MappedFile::fromBytes), for fuzzing and tests.
TensorMap readPthStateDict(std::shared_ptr<const io::MappedFile> file);
PickleDocument readPthPickle(std::shared_ptr<const io::MappedFile> file);

// The state dict inside an unpickled checkpoint (the rules of readPthStateDict); throws
// BadPickle naming what is missing.
TensorMap stateDictFromPickle(const PickleValue& root, const std::string& pathForErrors = {});

} // namespace dermsam
