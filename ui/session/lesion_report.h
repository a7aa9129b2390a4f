#pragma once

#include "core/lesion_measurements.h"
#include "model/prompts.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QImage>
#include <QList>
#include <QPair>
#include <QString>

namespace dermsam {

// What a lesion report shows (File > Export Report..., `dermsam-cli report`).
struct LesionReportInput {
    QString imagePath;
    QImage image;   // the photo (any format)
    QImage mask;    // Grayscale8, non-zero = lesion, the image's size
    QImage heatmap; // Grayscale8 heat, any size (stretched over the image), or null
    LesionMeasurements measurements;
    QString spacingSource = QStringLiteral("none"); // "calibration", "dicom", "none"
    QString modelName;                              // the checkpoint's file name or "default"
    QString modelSha256;
    QString profile;
    Prompts prompts;
    bool editedByHand = false;
    QString operatorName;
    QDateTime created = QDateTime::currentDateTime();
    // A follow-up comparison, when there is one: (label, value) rows shown in their own section.
    QString followUpTitle;
    QList<QPair<QString, QString>> followUp;
};

// Writes the report as a PDF (A4, one or two pages) or a self-contained HTML file (pictures
// embedded), atomically. Returns an empty string on success, else the reason (one line).
// A PDF needs a QGuiApplication (fonts); HTML does not.
class LesionReport {
    Q_DECLARE_TR_FUNCTIONS(dermsam::LesionReport)
public:
    static QString writePdf(const LesionReportInput& input, const QString& path);
    static QString writeHtml(const LesionReportInput& input, const QString& path);
    // The report as HTML; pictures are referenced as `picturesUrl`/lesion.png and
    // `picturesUrl`/heatmap.png, or embedded as data URIs when picturesUrl is empty.
    static QString html(const LesionReportInput& input, const QString& picturesUrl = {});
    // The photo with the mask outline and the greatest diameter (and the heatmap blended in
    // when withHeatmap), at most maxSide pixels on its longest side.
    static QImage picture(const LesionReportInput& input, bool withHeatmap, int maxSide = 900);
};

} // namespace dermsam
