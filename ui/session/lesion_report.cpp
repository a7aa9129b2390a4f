#include "ui/session/lesion_report.h"

#include "ui/session/image_views.h"
#include "ui/session/measurement_rows.h"

#include "dermsam_version.h"
#include "io/atomic_file.h"
#include "io/file_error.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dermsam {

namespace {

// Through io's one atomic writer (temporary, fsync, rename, fsync of the folder); "" or the
// translated one-line error.
QString writeReportFile(const QString& path, const QByteArray& bytes) {
    try {
        io::writeFileAtomically(QFile::encodeName(path).toStdString(),
                                std::string(bytes.constData(), static_cast<size_t>(bytes.size())));
    } catch (const io::FileError& e) {
        return LesionReport::tr("%1 could not be written: %2")
            .arg(path, QString::fromStdString(e.detail()));
    }
    return {};
}

// Blue (low) to red (high) through green and yellow, transparent where there is no heat.
QImage colouredHeat(const QImage& heatIn) {
    const QImage heat = heatIn.convertToFormat(QImage::Format_Grayscale8);
    QImage out(heat.size(), QImage::Format_ARGB32);
    for (int y = 0; y < heat.height(); ++y) {
        const uchar* in = heat.constScanLine(y);
        auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < heat.width(); ++x) {
            const double v = in[x] / 255.0;
            QColor c = QColor::fromHsvF(static_cast<float>((1.0 - v) * 240.0 / 360.0), 1.0f, 1.0f);
            c.setAlphaF(static_cast<float>(0.15 + 0.45 * v));
            line[x] = c.rgba();
        }
    }
    return out;
}

QString pngDataUri(const QImage& image) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return QStringLiteral("data:image/png;base64,") + QString::fromLatin1(bytes.toBase64());
}

QString promptText(const Prompts& p) {
    QStringList parts;
    const QLocale locale;
    for (const BoxPrompt& b : p.boxes)
        parts << LesionReport::tr("box (%1, %2)–(%3, %4)")
                     .arg(locale.toString(b.x0, 'f', 0), locale.toString(b.y0, 'f', 0),
                          locale.toString(b.x1, 'f', 0), locale.toString(b.y1, 'f', 0));
    for (const PointPrompt& pt : p.points)
        parts << (pt.label ? LesionReport::tr("lesion point (%1, %2)")
                           : LesionReport::tr("background point (%1, %2)"))
                     .arg(locale.toString(pt.x, 'f', 0), locale.toString(pt.y, 'f', 0));
    return parts.isEmpty() ? LesionReport::tr("none (drawn by hand)")
                           : parts.join(QStringLiteral("; "));
}

QString row(const QString& name, const QString& value) {
    return QStringLiteral("<tr><td style=\"padding-right: 10px\">%1</td><td><b>%2</b></td></tr>")
        .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
}

} // namespace

QImage LesionReport::picture(const LesionReportInput& in, bool withHeatmap, int maxSide) {
    if (in.image.isNull())
        return {};
    const QSize full = in.image.size();
    const double scale = std::min(1.0, double(maxSide) / std::max(full.width(), full.height()));
    const QSize size(std::max(1, int(std::lround(full.width() * scale))),
                     std::max(1, int(std::lround(full.height() * scale))));
    QImage out = in.image.convertToFormat(QImage::Format_RGB32)
                     .scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    QPainter p(&out);
    p.setRenderHint(QPainter::Antialiasing, true);
    if (withHeatmap && !in.heatmap.isNull())
        p.drawImage(QRect(QPoint(0, 0), size), colouredHeat(in.heatmap));
    p.scale(double(size.width()) / full.width(), double(size.height()) / full.height());
    if (!in.mask.isNull() && in.mask.size() == full) {
        QPen pen(QColor(0, 220, 255), 2.0);
        pen.setCosmetic(true);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawPath(maskOutlinePath(in.mask));
    }
    const LesionMeasurements& m = in.measurements;
    if (!m.empty) {
        QPen pen(Qt::white, 1.5, Qt::DashLine);
        pen.setCosmetic(true);
        p.setPen(pen);
        p.drawLine(QPointF(m.maxFeretA.x + 0.5, m.maxFeretA.y + 0.5),
                   QPointF(m.maxFeretB.x + 0.5, m.maxFeretB.y + 0.5));
    }
    p.end();
    return out;
}

