#include "core/image_header.h"

#include "core/core_error.h"

#include <cmath>
#include <cstring>

namespace dermsam {

namespace {

using Format = ImageHeader::Format;

// Bounds-checked reads: every offset comes from the untrusted file.
class ByteView {
public:
    ByteView(const std::string& bytes, const std::string& path)
        : m_data(reinterpret_cast<const unsigned char*>(bytes.data()))
        , m_size(bytes.size())
        , m_path(path) {}

    size_t size() const { return m_size; }
    bool has(size_t offset, size_t count) const {
        return offset <= m_size && count <= m_size - offset;
    }
    unsigned u8(size_t at) const {
        need(at, 1);
        return m_data[at];
    }
    unsigned be16(size_t at) const { return u8(at) << 8 | u8(at + 1); }
    unsigned le16(size_t at) const { return u8(at) | u8(at + 1) << 8; }
    std::uint32_t be32(size_t at) const {
        return static_cast<std::uint32_t>(be16(at)) << 16 | be16(at + 2);
    }
    std::uint32_t le32(size_t at) const {
        return le16(at) | static_cast<std::uint32_t>(le16(at + 2)) << 16;
    }
    bool equals(size_t at, const char* text, size_t count) const {
        return has(at, count) && std::memcmp(m_data + at, text, count) == 0;
    }
    [[noreturn]] void corrupt(const std::string& why) const {
        throw CoreError(CoreErrorCode::CorruptFile, m_path, why);
    }

private:
    void need(size_t at, size_t count) const {
        if (!has(at, count))
            corrupt("header cut off at byte " + std::to_string(m_size));
    }

