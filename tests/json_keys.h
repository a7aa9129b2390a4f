#pragma once

// Checks a `dermsam-cli ... --json` line the way a script reads it: every documented key is
// there with its JSON type, in the documented order, and no other key. Whatever writes the line
// (io::JsonWriter today), scripts keep working only if these stay the same.

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QTest>

namespace dermsam::test {

using JsonKeys = QList<QPair<QString, QJsonValue::Type>>;

inline QString jsonTypeName(QJsonValue::Type t) {
    switch (t) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("bool");
    case QJsonValue::Double:
        return QStringLiteral("number");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Object:
        return QStringLiteral("object");
    default:
        return QStringLiteral("undefined");
    }
}

// `line` is the command's whole standard output: one JSON object and a newline. On a mismatch
// the calling test fails (check QTest::currentTestFailed() after it to stop there).
inline void checkJsonKeys(const QByteArray& line, const JsonKeys& keys) {
    QVERIFY2(line.endsWith('\n') && line.count('\n') == 1, line.constData());
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &err);
    QVERIFY2(err.error == QJsonParseError::NoError && doc.isObject(), line.constData());
    const QJsonObject o = doc.object();
    qsizetype from = 0;
    for (const auto& [key, type] : keys) {
        QVERIFY2(o.contains(key),
                 qPrintable(QStringLiteral("no \"%1\" in %2").arg(key, QString::fromUtf8(line))));
        QVERIFY2(o.value(key).type() == type,
                 qPrintable(QStringLiteral("\"%1\" is %2, expected %3")
                                .arg(key, jsonTypeName(o.value(key).type()), jsonTypeName(type))));
        // Compact output: each key appears as "key": after the previous one.
        const qsizetype at = line.indexOf("\"" + key.toUtf8() + "\":", from);
        QVERIFY2(
            at >= 0,
            qPrintable(
                QStringLiteral("\"%1\" out of order in %2").arg(key, QString::fromUtf8(line))));
        from = at + 1;
    }
    QVERIFY2(o.size() == keys.size(), qPrintable(QStringLiteral("%1 keys, expected %2: %3")
                                                     .arg(o.size())
                                                     .arg(keys.size())
                                                     .arg(QString::fromUtf8(line))));
}

} // namespace dermsam::test
