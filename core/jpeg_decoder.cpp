#include "core/jpeg_decoder.h"

#include "core/core_error.h"
#include "core/image_header.h"

// jpeglib.h needs FILE and size_t declared before it.
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <vector>

namespace dermsam {

namespace {

// A progressive file may hold any number of scans, each a full pass over the coefficients:
// a few hundred tiny scans cost minutes of CPU. Real encoders write about ten.
constexpr int kMaxScans = 1000;

// Everything libjpeg touches lives in this plain struct: longjmp skips destructors, so the
// functions that call setjmp hold no object that has one.
struct JpegJob {
    jpeg_decompress_struct cinfo;
    jpeg_error_mgr err;
    jpeg_progress_mgr progress;
    std::jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
    bool created;
};

JpegJob* errorJob(j_common_ptr cinfo) {
    // client_data points back at the job, so no layout trick is needed.
    return static_cast<JpegJob*>(cinfo->client_data);
}

void failDecode(j_common_ptr cinfo) {
    JpegJob* job = errorJob(cinfo);
    (*cinfo->err->format_message)(cinfo, job->message);
    std::longjmp(job->escape, 1);
}

// Level -1 is a warning about the data; 0 and above are trace messages.
void onMessage(j_common_ptr cinfo, int level) {
    if (level >= 0)
        return;
    switch (cinfo->err->msg_code) {
    case JWRN_JFIF_MAJOR:  // a newer JFIF revision: the pixels are still baseline
    case JWRN_ADOBE_XFORM: // an unknown Adobe transform code: libjpeg falls back sanely
    case JWRN_BOGUS_ICC:   // a damaged ICC profile, which is not applied anyway
        return;
    default:
        failDecode(cinfo);
    }
}

void printNothing(j_common_ptr) {}

void onProgress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor)
        return;
    if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxScans) {
        JpegJob* job = errorJob(cinfo);
        std::snprintf(job->message, sizeof job->message, "more than %d scans", kMaxScans);
        std::longjmp(job->escape, 1);
    }
}

// The libjpeg calls that may longjmp sit in functions of their own, called after setjmp, so no
// local of the function that called setjmp changes in between (-Wclobbered).
void startHeader(JpegJob* job, const std::string* bytes) {
    jpeg_create_decompress(&job->cinfo);
    job->created = true;
    job->cinfo.progress = &job->progress;
    jpeg_mem_src(&job->cinfo, reinterpret_cast<const unsigned char*>(bytes->data()),
                 static_cast<unsigned long>(bytes->size()));
    jpeg_read_header(&job->cinfo, TRUE);
}

bool readJpegHeader(JpegJob* job, const std::string* bytes) {
    job->cinfo.err = jpeg_std_error(&job->err);
    job->err.error_exit = failDecode;
    job->err.emit_message = onMessage;
    job->err.output_message = printNothing;
    job->progress.progress_monitor = onProgress;
    job->cinfo.client_data = job; // kept by jpeg_create_decompress
    if (setjmp(job->escape))
        return false;
    startHeader(job, bytes);
    return true;
}

// CMYK as Adobe writes it (inverted), mapped to RGB the way OpenCV's decoder does.
void cmykRowToRgb(const unsigned char* cmyk, unsigned char* rgb, JDIMENSION width) {
    for (JDIMENSION x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
        const int k = cmyk[3];
        for (int c = 0; c < 3; ++c)
            rgb[c] = static_cast<unsigned char>(k - ((255 - cmyk[c]) * k >> 8));
    }
}

void decodeRows(JpegJob* job, unsigned char* out, size_t stride, unsigned char* cmykRow) {
    jpeg_start_decompress(&job->cinfo);
    while (job->cinfo.output_scanline < job->cinfo.output_height) {
        unsigned char* target = out + stride * job->cinfo.output_scanline;
        JSAMPROW row = cmykRow != nullptr ? cmykRow : target;
        jpeg_read_scanlines(&job->cinfo, &row, 1);
        if (cmykRow != nullptr)
            cmykRowToRgb(cmykRow, target, job->cinfo.output_width);
    }
    // Reads on to EOI, so a file cut after its last row still fails.
    jpeg_finish_decompress(&job->cinfo);
}

bool readJpegPixels(JpegJob* job, unsigned char* out, size_t stride, unsigned char* cmykRow) {
    if (setjmp(job->escape))
        return false;
    decodeRows(job, out, stride, cmykRow);
    return true;
}

// Destroys the libjpeg state however decodeJpeg leaves (return or throw).
class JobGuard {
public:
    explicit JobGuard(JpegJob& job)
        : m_job(job) {}
    ~JobGuard() {
        if (m_job.created)
            jpeg_destroy_decompress(&m_job.cinfo);
    }
    JobGuard(const JobGuard&) = delete;
    JobGuard& operator=(const JobGuard&) = delete;

private:
    JpegJob& m_job;
};

} // namespace

cv::Mat decodeJpeg(const std::string& bytes, const std::string& path, const ImageLimits& limits) {
    JpegJob job{};
    const JobGuard guard(job);
    if (!readJpegHeader(&job, &bytes))
        throw CoreError(CoreErrorCode::CorruptFile, path, job.message);

    jpeg_decompress_struct& cinfo = job.cinfo;
    checkImageLimits(cinfo.image_width, cinfo.image_height, limits, path);
    int type = 0;
    switch (cinfo.num_components) {
    case 1:
        cinfo.out_color_space = JCS_GRAYSCALE;
        type = CV_8UC1;
        break;
    case 3:
        cinfo.out_color_space = JCS_RGB;
        type = CV_8UC3;
        break;
    case 4:
        cinfo.out_color_space = JCS_CMYK;
        type = CV_8UC3;
        break;
    default:
        throw CoreError(CoreErrorCode::UnsupportedFormat, path,
                        "JPEG with " + std::to_string(cinfo.num_components) + " components");
    }
    cv::Mat pixels(static_cast<int>(cinfo.image_height), static_cast<int>(cinfo.image_width), type);
    std::vector<unsigned char> cmykRow(cinfo.num_components == 4 ? cinfo.image_width * 4u : 0u);
    if (!readJpegPixels(&job, pixels.data, pixels.step[0],
                        cmykRow.empty() ? nullptr : cmykRow.data()))
        throw CoreError(CoreErrorCode::CorruptFile, path, job.message);
    return pixels;
}

} // namespace dermsam