    const unsigned char* m_data;
    size_t m_size;
    const std::string& m_path;
};

ImageHeader pngHeader(const ByteView& b) {
    if (b.be32(8) != 13 || !b.equals(12, "IHDR", 4))
        b.corrupt("PNG without IHDR");
    ImageHeader h;
    h.format = Format::Png;
    h.width = b.be32(16);
    h.height = b.be32(20);
    h.bitDepth = static_cast<int>(b.u8(24));
    const unsigned colourType = b.u8(25);
    if (h.width == 0 || h.height == 0 || h.width > 0x7fffffff || h.height > 0x7fffffff)
        b.corrupt("PNG size " + std::to_string(h.width) + "x" + std::to_string(h.height));
    const int d = h.bitDepth;
    const bool eightOr16 = d == 8 || d == 16;
    switch (colourType) {
    case 0:
        h.channels = 1;
        if (!(d == 1 || d == 2 || d == 4 || eightOr16))
            b.corrupt("PNG bit depth " + std::to_string(d));
        break;
    case 3:
        h.channels = 1;
        if (!(d == 1 || d == 2 || d == 4 || d == 8))
            b.corrupt("PNG bit depth " + std::to_string(d));
        break;
    case 2:
    case 4:
    case 6:
        h.channels = colourType == 2 ? 3 : colourType == 4 ? 2 : 4;
        if (!eightOr16)
            b.corrupt("PNG bit depth " + std::to_string(d));
        break;
    default:
        b.corrupt("PNG colour type " + std::to_string(colourType));
    }

    // Walking the chunk lengths finds a cut-off file before libpng does (which would print).
    double idatBytes = 0;
    size_t pos = 8;
    while (b.has(pos, 8)) {
        const std::uint32_t length = b.be32(pos);
        if (length > 0x7fffffffu)
            b.corrupt("PNG chunk length " + std::to_string(length));
        if (!b.has(pos + 8, static_cast<size_t>(length) + 4))
            b.corrupt("PNG chunk at byte " + std::to_string(pos) + " runs past the end");
        if (b.equals(pos + 4, "IDAT", 4))
            idatBytes += length;
        if (b.equals(pos + 4, "IEND", 4))
            break;
        pos += 12 + static_cast<size_t>(length);
    }
    // Deflate emits at most 258 bytes per 2 bits (a 1-bit length and a 1-bit distance code);
    // every pixel's bits are in the inflated stream, interlaced or not.
    const double pixelBytes = static_cast<double>(h.width) * static_cast<double>(h.height) *
                              h.channels * h.bitDepth / 8.0;
    h.dataFitsFile = pixelBytes <= (idatBytes + 64.0) * 1032.0;
    return h;
}

bool isSofMarker(unsigned m) {
    // C4 (DHT), C8 (JPG) and CC (DAC) sit in the range but are not frames.
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

ImageHeader jpegHeader(const ByteView& b) {
    size_t pos = 2;
    for (;;) {
        // Garbage before a marker is skipped the way libjpeg does (it warns, and our decoder
        // refuses the file then); fill bytes 0xFF repeat.
        while (b.has(pos, 1) && b.u8(pos) != 0xFF)
            ++pos;
        while (b.has(pos, 1) && b.u8(pos) == 0xFF)
            ++pos;
        if (!b.has(pos, 1))
            b.corrupt("JPEG without a frame header");
        const unsigned marker = b.u8(pos++);
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            continue; // no length field
        if (marker == 0xD9 || marker == 0xDA)
            b.corrupt("JPEG scan or end before a frame header");
        const unsigned length = b.be16(pos);
        if (length < 2 || !b.has(pos, length))
            b.corrupt("JPEG segment at byte " + std::to_string(pos) + " runs past the end");
        if (!isSofMarker(marker)) {
            pos += length;
            continue;
        }
        ImageHeader h;
        h.format = Format::Jpeg;
        h.bitDepth = static_cast<int>(b.u8(pos + 2));
        h.height = b.be16(pos + 3);
        h.width = b.be16(pos + 5);
        h.channels = static_cast<int>(b.u8(pos + 7));
        // A zero height means "defined later by a DNL marker", which libjpeg does not support.
        if (h.width == 0 || h.height == 0 || h.channels == 0)
            b.corrupt("JPEG frame " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                      " with " + std::to_string(h.channels) + " components");
        if (length < 8u + 3u * static_cast<unsigned>(h.channels))
            b.corrupt("JPEG frame header too short");
        unsigned hMax = 1;
        unsigned vMax = 1;
        for (int c = 0; c < h.channels; ++c) {
            const unsigned factors = b.u8(pos + 9 + 3 * static_cast<size_t>(c));
            const unsigned hs = factors >> 4;
            const unsigned vs = factors & 15;
            if (hs < 1 || hs > 4 || vs < 1 || vs > 4)
                b.corrupt("JPEG sampling factors " + std::to_string(factors));
            hMax = hs > hMax ? hs : hMax;
            vMax = vs > vMax ? vs : vMax;
        }
        // Sequential Huffman coding spends at least one bit (a DC code) on every 8x8 block of
        // every component; progressive and arithmetic coding can spend less.
        if (marker == 0xC0 || marker == 0xC1) {
            double blocks = 0;
            for (int c = 0; c < h.channels; ++c) {
                const unsigned factors = b.u8(pos + 9 + 3 * static_cast<size_t>(c));
                const double cw = std::ceil(static_cast<double>(h.width) * (factors >> 4) / hMax);
                const double ch = std::ceil(static_cast<double>(h.height) * (factors & 15) / vMax);
                blocks += std::ceil(cw / 8) * std::ceil(ch / 8);
            }
            h.dataFitsFile = blocks / 8.0 <= static_cast<double>(b.size() - pos);
        }
        return h;
    }
}

ImageHeader bmpHeader(const ByteView& b) {
    const std::uint32_t dataOffset = b.le32(10);
    const std::uint32_t infoSize = b.le32(14);
    ImageHeader h;
    h.format = Format::Bmp;
    unsigned bitsPerPixel = 0;
    std::uint32_t compression = 0;
    if (infoSize == 12) { // OS/2 BITMAPCOREHEADER
        h.width = b.le16(18);
        h.height = b.le16(20);
        bitsPerPixel = b.le16(24);
    } else if (infoSize >= 40) {
        h.width = static_cast<std::int32_t>(b.le32(18));
        h.height = static_cast<std::int32_t>(b.le32(22)); // negative: stored top-down
        bitsPerPixel = b.le16(28);
        compression = b.le32(30);
    } else {
        b.corrupt("BMP info header of " + std::to_string(infoSize) + " bytes");
    }
    h.height = h.height < 0 ? -h.height : h.height;
    if (h.width <= 0 || h.height == 0)
        b.corrupt("BMP size " + std::to_string(h.width) + "x" + std::to_string(h.height));
    switch (bitsPerPixel) {
    case 1:
    case 4:
    case 8:
        h.channels = 1;
        h.bitDepth = static_cast<int>(bitsPerPixel);
        break;
    case 16:
    case 24:
        h.channels = 3;
        h.bitDepth = 8;
        break;
    case 32:
        h.channels = 4;
        h.bitDepth = 8;
        break;
    default:
        b.corrupt("BMP with " + std::to_string(bitsPerPixel) + " bits per pixel");
    }
    // Uncompressed rows (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS) are 4-byte aligned; the last
    // row's padding may be missing.
    if (compression == 0 || compression == 3 || compression == 6) {
        const double rowBits = static_cast<double>(h.width) * bitsPerPixel;
        const double need = std::ceil(rowBits / 32) * 4 * static_cast<double>(h.height - 1) +
                            std::ceil(rowBits / 8);
        h.dataFitsFile =
            dataOffset <= b.size() && need <= static_cast<double>(b.size() - dataOffset);
    }
    return h;
}

ImageHeader tiffHeader(const ByteView& b) {
    const bool little = b.u8(0) == 'I';
    const auto u16 = [&](size_t at) { return little ? b.le16(at) : b.be16(at); };
    const auto u32 = [&](size_t at) { return little ? b.le32(at) : b.be32(at); };
    const std::uint32_t ifd = u32(4);
    if (ifd < 8 || !b.has(ifd, 2))
        b.corrupt("TIFF directory offset " + std::to_string(ifd));
    const unsigned entries = u16(ifd);
    if (!b.has(ifd + 2, 12 * static_cast<size_t>(entries)))
        b.corrupt("TIFF directory runs past the end");
    ImageHeader h;
    h.format = Format::Tiff;
    h.channels = 1;
    h.bitDepth = 1;
    for (unsigned i = 0; i < entries; ++i) {
        const size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
        const unsigned tag = u16(e);
        const unsigned type = u16(e + 2);
        const std::uint32_t count = u32(e + 4);
        // SHORT (3) and LONG (4) values sit in the entry when they fit in 4 bytes.
        const auto first = [&]() -> std::int64_t {
            if (type == 3)
                return count <= 2 ? u16(e + 8) : u16(u32(e + 8));
            if (type == 4)
                return count <= 1 ? u32(e + 8) : u32(u32(e + 8));
            b.corrupt("TIFF tag " + std::to_string(tag) + " of type " + std::to_string(type));
        };
        if (count == 0)
            continue;
        if (tag == 256)
            h.width = first();
        else if (tag == 257)
            h.height = first();
        else if (tag == 258)
            h.bitDepth = static_cast<int>(first());
        else if (tag == 277)
            h.channels = static_cast<int>(first());
    }
    if (h.width <= 0 || h.height <= 0)
        b.corrupt("TIFF size " + std::to_string(h.width) + "x" + std::to_string(h.height));
    return h;
}

} // namespace

ImageHeader readImageHeader(const std::string& bytes, const std::string& path) {
    const ByteView b(bytes, path);
    if (b.equals(0, "\x89PNG\r\n\x1a\n", 8))
        return pngHeader(b);
    if (b.equals(0, "\xff\xd8\xff", 3))
        return jpegHeader(b);
    if (b.equals(0, "BM", 2))
        return bmpHeader(b);
    if (b.equals(0, "II*\0", 4) || b.equals(0, "MM\0*", 4))
        return tiffHeader(b);
    return {};
}

void checkImageLimits(std::int64_t width, std::int64_t height, const ImageLimits& limits,
                      const std::string& path) {
    // w * h > max  <=>  w > floor(max / h) for positive integers, without the overflow of a
    // product of two 32-bit TIFF sizes.
    if (width > 0 && height > 0 && width > limits.maxPixels / height)
        throw CoreError(CoreErrorCode::ImageTooLarge, path,
                        std::to_string(width) + "x" + std::to_string(height) + " pixels, limit " +
                            std::to_string(limits.maxPixels));
}

void checkImageHeader(const ImageHeader& header, const ImageLimits& limits,
                      const std::string& path) {
    checkImageLimits(header.width, header.height, limits, path);
    if (!header.dataFitsFile)
        throw CoreError(CoreErrorCode::CorruptFile, path,
                        std::to_string(header.width) + "x" + std::to_string(header.height) +
                            " pixels cannot fit in a file of this size");
}

} // namespace dermsam
