#include "app/cli/cli_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermsam::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& booleanFlags) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.rfind("--", 0) != 0 || a.size() < 3)
            throw UsageError("unexpected argument '" + a + "'");
        std::string key = a.substr(2);
        std::string val;
        const auto eq = key.find('=');
        if (eq != std::string::npos) {
            val = key.substr(eq + 1);
            key = key.substr(0, eq);
        } else if (std::find(booleanFlags.begin(), booleanFlags.end(), key) != booleanFlags.end()) {
            val = "1";
        } else {
            if (i + 1 >= argv.size())
                throw UsageError("option --" + key + " needs a value");
            val = argv[++i];
        }
        m_values[key].push_back(val);
    }
}

bool Args::has(const std::string& key) const {
    return m_values.count(key) > 0;
}

std::string Args::value(const std::string& key) const {
    auto it = m_values.find(key);
    if (it == m_values.end())
        throw UsageError("missing required option --" + key);
    return it->second.back();
}

std::string Args::valueOr(const std::string& key, const std::string& fallback) const {
    return has(key) ? value(key) : fallback;
}

std::vector<std::string> Args::values(const std::string& key) const {
    auto it = m_values.find(key);
    return it == m_values.end() ? std::vector<std::string>{} : it->second;
}

int Args::intValue(const std::string& key, int fallback) const {
    if (!has(key))
        return fallback;
    const std::string v = value(key);
    try {
        size_t used = 0;
        const int n = std::stoi(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        return n;
    } catch (const std::exception&) {
        throw UsageError("option --" + key + " expects an integer, got '" + v + "'");
    }
}

double Args::doubleValue(const std::string& key, double fallback) const {
    if (!has(key))
        return fallback;
    const std::string v = value(key);
    try {
        size_t used = 0;
        const double d = std::stod(v, &used);
        if (used != v.size() || !std::isfinite(d))
            throw std::invalid_argument(v);
        return d;
    } catch (const std::exception&) {
        throw UsageError("option --" + key + " expects a number, got '" + v + "'");
    }
}

void Args::allowOnly(const std::vector<std::string>& keys) const {
    for (const auto& kv : m_values) {
        if (std::find(keys.begin(), keys.end(), kv.first) == keys.end())
            throw UsageError("unknown option --" + kv.first);
    }
}

std::vector<double> parseNumberList(const std::string& text, size_t expected,
                                    const std::string& what) {
    std::vector<double> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        try {
            size_t used = 0;
            const double d = std::stod(item, &used);
            if (used != item.size() || !std::isfinite(d))
                throw std::invalid_argument(item);
            out.push_back(d);
        } catch (const std::exception&) {
            throw UsageError(what + " '" + text + "' is not a comma-separated list of numbers");
        }
    }
    if (out.size() != expected)
        throw UsageError(what + " '" + text + "' needs " + std::to_string(expected) +
                         " comma-separated numbers");
    return out;
}

} // namespace dermsam::cli
