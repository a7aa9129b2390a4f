#pragma once

#include <string>
#include <type_traits>
#include <vector>

namespace dermsam::io {

// The one JSON writer of model/, core/, ui/ and the CLI (mask sidecars, calibrations, recovery
// files, CLI --json, reports, checkpoint metadata): written without Qt or any library, so the
// headless LibTorch-only GPU build prints exactly what the desktop build prints. Qt layers may
// still read JSON with QJsonDocument; nothing writes it another way.
//
// Strings: '"' and '\\' are escaped, control characters as \b \f \n \r \t or \u00XX; valid
// UTF-8 passes through unchanged; a byte that is not part of valid UTF-8 (a Latin-1 file name,
// a truncated sequence, an overlong form or a surrogate) becomes U+FFFD, so the output is always
// valid JSON that any parser reads.
// Numbers: finite doubles with %.10g (what the CLI has always printed), integers exactly.
// NaN and the infinities are not JSON: they are written as null, which is what an undefined
// metric (HD95 of an empty mask, a statistic of no samples) means to a reader.
std::string jsonQuote(const std::string& s);
std::string jsonNumber(double v);
// A finite double as Qt's QJsonDocument writes it, read back as the same double (round trip):
// an integral value of magnitude up to 2^53 as an integer ("100000", "1000000000000000", -0 as
// "0": QJsonValue stores those as integers); any other in the fewest digits that round-trip,
// the shorter of the decimal and the exponent form, the decimal one on a tie, the exponent with
// a sign and at least two digits ("1e-05", "1.25e+10", "0.001", "1e+16"), as
// QByteArray::number(v, 'g', FloatingPointShortest). NaN and the infinities as null.
std::string jsonNumberShortest(double v);

// Compact: no spaces or newlines. Indented: QJsonDocument::Indented's layout byte for byte
// (four spaces a level, "key": value, one member or element a line, an empty container as
// "{" newline indent "}", a newline after the top-level value), so files that Qt used to write
// keep their bytes when the caller writes the keys in Qt's order (sorted).
enum class JsonLayout { Compact, Indented };
// How JsonWriter::value(double) prints: TenDigits = jsonNumber (the CLI's figures), Shortest =
// jsonNumberShortest (files that are read back: sidecars, calibrations).
enum class JsonDoubles { TenDigits, Shortest };

// A streaming builder that places the commas and colons itself:
//   JsonWriter j;
//   j.beginObject().field("n", 3).key("ids").beginArray().value("a").endArray().endObject();
//   j.str() == R"({"n":3,"ids":["a"]})"
// Compact by default (no spaces). Misuse (a value where a key is due, unbalanced ends) is a
// programming error and throws std::logic_error.
class JsonWriter {
public:
    explicit JsonWriter(JsonLayout layout = JsonLayout::Compact,
                        JsonDoubles doubles = JsonDoubles::TenDigits)
        : m_layout(layout)
        , m_doubles(doubles) {}

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(const std::string& name);

    JsonWriter& value(const std::string& s);
    JsonWriter& value(const char* s); // nullptr writes null
    JsonWriter& value(bool b);
    JsonWriter& value(double v);
    template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    JsonWriter& value(T v) {
        if constexpr (std::is_signed_v<T>)
            return integer(static_cast<long long>(v));
        else
            return unsignedInteger(static_cast<unsigned long long>(v));
    }
    JsonWriter& null();
    // A complete JSON value written elsewhere (another JsonWriter's str()), inserted as it is.
    JsonWriter& raw(const std::string& json);

    template <class T> JsonWriter& field(const std::string& name, const T& v) {
        key(name);
        return value(v);
    }

    // The text so far; complete once every begin has its end.
    const std::string& str() const { return m_out; }

private:
    enum class Scope { Object, Array };
    JsonWriter& integer(long long v);
    JsonWriter& unsignedInteger(unsigned long long v);
    void beforeValue();
    void newLineAndIndent(size_t depth);
    void close(char bracket);

    std::string m_out;
    std::vector<Scope> m_scopes;
    std::vector<bool> m_empty;
    bool m_keyWritten = false;
    JsonLayout m_layout;
    JsonDoubles m_doubles;
};

} // namespace dermsam::io
