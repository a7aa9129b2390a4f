// Protects io/'s one JSON writer (CLI --json, reports, checkpoint metadata, mask sidecars,
// calibrations, recovery files): escaping, UTF-8, numbers (NaN and infinities as null; shortest
// round-trip doubles as Qt prints them), structure, the indented layout byte for byte as
// QJsonDocument::Indented, and that Qt's parser reads what it writes.
// labels: unit
#include "io/json_writer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <QLocale>
#include <QRandomGenerator>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

using namespace dermsam::io;

namespace {

// Parsed back by Qt's strict parser: a writer bug shows as a parse error.
QJsonDocument parse(const std::string& text) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON (%s): %s", qPrintable(error.errorString()), text.c_str());
    return doc;
}

// The string a JSON document of one string value holds.
QString roundTrip(const std::string& s) {
    const std::string text = "[" + jsonQuote(s) + "]";
    const QJsonDocument doc = parse(text);
    return doc.isArray() ? doc.array().at(0).toString() : QStringLiteral("<not JSON>");
}

} // namespace

class TestJsonWriter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void escapes_data();
    void escapes();
    void everyControlCharacter();
    void utf8PassesThrough();
    void invalidUtf8BecomesReplacement_data();
    void invalidUtf8BecomesReplacement();
    void numbers();
    void nonFiniteIsNull();
    void integersExactly();
    void structure();
    void nested();
    void misuseThrows();
    void shortestMatchesQtAndRoundTrips();
    void shortestExamples();
    void shortestNonFiniteIsNull();
    void indentedMatchesQt();
    void indentedHostileStrings();
    void compactUnchangedByDefault();
};

void TestJsonWriter::escapes_data() {
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<QByteArray>("out");
    QTest::newRow("plain") << QByteArray("abc") << QByteArray(R"("abc")");
    QTest::newRow("empty") << QByteArray("") << QByteArray(R"("")");
    QTest::newRow("quote") << QByteArray(R"(say "hi")") << QByteArray(R"("say \"hi\"")");
    QTest::newRow("backslash") << QByteArray(R"(C:\dir\f)") << QByteArray(R"("C:\\dir\\f")");
    QTest::newRow("newline, tab, CR") << QByteArray("a\nb\tc\rd") << QByteArray(R"("a\nb\tc\rd")");
    QTest::newRow("backspace, form feed") << QByteArray("\b\f") << QByteArray(R"("\b\f")");
    QTest::newRow("NUL and 0x1f") << QByteArray("x\0y\x1f", 4) << QByteArray(R"("x\u0000y\u001f")");
    QTest::newRow("DEL and slash unchanged") << QByteArray("/\x7f") << QByteArray("\"/\x7f\"");
}

void TestJsonWriter::escapes() {
    QFETCH(QByteArray, in);
    QFETCH(QByteArray, out);
    QCOMPARE(QByteArray::fromStdString(jsonQuote(in.toStdString())), out);
    QCOMPARE(roundTrip(in.toStdString()), QString::fromUtf8(in));
}

void TestJsonWriter::everyControlCharacter() {
    std::string all;
    for (int c = 0; c < 0x20; ++c)
        all += static_cast<char>(c);
    all += "\"\\";
    const std::string q = jsonQuote(all);
    for (const char c : q.substr(1, q.size() - 2))
        QVERIFY2(static_cast<unsigned char>(c) >= 0x20, "a raw control character in the output");
    QCOMPARE(roundTrip(all), QString::fromLatin1(all.data(), static_cast<int>(all.size())));
}

void TestJsonWriter::utf8PassesThrough() {
    const std::string s =
        "Läsion \xe2\x80\x93 \xe7\x97\x85\xe5\x8f\x98 \xf0\x9f\x94\xac"; // ä – 病变 🔬
    QCOMPARE(jsonQuote(s), "\"" + s + "\"");
    QCOMPARE(roundTrip(s), QString::fromUtf8(s.c_str()));
}

