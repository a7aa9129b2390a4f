#pragma once

// dermsam-cli run the way a user runs it: a child process, its exit code, stdout and stderr.
// For the tests of tests/app/, which CMake gives DERMSAM_CLI_PATH.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace dermsam::test {

struct CliRun {
    int exitCode = -1; // -1: it did not finish within the time limit
    QByteArray out;
    QString err;
};

inline CliRun cli(const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(QStringLiteral(DERMSAM_CLI_PATH), args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs))
        return r;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace dermsam::test
