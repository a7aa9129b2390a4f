// Protects the lesion report: a PDF that opens, with the picture, every measurement, the model's
// name and SHA-256, the prompts, the operator and the research-use notice; and the HTML version.
#include "test_support.h"
#include "ui/session/document_measurements.h"
#include "ui/session/lesion_report.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace dermsam;

namespace {

QString run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return {};
    return QString::fromUtf8(p.readAllStandardOutput());
}

} // namespace

class TestLesionReport : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    LesionReportInput m_input;

private Q_SLOTS:
    void initTestCase() {
        DERMSAM_REQUIRE_ISIC(isic);
        QVERIFY(m_dir.isValid());
        m_input.imagePath = isic + QStringLiteral("/images/ISIC_0000009.jpg");
        m_input.image = QImage(m_input.imagePath).convertToFormat(QImage::Format_RGB888);
        m_input.mask = QImage(isic + QStringLiteral("/masks/ISIC_0000009_segmentation.png"))
                           .convertToFormat(QImage::Format_Grayscale8);
        QVERIFY(!m_input.image.isNull() && m_input.mask.size() == m_input.image.size());
        m_input.measurements = measureDocumentMask(m_input.mask, m_input.image, 0.02, 0.02);
        m_input.spacingSource = QStringLiteral("calibration");
        QImage heat(64, 64, QImage::Format_Grayscale8);
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x)
                heat.setPixel(x, y, qRgb(x * 4, x * 4, x * 4));
        m_input.heatmap = heat;
        m_input.modelName = QStringLiteral("default");
        m_input.modelSha256 = QStringLiteral("0123456789abcdef0123456789abcdef");
        m_input.profile = QStringLiteral("medsam");
        m_input.prompts.boxes.push_back({30, 90, 425, 435});
        m_input.operatorName = QStringLiteral("Dr Test Operator");
        m_input.followUpTitle = QStringLiteral("Follow-up");
        m_input.followUp.append({QStringLiteral("Area change"), QStringLiteral("+12 %")});
    }

    void pdfHasEverything() {
        if (QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty())
            QSKIP(
                "pdftotext (poppler-utils) is not installed: scripts/install-deps.sh installs it");
        const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
        QCOMPARE(LesionReport::writePdf(m_input, pdf), QString());
        const QString info = run(QStringLiteral("pdfinfo"), {pdf});
        QVERIFY2(info.contains(QStringLiteral("Pages:")), qPrintable(info));
        // The follow-up on a page of its own, whole, after a first page with everything else.
        QVERIFY2(info.contains(QRegularExpression(QStringLiteral("Pages:\\s+2\\n"))),
                 qPrintable(info));
        const QString second =
            run(QStringLiteral("pdftotext"),
                {QStringLiteral("-f"), QStringLiteral("2"), pdf, QStringLiteral("-")})
                .trimmed();
        QVERIFY2(second.startsWith(QStringLiteral("Follow-up")), qPrintable(second));
        QVERIFY(second.contains(QStringLiteral("Area change")));
        QVERIFY(info.contains(QStringLiteral("DermSAM lesion report")));
        // Text, as pdftotext reads it (layout may wrap lines: compare without whitespace).
        QString text = run(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
        text.remove(QRegularExpression(QStringLiteral("\\s")));
        for (const char* expected :
             {"DermSAMlesionreport", "Researchuse,notfordiagnosis.", "ISIC_0000009.jpg",
              "DrTestOperator", "0123456789abcdef0123456789abcdef", "Greatestdiameter", "Colours",
              "Shapeasymmetry", "box(30,90)–(425,435)", "Areachange", "+12%", "calibrated"}) {
            QVERIFY2(text.contains(QString::fromUtf8(expected)), expected);
        }
        // The greatest diameter in mm, as the measurements say.
        const QString mm = QLocale().toString(m_input.measurements.maxFeretMm, 'f', 2);
        QVERIFY2(text.contains(mm), qPrintable(mm));
        // The pictures are in it: the first page rendered has the outline's cyan.
        const QString png = m_dir.filePath(QStringLiteral("page"));
        run(QStringLiteral("pdftoppm"),
            {QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-png"),
             QStringLiteral("-f"), QStringLiteral("1"), QStringLiteral("-l"), QStringLiteral("1"),
             pdf, png});
        const QImage page(png + QStringLiteral("-1.png"));
        QVERIFY(!page.isNull());
        int cyan = 0;
        for (int y = 0; y < page.height(); ++y)
            for (int x = 0; x < page.width(); ++x) {
                const QColor c = page.pixelColor(x, y);
                cyan += c.red() < 90 && c.green() > 160 && c.blue() > 200;
            }
        QVERIFY2(cyan > 20, qPrintable(QString::number(cyan)));
    }

    // Without a follow-up, one A4 page: both pictures and every measurement, the longest
    // values (calibration, colours) included. The report's last line used to spill onto a
    // second page of its own.
    void onePageWithoutFollowUp() {
        if (QStandardPaths::findExecutable(QStringLiteral("pdfinfo")).isEmpty())
            QSKIP("pdfinfo (poppler-utils) is not installed: scripts/install-deps.sh installs it");
        LesionReportInput in = m_input;
        in.followUp.clear();
        const QString pdf = m_dir.filePath(QStringLiteral("one-page.pdf"));
        QCOMPARE(LesionReport::writePdf(in, pdf), QString());
        const QString info = run(QStringLiteral("pdfinfo"), {pdf});
        QVERIFY2(info.contains(QRegularExpression(QStringLiteral("Pages:\\s+1\\n"))),
                 qPrintable(info));
        QString text = run(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
        text.remove(QRegularExpression(QStringLiteral("\\s")));
        for (const char* expected : {"MadewithDermSAM", "Colours", "Pixelsize", "Bordersharpness"})
            QVERIFY2(text.contains(QString::fromUtf8(expected)), expected);
    }

    void htmlIsSelfContained() {
        const QString path = m_dir.filePath(QStringLiteral("report.html"));
        QCOMPARE(LesionReport::writeHtml(m_input, path), QString());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(f.readAll());
        QCOMPARE(html.count(QStringLiteral("src=\"data:image/png;base64,")), 2);
        QVERIFY(html.contains(QStringLiteral("Research use, not for diagnosis.")));
        QVERIFY(html.contains(QStringLiteral("Dr Test Operator")));
        QVERIFY(html.contains(QStringLiteral("0123456789abcdef0123456789abcdef")));
    }

    void unwritablePathIsOneLine() {
        const QString bad = m_dir.filePath(QStringLiteral("no-such-folder/report.pdf"));
        const QString error = LesionReport::writePdf(m_input, bad);
        QVERIFY(!error.isEmpty());
        QVERIFY(!error.contains(QLatin1Char('\n')));
        QVERIFY(!QFileInfo::exists(bad));
        QVERIFY(!LesionReport::writeHtml(m_input, bad).isEmpty());
    }
};

QTEST_MAIN(TestLesionReport)
#include "tst_lesion_report.moc"