void TestJsonWriter::invalidUtf8BecomesReplacement_data() {
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<QString>("expected");
    const QString r(QChar(0xfffd));
    QTest::newRow("Latin-1 byte") << QByteArray("caf\xe9") << QStringLiteral("caf") + r;
    QTest::newRow("lone continuation") << QByteArray("a\x80z") << QStringLiteral("a") + r + "z";
    QTest::newRow("truncated sequence") << QByteArray("\xe2\x80") << r + r;
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << r + r;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << r + r + r;
    QTest::newRow("beyond U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << r + r + r + r;
}

void TestJsonWriter::invalidUtf8BecomesReplacement() {
    QFETCH(QByteArray, in);
    QFETCH(QString, expected);
    QCOMPARE(roundTrip(in.toStdString()), expected);
}

void TestJsonWriter::numbers() {
    QCOMPARE(jsonNumber(0.0), std::string("0"));
    QCOMPARE(jsonNumber(-2.5), std::string("-2.5"));
    QCOMPARE(jsonNumber(1e-4), std::string("0.0001"));
    QCOMPARE(jsonNumber(1e-5), std::string("1e-05"));
    QCOMPARE(jsonNumber(1.0 / 3.0), std::string("0.3333333333")); // %.10g, as the CLI always did
    QCOMPARE(jsonNumber(6.02e23), std::string("6.02e+23"));
    QCOMPARE(parse("[" + jsonNumber(1e-5) + "]").array().at(0).toDouble(), 1e-5);
}

void TestJsonWriter::nonFiniteIsNull() {
    // JSON has no NaN or infinity: an undefined value (HD95 of an empty mask) is null.
    QCOMPARE(jsonNumber(std::nan("")), std::string("null"));
    QCOMPARE(jsonNumber(std::numeric_limits<double>::infinity()), std::string("null"));
    QCOMPARE(jsonNumber(-std::numeric_limits<double>::infinity()), std::string("null"));
    JsonWriter j;
    j.beginArray().value(std::nan("")).value(1.5).endArray();
    QCOMPARE(j.str(), std::string("[null,1.5]"));
}

void TestJsonWriter::integersExactly() {
    JsonWriter j;
    j.beginArray()
        .value(std::numeric_limits<int64_t>::min())
        .value(std::numeric_limits<uint64_t>::max())
        .value(size_t(12345678901234))
        .value(-7)
        .endArray();
    QCOMPARE(j.str(), std::string("[-9223372036854775808,18446744073709551615,12345678901234,-7]"));
}

void TestJsonWriter::structure() {
    JsonWriter j;
    j.beginObject()
        .field("n", 3)
        .field("name", "a \"b\"")
        .field("ok", true)
        .field("off", false)
        .key("none")
        .null()
        .field("s", std::string("x"))
        .key("empty")
        .beginArray()
        .endArray()
        .key("obj")
        .beginObject()
        .endObject()
        .endObject();
    QCOMPARE(j.str(), std::string(R"({"n":3,"name":"a \"b\"","ok":true,"off":false,"none":null,)"
                                  R"("s":"x","empty":[],"obj":{}})"));
    const QJsonObject o = parse(j.str()).object();
    QCOMPARE(o.value("name").toString(), QStringLiteral("a \"b\""));
    QVERIFY(o.value("none").isNull());
}

void TestJsonWriter::nested() {
    JsonWriter inner;
    inner.beginObject().field("k\n", 1).endObject();
    JsonWriter j;
    j.beginArray().raw(inner.str()).beginArray().value(1).value(2).endArray().value("z").endArray();
    QCOMPARE(j.str(), std::string(R"([{"k\n":1},[1,2],"z"])"));
    QVERIFY(parse(j.str()).isArray());
}

void TestJsonWriter::misuseThrows() {
    QVERIFY_THROWS_EXCEPTION(std::logic_error, JsonWriter().beginObject().value(1));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, JsonWriter().beginArray().key("k"));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, JsonWriter().beginArray().endObject());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, JsonWriter().beginObject().key("k").endObject());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, JsonWriter().value(1).value(2));
}

