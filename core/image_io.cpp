#include "core/image_io.h"

#include "core/core_error.h"
#include "core/dicom_io.h"
#include "core/image_header.h"
#include "core/jpeg_decoder.h"
#include "core/library_logging.h"
#include "core/npy_mat.h"
#include "io/atomic_file.h"
#include "io/files.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace dermsam {

namespace {

std::string lowerExtension(const std::string& path) {
    return io::asciiLower(std::filesystem::path(path).extension().string());
}

bool startsWith(const std::string& bytes, const char* magic, size_t length) {
    return bytes.size() >= length && std::memcmp(bytes.data(), magic, length) == 0;
}

std::string readFileBytes(const std::string& path) {
    return rethrowAsCoreError([&] { return io::readFile(path); });
}

// OpenCV's channel orders (BGR, BGRA, grey+alpha as BGRA) -> RGB or grey, alpha dropped.
cv::Mat toStoredRgb(const cv::Mat& decoded, const std::string& path) {
    if (decoded.depth() != CV_8U && decoded.depth() != CV_16U)
        throw CoreError(CoreErrorCode::UnsupportedFormat, path,
                        "pixel depth " + std::to_string(decoded.depth()));
    cv::Mat out;
    switch (decoded.channels()) {
    case 1:
        out = decoded;
        break;
    case 2: // grey + alpha
        cv::extractChannel(decoded, out, 0);
        break;
    case 3:
        cv::cvtColor(decoded, out, cv::COLOR_BGR2RGB);
        break;
    case 4:
        cv::cvtColor(decoded, out, cv::COLOR_BGRA2RGB);
        break;
    default:
        throw CoreError(CoreErrorCode::UnsupportedFormat, path,
                        std::to_string(decoded.channels()) + " channels");
    }
    return out;
}

// .npy images: values kept for 8/16-bit; floats in [0, 1] scaled to 0..255, other floats
// clamped to 0..255; int32 within 0..65535 -> 16-bit.
cv::Mat npyToStored(const cv::Mat& array, const std::string& path) {
    cv::Mat pixels;
    if (array.depth() == CV_8U) {
        pixels = array;
    } else if (array.depth() == CV_32S) {
        double lo = 0;
        double hi = 0;
        cv::minMaxLoc(array.reshape(1), &lo, &hi);
        if (lo < 0 || hi > 65535)
            throw CoreError(CoreErrorCode::UnsupportedFormat, path,
                            "integer values outside 0..65535");
        array.convertTo(pixels, CV_MAKETYPE(hi > 255 ? CV_16U : CV_8U, array.channels()));
    } else { // CV_32F / CV_64F
        double lo = 0;
        double hi = 0;
        cv::minMaxLoc(array.reshape(1), &lo, &hi);
        if (!std::isfinite(lo) || !std::isfinite(hi))
            throw CoreError(CoreErrorCode::UnsupportedFormat, path, "non-finite values");
        const double scale = (lo >= 0 && hi <= 1.0) ? 255.0 : 1.0;
        array.convertTo(pixels, CV_MAKETYPE(CV_8U, array.channels()), scale);
    }
    cv::Mat out;
    switch (pixels.channels()) {
    case 1:
    case 3:
        out = pixels;
        break;
    case 4:
        cv::cvtColor(pixels, out, cv::COLOR_RGBA2RGB);
        break;
    default: // 2: grey + alpha
        cv::extractChannel(pixels, out, 0);
        break;
    }
    return out.clone();
}

} // namespace

const std::vector<std::string>& imageFileExtensions() {
    static const std::vector<std::string> extensions = {".jpg",  ".jpeg", ".png",   ".bmp", ".tif",
                                                        ".tiff", ".dcm",  ".dicom", ".npy"};
    return extensions;
}

bool hasDicomPreamble(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char header[132];
    if (!in.read(header, sizeof header))
        return false;
    return std::memcmp(header + 128, "DICM", 4) == 0;
}

Image loadImage(const std::string& path, const ImageLimits& limits) {
    silenceImageLibraryLogs();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw CoreError(CoreErrorCode::FileNotFound, path);
    if (!std::filesystem::is_regular_file(status))
        throw CoreError(CoreErrorCode::FileUnreadable, path, "not a regular file");

    const std::string ext = lowerExtension(path);
    if (ext == ".dcm" || ext == ".dicom" || hasDicomPreamble(path))
        return loadDicomImage(path, limits);

    const std::string bytes = readFileBytes(path);
    if (bytes.empty())
        throw CoreError(CoreErrorCode::CorruptFile, path, "empty file");

    Image image;
    image.sourcePath = path;
    if (startsWith(bytes, "\x93NUMPY", 6)) {
        image.pixels = npyToStored(readNpyMat(path), path);
        checkImageLimits(image.pixels.cols, image.pixels.rows, limits, path);
        return image;
    }

    // Only the formats whose header we can check first reach a decoder: OpenCV's others
    // (PNM, WebP, EXR, ...) would allocate whatever size their header claims.
    const ImageHeader header = readImageHeader(bytes, path);
    if (header.format == ImageHeader::Format::Unknown)
        throw CoreError(CoreErrorCode::UnsupportedFormat, path);
    checkImageHeader(header, limits, path);
    if (header.format == ImageHeader::Format::Jpeg) {
        image.pixels = decodeJpeg(bytes, path, limits);
        return image;
    }

    cv::Mat decoded;
    try {
        const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                             const_cast<char*>(bytes.data()));
        decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw CoreError(CoreErrorCode::CorruptFile, path, e.what());
    }
    if (decoded.empty())
        throw CoreError(CoreErrorCode::CorruptFile, path, "decoder rejected the content");
    image.pixels = toStoredRgb(decoded, path);
    return image;
}

cv::Mat toRgb8(const Image& image) {
    const cv::Mat& src = image.pixels;
    if (src.empty())
        return cv::Mat();
    cv::Mat eight;
    if (src.depth() == CV_16U)
        src.convertTo(eight, CV_MAKETYPE(CV_8U, src.channels()), 1.0 / 257.0);
    else if (src.depth() == CV_8U)
        eight = src;
    else
        throw CoreError(CoreErrorCode::UnsupportedFormat, image.sourcePath,
                        "pixel depth " + std::to_string(src.depth()));
    cv::Mat rgb;
    switch (eight.channels()) {
    case 1:
        cv::cvtColor(eight, rgb, cv::COLOR_GRAY2RGB);
        break;
    case 3:
        rgb = eight.clone();
        break;
    case 4:
        cv::cvtColor(eight, rgb, cv::COLOR_RGBA2RGB);
        break;
    default:
        throw CoreError(CoreErrorCode::UnsupportedFormat, image.sourcePath,
                        std::to_string(eight.channels()) + " channels");
    }
    return rgb;
}

} // namespace dermsam
