#pragma once

namespace dermsam {

// Turns off the diagnostics OpenCV and DCMTK print on stderr by themselves (several lines per
// broken file); core reports each failure once, as a CoreError whose detail carries the
// library's reason. Idempotent and thread-safe; the image and DICOM readers call it.
void silenceImageLibraryLogs();

} // namespace dermsam