void TestJsonWriter::shortestMatchesQtAndRoundTrips() {
    // The digits and layout QJsonDocument has always given the sidecars, and strtod gets the
    // same double back.
    std::vector<double> values = {0.0,
                                  -0.0,
                                  1,
                                  -1,
                                  10,
                                  100,
                                  1e4,
                                  1e5,
                                  123456789,
                                  1e15,
                                  1e16,
                                  1.5e17,
                                  1e21,
                                  123456789012345678.0,
                                  0.1,
                                  0.001,
                                  0.0001,
                                  0.00012,
                                  1e-5,
                                  1.2345e-7,
                                  1.0 / 3.0,
                                  0.9375,
                                  12345.678,
                                  1.25e10,
                                  5e-324,
                                  2.2250738585072014e-308,
                                  std::numeric_limits<double>::max(),
                                  -std::numeric_limits<double>::max(),
                                  static_cast<double>(0.1f),
                                  static_cast<double>(511.5f),
                                  1e100,
                                  1e-100};
    QRandomGenerator rng(20); // fixed seed: the same cases every run
    for (int i = 0; i < 20000; ++i) {
        // Any bit pattern (every magnitude), and decimals of a few digits (pixel coordinates,
        // millimetres, scores) at every scale.
        const quint64 bits = rng.generate64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d))
            values.push_back(d);
        const double decimal = static_cast<double>(rng.bounded(1000000)) *
                               std::pow(10.0, rng.bounded(40) - 20) * (i % 2 ? 1 : -1);
        values.push_back(decimal);
        values.push_back(static_cast<double>(static_cast<float>(decimal)));
    }
    // Integral values around 2^53, where Qt switches from integers to shortest digits.
    for (long long k = -8; k <= 16; ++k) // above 2^53 only even integers exist
        values.push_back(static_cast<double>((1LL << 53) + k));
    for (int e = 0; e < 70; ++e)
        values.push_back(std::ldexp(1.0, e) + (e < 53 ? 1 : 0));
    for (const double v : values) {
        const std::string ours = jsonNumberShortest(v);
        QByteArray qt = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        qt = qt.mid(1, qt.size() - 2); // [v]
        if (QByteArray::fromStdString(ours) != qt)
            QFAIL(qPrintable(QStringLiteral("%1: ours %2, Qt %3")
                                 .arg(v, 0, 'g', 17)
                                 .arg(QString::fromStdString(ours), QString::fromLatin1(qt))));
        QCOMPARE(std::strtod(ours.c_str(), nullptr), v == 0 ? 0.0 : v);
    }
}

void TestJsonWriter::shortestExamples() {
    QCOMPARE(jsonNumberShortest(-0.0), std::string("0"));
    QCOMPARE(jsonNumberShortest(1e5), std::string("100000"));
    QCOMPARE(jsonNumberShortest(1e15), std::string("1000000000000000"));
    QCOMPARE(jsonNumberShortest(1e16), std::string("1e+16"));
    QCOMPARE(jsonNumberShortest(1.25e10), std::string("12500000000"));
    QCOMPARE(jsonNumberShortest(1.5), std::string("1.5"));
    QCOMPARE(jsonNumberShortest(1e-5), std::string("1e-05"));
    QCOMPARE(jsonNumberShortest(0.001), std::string("0.001"));
    QCOMPARE(jsonNumberShortest(1.0 / 3.0), std::string("0.3333333333333333"));
    QCOMPARE(jsonNumberShortest(static_cast<double>(0.1f)), std::string("0.10000000149011612"));
}

void TestJsonWriter::shortestNonFiniteIsNull() {
    QCOMPARE(jsonNumberShortest(std::nan("")), std::string("null"));
    QCOMPARE(jsonNumberShortest(std::numeric_limits<double>::infinity()), std::string("null"));
    QCOMPARE(jsonNumberShortest(-std::numeric_limits<double>::infinity()), std::string("null"));
    JsonWriter j(JsonLayout::Compact, JsonDoubles::Shortest);
    j.beginArray()
        .value(std::nan(""))
        .value(1.0 / 3.0)
        .value(-std::numeric_limits<double>::infinity())
        .endArray();
    QCOMPARE(j.str(), std::string("[null,0.3333333333333333,null]"));
}