QString LesionReport::html(const LesionReportInput& in, const QString& picturesUrl) {
    const QLocale locale;
    const bool heat = !in.heatmap.isNull();
    const QString lesionSrc = picturesUrl.isEmpty() ? pngDataUri(picture(in, false))
                                                    : picturesUrl + QStringLiteral("lesion.png");
    const QString heatSrc = !heat                   ? QString()
                            : picturesUrl.isEmpty() ? pngDataUri(picture(in, true))
                                                    : picturesUrl + QStringLiteral("heatmap.png");
    QString h;
    h += QStringLiteral("<html><head><meta charset=\"utf-8\"><title>%1</title></head><body>")
             .arg(tr("DermSAM lesion report").toHtmlEscaped());
    h += QStringLiteral("<h2>%1</h2>").arg(tr("DermSAM lesion report").toHtmlEscaped());
    h += QStringLiteral("<p style=\"color:#b35900\"><b>%1</b> %2</p>")
             .arg(tr("Research use, not for diagnosis.").toHtmlEscaped(),
                  tr("These figures describe a mask made with a segmentation model; they must "
                     "not be used for diagnosis or treatment decisions.")
                      .toHtmlEscaped());
    // Here rather than at the end, where it went onto a page of its own whenever the
    // measurements just filled the first.
    h += QStringLiteral("<p style=\"color:#777777\">%1</p>")
             .arg(tr("Made with DermSAM %1. Definitions of the measurements: "
                     "docs/measurements.md.")
                      .arg(QStringLiteral(DERMSAM_VERSION_STRING))
                      .toHtmlEscaped());
    h += QStringLiteral("<table cellspacing=\"2\">");
    h += row(tr("Image"), QFileInfo(in.imagePath).fileName());
    h += row(tr("Image size"), tr("%1 × %2 px").arg(in.image.width()).arg(in.image.height()));
    h += row(tr("Report date"), locale.toString(in.created, QLocale::LongFormat));
    h += row(tr("Operator"), in.operatorName.isEmpty() ? tr("not given") : in.operatorName);
    h += row(tr("Model"), in.modelName.isEmpty() ? tr("unknown") : in.modelName);
    h += row(tr("Model SHA-256"), in.modelSha256.isEmpty() ? tr("unknown") : in.modelSha256);
    if (!in.profile.isEmpty())
        h += row(tr("Preprocessing"), in.profile);
    h += row(tr("Prompts"), promptText(in.prompts));
    h += row(tr("Edited by hand"), in.editedByHand ? tr("yes") : tr("no"));
    h += QStringLiteral("</table>");
    // Side by side in a table: both pictures on the first page.
    h += QStringLiteral("<table cellspacing=\"6\"><tr><td><img src=\"%1\" width=\"300\"/></td>")
             .arg(lesionSrc);
    if (heat)
        h += QStringLiteral("<td><img src=\"%1\" width=\"300\"/></td>").arg(heatSrc);
    h += QStringLiteral("</tr></table><p><i>%1</i></p>")
             .arg((heat ? tr("Left: the mask's outline (cyan) and its greatest diameter (white). "
                             "Right: the Grad-CAM heatmap, red where the model looked most.")
                        : tr("The mask's outline (cyan) and its greatest diameter (white)."))
                      .toHtmlEscaped());
    h += QStringLiteral("<h3>%1</h3><table cellspacing=\"2\">")
             .arg(tr("Measurements").toHtmlEscaped());
    for (const MeasurementRow& r : MeasurementRows::rows(in.measurements, in.spacingSource))
        h += row(r.name, r.value);
    h += QStringLiteral("</table>");
    if (!in.followUp.isEmpty()) {
        // A page of its own: the first is full, and a table cut in two is hard to read.
        h += QStringLiteral("<h3 style=\"page-break-before: always\">%1</h3>"
                            "<table cellspacing=\"2\">")
                 .arg((in.followUpTitle.isEmpty() ? tr("Follow-up") : in.followUpTitle)
                          .toHtmlEscaped());
        for (const auto& [name, value] : in.followUp)
            h += row(name, value);
        h += QStringLiteral("</table>");
    }
    h += QStringLiteral("</body></html>");
    return h;
}

QString LesionReport::writeHtml(const LesionReportInput& in, const QString& path) {
    return writeReportFile(path, html(in).toUtf8());
}

QString LesionReport::writePdf(const LesionReportInput& in, const QString& path) {
    // Rendered in memory (a report is a few hundred kilobytes), then written atomically.
    QByteArray pdf;
    QBuffer buffer(&pdf);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
        writer.setResolution(150);
        writer.setTitle(tr("DermSAM lesion report"));
        writer.setCreator(QStringLiteral("DermSAM"));
        QTextDocument doc;
        const QString base = QStringLiteral("dermsam-report:");
        doc.addResource(QTextDocument::ImageResource, QUrl(base + QStringLiteral("lesion.png")),
                        picture(in, false));
        if (!in.heatmap.isNull())
            doc.addResource(QTextDocument::ImageResource,
                            QUrl(base + QStringLiteral("heatmap.png")), picture(in, true));
        doc.setHtml(html(in, base));
        doc.print(&writer);
    }
    return writeReportFile(path, pdf);
}

} // namespace dermsam
