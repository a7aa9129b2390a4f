#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dermsam::cli {

// A usage or input error: main prints it as one line on stderr and exits 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parsed "--key value" options; a key may repeat (--box, --point, --model). Flags listed as
// boolean take no value.
class Args {
public:
    Args(const std::vector<std::string>& argv, const std::vector<std::string>& booleanFlags);

    bool has(const std::string& key) const;
    bool flag(const std::string& key) const { return has(key); }
    std::string value(const std::string& key) const; // throws UsageError when absent
    std::string valueOr(const std::string& key, const std::string& fallback) const;
    std::vector<std::string> values(const std::string& key) const;
    int intValue(const std::string& key, int fallback) const;
    double doubleValue(const std::string& key, double fallback) const;
    // Rejects options the command does not know, so typos never pass silently.
    void allowOnly(const std::vector<std::string>& keys) const;

private:
    std::map<std::string, std::vector<std::string>> m_values;
};

std::vector<double> parseNumberList(const std::string& text, size_t expected,
                                    const std::string& what);

// Milliseconds since t0, for the timings the commands report.
inline double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace dermsam::cli
