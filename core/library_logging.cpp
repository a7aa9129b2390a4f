#include "core/library_logging.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/oflog/oflog.h>

#include <opencv2/core/utils/logger.hpp>

#include <mutex>

namespace dermsam {

void silenceImageLibraryLogs() {
    static std::once_flag once;
    std::call_once(once, [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        // The root logger at OFF: every DCMTK module logger inherits it (dcmdata's parser
        // warnings, dcmimgle's and the JPEG codecs' errors).
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    });
}

} // namespace dermsam
