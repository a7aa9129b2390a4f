#pragma once

#include <QImage>

#include <cstdint>
#include <vector>

namespace dermsam {

// A mask (Grayscale8) as the undo history keeps it: runs of equal bytes in row-major order. A
// lesion mask of a 6000 x 4000 photo is a few thousand runs, tens of kilobytes instead of 24 MB
// per model result kept for undo. A mask with more runs than that pays for (noise) is kept as
// it is.
class PackedMask {
public:
    PackedMask() = default;
    explicit PackedMask(const QImage& mask);

    QImage unpack() const; // Grayscale8; null for a null mask
    bool isNull() const { return m_size.isEmpty(); }
    QSize size() const { return m_size; }
    // Memory held by the packed form, for tests and diagnostics.
    std::size_t bytes() const;

private:
    QSize m_size;
    std::vector<std::uint8_t> m_values;
    std::vector<std::uint32_t> m_lengths;
    QImage m_raw; // when runs would take more memory than the pixels
};

} // namespace dermsam
