// Protects the CLI's writes: a dermsam-cli killed (SIGKILL) at any moment leaves, at the path the
// user named, either nothing or the complete file, never a part of one.
// labels: slow
#include "core/core_error.h"
#include "core/image_io.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <csignal>

class TestCliKillDuringWrite : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_image;
    QString m_data;

private Q_SLOTS:
    void initTestCase();
    void killedRunLeavesNoPartialFile_data();
    void killedRunLeavesNoPartialFile();
};

namespace {

// A large, busy picture: encoding the heatmap overlay as PNG takes a good part of the run, so the
// kills below land inside the write, where a streamed write (as cv::imwrite does) would leave a
// truncated file.
cv::Mat busyPicture(int w, int h) {
    cv::Mat m(h, w, CV_8UC3);
    cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
    cv::circle(m, {w / 2, h / 2}, std::min(w, h) / 4, cv::Scalar(40, 30, 90), -1);
    return m;
}

// Nothing there, or a whole file of the kind asked for.
bool absentOrComplete(const QString& path, QString& why) {
    if (!QFileInfo::exists(path))
        return true;
    if (path.endsWith(QLatin1String(".png"))) {
        try {
            const dermsam::Image img = dermsam::loadImage(QFile::encodeName(path).toStdString());
            return img.width() > 0;
        } catch (const dermsam::CoreError& e) {
            why = QString::fromLatin1(dermsam::coreErrorCodeName(e.code())) + " " +
                  QString::fromStdString(e.detail());
            return false;
        }
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray bytes = f.readAll();
    if (path.endsWith(QLatin1String(".json"))) {
        QJsonParseError error{};
        QJsonDocument::fromJson(bytes, &error);
        why = error.errorString();
        return error.error == QJsonParseError::NoError;
    }
    // CSV: complete files end with a newline.
    why = QStringLiteral("no final newline");
    return bytes.endsWith('\n');
}

} // namespace

void TestCliKillDuringWrite::initTestCase() {
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
    m_image = m_dir.filePath(QStringLiteral("big.png"));
    QVERIFY(cv::imwrite(m_image.toStdString(), busyPicture(3000, 2400)));
    // A small ISIC-layout dataset for eval's report.
    m_data = m_dir.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(m_data));
    for (int i = 0; i < 3; ++i) {
        cv::Mat img = busyPicture(96, 96);
        cv::Mat mask = cv::Mat::zeros(96, 96, CV_8UC1);
        cv::circle(mask, {48, 48}, 20 + 5 * i, cv::Scalar(255), -1);
        const std::string stem = m_data.toStdString() + "/ISIC_000000" + std::to_string(i);
        QVERIFY(cv::imwrite(stem + ".png", img));
        QVERIFY(cv::imwrite(stem + "_segmentation.png", mask));
    }
}

void TestCliKillDuringWrite::killedRunLeavesNoPartialFile_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("outputs"); // relative to the temporary folder
    QTest::newRow("explain heatmap picture")
        << QStringList{"explain", "--model",           "default", "--image",      "@IMAGE",
                       "--box",   "500,400,2500,2000", "--out",   "@DIR/heat.png"}
        << QStringList{"heat.png"};
    QTest::newRow("segment mask and heatmap")
        << QStringList{"segment",       "--model",   "default",           "--image",
                       "@IMAGE",        "--box",     "500,400,2500,2000", "--out",
                       "@DIR/mask.png", "--heatmap", "@DIR/overlay.png"}
        << QStringList{"mask.png", "overlay.png"};
    QTest::newRow("eval report") << QStringList{"eval",  "--model",  "default",    "--data",
                                                "@DATA", "--report", "@DIR/report"}
                                 << QStringList{"report.json", "report.csv"};
}

void TestCliKillDuringWrite::killedRunLeavesNoPartialFile() {
    QFETCH(QStringList, args);
    QFETCH(QStringList, outputs);
    const QString dir =
        m_dir.filePath(QString::fromLatin1(QTest::currentDataTag()).replace(' ', '-'));
    QVERIFY(QDir().mkpath(dir));
    for (QString& a : args)
        a.replace(QLatin1String("@IMAGE"), m_image)
            .replace(QLatin1String("@DATA"), m_data)
            .replace(QLatin1String("@DIR"), dir);

    // Whole runs: that they write every output, and how long the second takes (the first fills
    // the embedding cache, which the killed runs below then read, as the second did).
    qint64 runMs = 0;
    for (int warm = 0; warm < 2; ++warm) {
        QElapsedTimer clock;
        clock.start();
        QProcess full;
        full.start(QStringLiteral(DERMSAM_CLI_PATH), args);
        QVERIFY(full.waitForFinished(300000));
        QVERIFY2(full.exitCode() == 0, full.readAllStandardError().constData());
        runMs = clock.elapsed();
    }
    for (const QString& out : outputs) {
        QString why;
        QVERIFY2(QFileInfo::exists(dir + '/' + out), qPrintable(out));
        QVERIFY2(absentOrComplete(dir + '/' + out, why), qPrintable(out + ": " + why));
        QFile::remove(dir + '/' + out);
    }

    // Kills spread over the second half of a run, where the results are written.
    const int kills = 10;
    int landed = 0;
    for (int i = 0; i < kills; ++i) {
        const qint64 at = runMs / 2 + runMs * i / (2 * kills);
        QProcess p;
        p.start(QStringLiteral(DERMSAM_CLI_PATH), args);
        QVERIFY(p.waitForStarted());
        if (!p.waitForFinished(int(at)) && p.state() == QProcess::Running) {
            ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
            QVERIFY(p.waitForFinished(30000));
            ++landed;
        }
        for (const QString& out : outputs) {
            QString why;
            QVERIFY2(absentOrComplete(dir + '/' + out, why),
                     qPrintable(QStringLiteral("%1 after a kill at %2 ms of %3: %4")
                                    .arg(out)
                                    .arg(at)
                                    .arg(runMs)
                                    .arg(why)));
            QFile::remove(dir + '/' + out);
        }
    }
    qInfo("%d of %d kills landed before the run ended (a run takes %lld ms)", landed, kills, runMs);
    QVERIFY(landed > 0);

    // The moment an output first appears under its name, the run is killed: a streamed write
    // shows its name as soon as the file is opened, so what stays there is a part of a file;
    // an atomic one shows it only when the whole file is renamed into place.
    for (const QString& out : outputs) {
        QProcess p;
        p.start(QStringLiteral(DERMSAM_CLI_PATH), args);
        QVERIFY(p.waitForStarted());
        const QString target = dir + '/' + out;
        bool seen = false;
        QElapsedTimer clock;
        clock.start();
        while (p.state() == QProcess::Running && clock.elapsed() < 120000) {
            if (QFileInfo::exists(target)) {
                ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
                seen = true;
                break;
            }
            QThread::usleep(200);
        }
        QVERIFY(p.waitForFinished(30000));
        QString why;
        QVERIFY2(absentOrComplete(target, why),
                 qPrintable(QStringLiteral("%1 killed as it appeared: %2").arg(out, why)));
        qInfo("%s: killed as it appeared: %s", qPrintable(out), seen ? "yes" : "no (run ended)");
        for (const QString& o : outputs)
            QFile::remove(dir + '/' + o);
    }
}

QTEST_MAIN(TestCliKillDuringWrite)
#include "tst_cli_kill_during_write.moc"
