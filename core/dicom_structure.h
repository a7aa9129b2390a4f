#pragma once

#include "core/image_limits.h"

#include <string>

namespace dermsam {

// Walks a DICOM file's element structure before DCMTK parses it, because DCMTK's reader
// recurses once per nested sequence and item: a file nesting 10,000 sequences overflows the
// stack (SIGSEGV), and DCMTK 3.6.7 has no depth limit of its own. The walk is iterative (an
// explicit stack bounded by the depth limit), bounds-checked against the file size, skips
// values without reading them and never allocates from a length in the file.
// It reads the preamble and file meta information (explicit VR little endian), then the data
// set in the transfer syntax's encoding: implicit or explicit VR little endian, explicit VR
// big endian; defined- and undefined-length sequences and items, UN of undefined length as
// implicit VR (CP-246), encapsulated pixel data fragments. Where the encoding is uncertain (no
// transfer syntax; a meta group length that disagrees with the group-0002 elements) the other
// readings are walked too, for depth only.
// Throws UnsupportedDicom: sequences nested deeper than limits.maxDicomSequenceDepth, more
// than a million elements, the deflated transfer syntax; CorruptFile: a length that runs past
// its item or the file, an item or delimiter out of place, an unknown VR; FileUnreadable.
void checkDicomStructure(const std::string& path, const ImageLimits& limits);

} // namespace dermsam
