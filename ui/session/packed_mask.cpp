#include "ui/session/packed_mask.h"

#include <cstring>

namespace dermsam {

namespace {

// End of the run of `value` that starts at `from`, at most `end`: eight bytes at a time while
// they all match, so a long run costs about a memory read (a 24-megapixel mask in a few ms).
int runEnd(const uchar* row, int from, int end, uchar value) {
    const std::uint64_t all = 0x0101010101010101ull * value;
    int x = from;
    while (x + 8 <= end) {
        std::uint64_t chunk;
        std::memcpy(&chunk, row + x, 8);
        if (chunk != all)
            break;
        x += 8;
    }
    while (x < end && row[x] == value)
        ++x;
    return x;
}

} // namespace

PackedMask::PackedMask(const QImage& maskIn) {
    if (maskIn.isNull())
        return;
    const QImage mask = maskIn.format() == QImage::Format_Grayscale8
                            ? maskIn
                            : maskIn.convertToFormat(QImage::Format_Grayscale8);
    m_size = mask.size();
    const int w = mask.width(), h = mask.height();
    // Five bytes a run: beyond this many the pixels themselves are smaller.
    const std::size_t limit = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) / 5;
    for (int y = 0; y < h; ++y) {
        const uchar* row = mask.constScanLine(y);
        for (int x = 0; x < w;) {
            const uchar v = row[x];
            const int e = runEnd(row, x + 1, w, v);
            const auto n = static_cast<std::uint32_t>(e - x);
            // Runs continue across row ends.
            if (!m_values.empty() && m_values.back() == v && m_lengths.back() <= UINT32_MAX - n) {
                m_lengths.back() += n;
            } else {
                m_values.push_back(v);
                m_lengths.push_back(n);
            }
            x = e;
        }
        if (m_values.size() > limit) {
            m_values = {};
            m_lengths = {};
            m_raw = mask.copy(); // its own pixels, not shared with a mask edited later
            return;
        }
    }
    m_values.shrink_to_fit();
    m_lengths.shrink_to_fit();
}

QImage PackedMask::unpack() const {
    if (isNull())
        return {};
    if (!m_raw.isNull())
        return m_raw;
    QImage out(m_size, QImage::Format_Grayscale8);
    const int w = m_size.width();
    int y = 0, x = 0;
    uchar* row = out.scanLine(0);
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        std::uint64_t left = m_lengths[i];
        while (left > 0) {
            const auto n = static_cast<int>(std::min<std::uint64_t>(left, std::uint64_t(w - x)));
            std::memset(row + x, m_values[i], static_cast<std::size_t>(n));
            left -= static_cast<std::uint64_t>(n);
            x += n;
            if (x == w && ++y < m_size.height()) {
                x = 0;
                row = out.scanLine(y);
            }
        }
    }
    return out;
}

std::size_t PackedMask::bytes() const {
    if (!m_raw.isNull())
        return static_cast<std::size_t>(m_raw.sizeInBytes());
    return m_values.capacity() + m_lengths.capacity() * sizeof(std::uint32_t);
}

} // namespace dermsam