void TestJsonWriter::indentedMatchesQt() {
    // Every shape the sidecars use (nested objects and arrays, empty ones, null, booleans,
    // integers, doubles), written with keys in sorted order: the bytes QJsonDocument writes.
    JsonWriter j(JsonLayout::Indented, JsonDoubles::Shortest);
    j.beginObject();
    j.key("a").beginArray().endArray();
    j.key("b").beginObject().endObject();
    j.key("c").beginArray().beginArray().value(1.5).value(-2).endArray();
    j.beginObject().field("label", 1).field("x", 0.1).endObject().beginArray().endArray();
    j.endArray();
    j.field("d", true).field("e", false).key("f").null();
    j.key("g").beginObject().key("h").beginObject().field("i", "deep").endObject().endObject();
    j.field("n", 1e-5).field("s", "a \"q\" \\ \n\t\x01\x1f\x7f / \xc3\xa4 \xe2\x80\xa8");
    j.endObject();

    QJsonObject qt;
    qt["a"] = QJsonArray{};
    qt["b"] = QJsonObject{};
    qt["c"] = QJsonArray{QJsonArray{1.5, -2}, QJsonObject{{"label", 1}, {"x", 0.1}}, QJsonArray{}};
    qt["d"] = true;
    qt["e"] = false;
    qt["f"] = QJsonValue(QJsonValue::Null);
    qt["g"] = QJsonObject{{"h", QJsonObject{{"i", "deep"}}}};
    qt["n"] = 1e-5;
    qt["s"] = QString::fromUtf8("a \"q\" \\ \n\t\x01\x1f\x7f / \xc3\xa4 \xe2\x80\xa8");
    QCOMPARE(QByteArray::fromStdString(j.str()), QJsonDocument(qt).toJson(QJsonDocument::Indented));
    QCOMPARE(parse(j.str()).object(), qt);

    JsonWriter top(JsonLayout::Indented);
    top.beginArray().value(1).value("x").endArray();
    QCOMPARE(QByteArray::fromStdString(top.str()),
             QJsonDocument(QJsonArray{1, "x"}).toJson(QJsonDocument::Indented));
}

void TestJsonWriter::indentedHostileStrings() {
    // Keys and values with every control character, quotes, backslashes, invalid UTF-8 and
    // JSON-looking text stay strings: the document parses, and holds them (U+FFFD for each
    // byte that is not valid UTF-8).
    std::string hostile;
    for (int c = 0; c < 0x20; ++c)
        hostile += static_cast<char>(c);
    hostile += "\"}, \"x\": [1], \\\\ \xff\xfe caf\xe9 \xed\xa0\x80 \xf0\x9f\x94\xac";
    JsonWriter j(JsonLayout::Indented, JsonDoubles::Shortest);
    j.beginObject().field(hostile, hostile).key("list").beginArray().value(hostile).endArray();
    j.endObject();
    const QJsonDocument doc = parse(j.str());
    QVERIFY(doc.isObject());
    const QJsonObject o = doc.object();
    QCOMPARE(o.size(), 2);
    const QString r(QChar(0xfffd));
    QString expected;
    for (int c = 0; c < 0x20; ++c)
        expected += QChar(c);
    expected += QStringLiteral("\"}, \"x\": [1], \\\\ ") + r + r + QStringLiteral(" caf") + r +
                " " + r + r + r + " " + QString::fromUtf8("\xf0\x9f\x94\xac");
    QVERIFY(o.contains(expected));
    QCOMPARE(o.value(expected).toString(), expected);
    QCOMPARE(o.value("list").toArray().at(0).toString(), expected);
    for (const char c : j.str())
        QVERIFY2(static_cast<unsigned char>(c) >= 0x20 || c == '\n', "a raw control character");
}

void TestJsonWriter::compactUnchangedByDefault() {
    // The CLI's output: compact, %.10g.
    JsonWriter j;
    j.beginObject().field("v", 1.0 / 3.0).key("a").beginArray().value(1).endArray().endObject();
    QCOMPARE(j.str(), std::string(R"({"v":0.3333333333,"a":[1]})"));
}

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_json_writer.moc"
