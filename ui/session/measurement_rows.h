#pragma once

#include "core/lesion_measurements.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

namespace dermsam {

// The measurements as the user reads them, in the viewer's panel and in the report: one row per
// figure, translated, with a tooltip that defines it (docs/measurements.md).
struct MeasurementRow {
    QString name;
    QString value;
    QString definition;
};

class MeasurementRows {
    Q_DECLARE_TR_FUNCTIONS(dermsam::MeasurementRows)
public:
    // spacingSource: "calibration", "dicom" or "none" (ImageDocument::spacingSource), or
    // "option" (dermsam-cli's --pixel-size).
    static QList<MeasurementRow> rows(const LesionMeasurements& m, const QString& spacingSource);
    // "12.3 mm" with a pixel size, "567 px" without: the greatest diameter's label.
    static QString diameterLabel(const LesionMeasurements& m);
};

} // namespace dermsam
