#pragma once

#include <string>

namespace dermsam::json {

// JSON text for the CLI's and the reports' machine-readable output, written without Qt so the
// headless GPU build prints exactly what the desktop build prints.
std::string quote(const std::string& s); // a JSON string literal, control characters escaped
std::string number(double v);            // %.10g; NaN and infinities become null

} // namespace dermsam::json
