// Protects io/'s one JSON writer (CLI --json, reports, checkpoint metadata): escaping, UTF-8,
// numbers (NaN and infinities as null), structure, and that Qt's parser reads what it writes.
// labels: unit
#include "io/json_writer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <cstdint>
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

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_json_writer.moc"
