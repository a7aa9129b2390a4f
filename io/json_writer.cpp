#include "io/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace dermsam::io {
namespace {

// Length of the valid UTF-8 sequence at s[i] (1-4), or 0 when the bytes there are not one.
size_t utf8SequenceLength(const std::string& s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0; // a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5-0xff
    }
    if (i + n > s.size())
        return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0; // overlong, beyond Unicode, or a UTF-16 surrogate
    return n;
}

} // namespace

std::string jsonQuote(const std::string& s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t n = utf8SequenceLength(s, i);
            if (n == 0) {
                out += "\xef\xbf\xbd"; // U+FFFD REPLACEMENT CHARACTER
                ++i;
            } else {
                out.append(s, i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
        ++i;
    }
    out += '"';
    return out;
}

std::string jsonNumber(double v) {
    if (!std::isfinite(v))
        return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string jsonNumberShortest(double v) {
    if (!std::isfinite(v))
        return "null";
    // QJsonValue keeps an integral double that fits a double's 53-bit mantissa as an integer.
    if (std::trunc(v) == v && std::fabs(v) <= 9007199254740992.0)
        return std::to_string(static_cast<long long>(v)); // -0 too: "0"
    // Shortest round-trip digits in scientific form: [-]d[.ddd]e(+|-)XX.
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string sci(buf, result.ptr);
    const bool negative = sci[0] == '-';
    if (negative)
        sci.erase(0, 1);
    const size_t e = sci.find('e');
    const std::string digits = sci.substr(0, 1) + (e > 1 ? sci.substr(2, e - 2) : std::string());
    const int exponent = std::atoi(sci.c_str() + e + 1);
    const int n = static_cast<int>(digits.size());
    const int decimalPoint = exponent + 1; // digits[0..decimalPoint) are the integer part

    std::string expDigits = std::to_string(std::abs(exponent));
    if (expDigits.size() < 2)
        expDigits.insert(0, 1, '0');
    const std::string exponentForm = digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "") +
                                     'e' + (exponent < 0 ? '-' : '+') + expDigits;
    std::string decimalForm;
    if (decimalPoint <= 0)
        decimalForm = "0." + std::string(static_cast<size_t>(-decimalPoint), '0') + digits;
    else if (decimalPoint < n)
        decimalForm = digits.substr(0, static_cast<size_t>(decimalPoint)) + "." +
                      digits.substr(static_cast<size_t>(decimalPoint));
    else
        decimalForm = digits + std::string(static_cast<size_t>(decimalPoint - n), '0');
    const std::string& shorter =
        decimalForm.size() <= exponentForm.size() ? decimalForm : exponentForm;
    return negative ? "-" + shorter : shorter;
}

void JsonWriter::newLineAndIndent(size_t depth) {
    if (m_layout != JsonLayout::Indented)
        return;
    m_out += '\n';
    m_out.append(4 * depth, ' ');
}

void JsonWriter::beforeValue() {
    if (m_scopes.empty()) {
        if (!m_out.empty())
            throw std::logic_error("JsonWriter: a second top-level value");
        return;
    }
    if (m_scopes.back() == Scope::Object) {
        if (!m_keyWritten)
            throw std::logic_error("JsonWriter: a value in an object needs a key first");
        m_keyWritten = false;
        return;
    }
    if (!m_empty.back())
        m_out += ',';
    m_empty.back() = false;
    newLineAndIndent(m_scopes.size());
}

// Indented: each member or element starts its own line, and so does the closing bracket, also
// of an empty container ("{" newline indent "}", as Qt writes it).
void JsonWriter::close(char bracket) {
    m_scopes.pop_back();
    m_empty.pop_back();
    newLineAndIndent(m_scopes.size());
    m_out += bracket;
    if (m_layout == JsonLayout::Indented && m_scopes.empty())
        m_out += '\n';
}

JsonWriter& JsonWriter::beginObject() {
    beforeValue();
    m_out += '{';
    m_scopes.push_back(Scope::Object);
    m_empty.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endObject() {
    if (m_scopes.empty() || m_scopes.back() != Scope::Object || m_keyWritten)
        throw std::logic_error("JsonWriter: endObject without an open object");
    close('}');
    return *this;
}

JsonWriter& JsonWriter::beginArray() {
    beforeValue();
    m_out += '[';
    m_scopes.push_back(Scope::Array);
    m_empty.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endArray() {
    if (m_scopes.empty() || m_scopes.back() != Scope::Array)
        throw std::logic_error("JsonWriter: endArray without an open array");
    close(']');
    return *this;
}

JsonWriter& JsonWriter::key(const std::string& name) {
    if (m_scopes.empty() || m_scopes.back() != Scope::Object || m_keyWritten)
        throw std::logic_error("JsonWriter: a key outside an object");
    if (!m_empty.back())
        m_out += ',';
    m_empty.back() = false;
    newLineAndIndent(m_scopes.size());
    m_out += jsonQuote(name);
    m_out += m_layout == JsonLayout::Indented ? ": " : ":";
    m_keyWritten = true;
    return *this;
}

JsonWriter& JsonWriter::value(const std::string& s) {
    beforeValue();
    m_out += jsonQuote(s);
    return *this;
}

JsonWriter& JsonWriter::value(const char* s) {
    return s ? value(std::string(s)) : null();
}

JsonWriter& JsonWriter::value(bool b) {
    beforeValue();
    m_out += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(double v) {
    beforeValue();
    m_out += m_doubles == JsonDoubles::Shortest ? jsonNumberShortest(v) : jsonNumber(v);
    return *this;
}

JsonWriter& JsonWriter::integer(long long v) {
    beforeValue();
    m_out += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::unsignedInteger(unsigned long long v) {
    beforeValue();
    m_out += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::null() {
    beforeValue();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(const std::string& json) {
    beforeValue();
    m_out += json;
    return *this;
}

} // namespace dermsam::io
