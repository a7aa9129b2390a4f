#pragma once
// Byte-level writers for hostile and unusual files, shared by the reader tests, the CLI's
// hostile-input test and the fuzzers' seed generator: little/big-endian integers and a DICOM
// builder that can nest sequences and lie about its pixel data.

#include <cstddef>
#include <cstdint>
#include <string>

namespace dermsam::test {

inline void putLe16(std::string& s, unsigned v) {
    s += static_cast<char>(v & 0xff);
    s += static_cast<char>((v >> 8) & 0xff);
}

inline void putLe32(std::string& s, std::uint32_t v) {
    putLe16(s, v & 0xffff);
    putLe16(s, v >> 16);
}

inline void putBe32(std::string& s, std::uint32_t v) {
    for (int i = 3; i >= 0; --i)
        s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A DICOM Part 10 file built element by element: preamble, meta group, SOP class and instance,
// then whatever the caller adds, in explicit or implicit VR little endian.
class DicomBytes {
public:
    explicit DicomBytes(bool implicitVr)
        : m_implicit(implicitVr) {
        std::string meta;
        explicitElement(meta, 0x0002, 0x0001, "OB", std::string("\0\1", 2));
        explicitElement(meta, 0x0002, 0x0002, "UI", uid("1.2.840.10008.5.1.4.1.1.77.1.7"));
        explicitElement(meta, 0x0002, 0x0003, "UI", uid("1.2.3.4.5.6"));
        explicitElement(meta, 0x0002, 0x0010, "UI",
                        uid(implicitVr ? "1.2.840.10008.1.2" : "1.2.840.10008.1.2.1"));
        m_bytes = std::string(128, '\0') + "DICM";
        std::string length;
        putLe32(length, static_cast<std::uint32_t>(meta.size()));
        explicitElement(m_bytes, 0x0002, 0x0000, "UL", length);
        m_bytes += meta;
        element(0x0008, 0x0016, "UI", uid("1.2.840.10008.5.1.4.1.1.77.1.7"));
        element(0x0008, 0x0018, "UI", uid("1.2.3.4.5.6"));
    }
    static std::string uid(std::string s) {
        if (s.size() % 2)
            s += '\0';
        return s;
    }
    void element(unsigned group, unsigned el, const char* vr, const std::string& value) {
        if (m_implicit) {
            putLe16(m_bytes, group);
            putLe16(m_bytes, el);
            putLe32(m_bytes, static_cast<std::uint32_t>(value.size()));
            m_bytes += value;
        } else {
            explicitElement(m_bytes, group, el, vr, value);
        }
    }
    void us(unsigned group, unsigned el, unsigned v) {
        std::string value;
        putLe16(value, v);
        element(group, el, "US", value);
    }
    void openSequenceAndItem() {
        putLe16(m_bytes, 0x0008);
        putLe16(m_bytes, 0x1140);
        if (!m_implicit)
            m_bytes += std::string("SQ\0\0", 4);
        putLe32(m_bytes, 0xffffffffu);
        delimiter(0xe000, 0xffffffffu);
    }
    void closeItemAndSequence() {
        delimiter(0xe00d, 0);
        delimiter(0xe0dd, 0);
    }
    // Rows x Columns with `samples` samples of `bits` bits: the pixel data a header of that size
    // needs, or only `stored` bytes of it (a file that lies about its size); with pixel spacing
    // 0.05 mm when asked.
    void image(unsigned rows, unsigned columns, unsigned samples, unsigned bits,
               std::int64_t stored = -1, bool withSpacing = false) {
        us(0x0028, 0x0002, samples);
        element(0x0028, 0x0004, "CS", samples == 3 ? "RGB " : "MONOCHROME2 ");
        if (samples == 3)
            us(0x0028, 0x0006, 0);
        us(0x0028, 0x0010, rows);
        us(0x0028, 0x0011, columns);
        us(0x0028, 0x0100, bits);
        us(0x0028, 0x0101, bits);
        us(0x0028, 0x0102, bits - 1);
        us(0x0028, 0x0103, 0);
        if (withSpacing) {
            const std::string spacing = "0.05\\0.05";
            element(0x0028, 0x0030, "DS", spacing + (spacing.size() % 2 ? " " : ""));
        }
        const std::size_t bytes = stored >= 0 ? static_cast<std::size_t>(stored)
                                              : std::size_t(rows) * columns * samples * (bits / 8);
        std::string pixels(bytes + bytes % 2, '\0');
        for (std::size_t i = 0; i < pixels.size(); ++i)
            pixels[i] = static_cast<char>(i * 7);
        element(0x7fe0, 0x0010, bits > 8 ? "OW" : "OB", pixels);
    }
    const std::string& bytes() const { return m_bytes; }

private:
    static void explicitElement(std::string& out, unsigned group, unsigned el, const char* vr,
                                const std::string& value) {
        putLe16(out, group);
        putLe16(out, el);
        out += vr;
        const std::string v(vr);
        if (v == "OB" || v == "OW" || v == "SQ" || v == "UN" || v == "UT") {
            out += std::string(2, '\0');
            putLe32(out, static_cast<std::uint32_t>(value.size()));
        } else {
            putLe16(out, static_cast<unsigned>(value.size()));
        }
        out += value;
    }
    void delimiter(unsigned el, std::uint32_t length) {
        putLe16(m_bytes, 0xfffe);
        putLe16(m_bytes, el);
        putLe32(m_bytes, length);
    }
    bool m_implicit;
    std::string m_bytes;
};

} // namespace dermsam::test
