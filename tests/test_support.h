#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTest>
#include <QtGlobal>

namespace dermsam::test {

// ../shared beside the checkout (CTest sets DERMSAM_SHARED_DIR); empty when it is absent so
// tests can QSKIP with a clear message.
inline QString sharedDir() {
    QString dir = qEnvironmentVariable("DERMSAM_SHARED_DIR");
    if (dir.isEmpty())
        dir = QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/../shared");
    return QDir(dir).exists() ? QDir(dir).absolutePath() : QString();
}

inline QString fixtureDir() {
    const QString shared = sharedDir();
    const QString dir = shared + QStringLiteral("/fixtures/sam-parity-tiny");
    return !shared.isEmpty() && QDir(dir).exists() ? dir : QString();
}

inline QString isicDir() {
    const QString shared = sharedDir();
    const QString dir = shared + QStringLiteral("/data/isic2018-512");
    return !shared.isEmpty() && QDir(dir).exists() ? dir : QString();
}

// A file's bytes (empty when it cannot be read), and writing bytes as the whole file.
inline QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

} // namespace dermsam::test

#define DERMSAM_REQUIRE_FIXTURE(var)                                                               \
    const QString var = dermsam::test::fixtureDir();                                               \
    if (var.isEmpty())                                                                             \
        QSKIP("../shared/fixtures/sam-parity-tiny is absent: parity test skipped");

#define DERMSAM_REQUIRE_ISIC(var)                                                                  \
    const QString var = dermsam::test::isicDir();                                                  \
    if (var.isEmpty())                                                                             \
        QSKIP("../shared/data/isic2018-512 is absent: data test skipped");
