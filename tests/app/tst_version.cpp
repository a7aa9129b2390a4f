// Protects the smoke contract: both executables answer --version with the project version, and
// the CLI fails with one line on stderr for an unknown command.
// labels: unit
#include "dermsam_version.h"

#include <QProcess>
#include <QTest>

class TestVersion : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void version_data();
    void version();
    void unknownCommand();
};

void TestVersion::version_data() {
    QTest::addColumn<QString>("program");
    QTest::newRow("dermsam-cli") << QStringLiteral(DERMSAM_CLI_PATH);
    QTest::newRow("dermsam") << QStringLiteral(DERMSAM_GUI_PATH);
}

void TestVersion::version() {
    QFETCH(QString, program);
    QProcess p;
    p.start(program, {"--version"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(out.contains(DERMSAM_VERSION_STRING), qPrintable(out));
}

void TestVersion::unknownCommand() {
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH), {"no-such-command"});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY(p.exitCode() != 0);
    const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    QVERIFY(err.contains("unknown command"));
    QCOMPARE(err.count('\n'), 0);
}

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"
