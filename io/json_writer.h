#pragma once

#include <string>
#include <type_traits>
#include <vector>

namespace dermsam::io {

// The one JSON writer of model/, core/ and the CLI (the sidecars' and settings' QJsonDocument in
// ui/ and core/mask_io are the Qt layer's): written without Qt or any library, so the headless
// LibTorch-only GPU build prints exactly what the desktop build prints.
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

// A streaming builder that places the commas and colons itself:
//   JsonWriter j;
//   j.beginObject().field("n", 3).key("ids").beginArray().value("a").endArray().endObject();
//   j.str() == R"({"n":3,"ids":["a"]})"
// Compact (no spaces). Misuse (a value where a key is due, unbalanced ends) is a programming
// error and throws std::logic_error.
class JsonWriter {
public:
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

    std::string m_out;
    std::vector<Scope> m_scopes;
    std::vector<bool> m_empty;
    bool m_keyWritten = false;
};

} // namespace dermsam::io
