#include "ui/session/measurement_rows.h"

#include <QLocale>
#include <QStringList>

namespace dermsam {

QList<MeasurementRow> MeasurementRows::rows(const LesionMeasurements& m,
                                            const QString& spacingSource) {
    if (m.empty)
        return {{tr("Area"), tr("No lesion mask"), tr("Lesion pixels")}};
    const bool mm = m.rowMm > 0 && m.colMm > 0;
    const QLocale locale;
    const auto num = [&locale](double v, int decimals) {
        return locale.toString(v, 'f', decimals);
    };
    // "12.34 mm (567 px)" with a pixel size, "567 px" without.
    const auto length = [&](double px, double inMm) {
        return mm ? tr("%1 mm (%2 px)").arg(num(inMm, 2), num(px, 0)) : tr("%1 px").arg(num(px, 1));
    };
    QList<MeasurementRow> out;
    const auto row = [&out](const QString& name, const QString& value, const QString& tip) {
        out.append({name, value, tip});
    };
    row(tr("Area"),
        mm ? tr("%1 mm² (%2 px)").arg(num(m.areaMm2, 2), locale.toString(m.areaPx))
           : tr("%1 px").arg(locale.toString(m.areaPx)),
        tr("Lesion pixels"));
    row(tr("Greatest diameter"), length(m.maxFeretPx, m.maxFeretMm),
        tr("Maximum Feret diameter, drawn on the image"));
    row(tr("Smallest width"), length(m.minFeretPx, m.minFeretMm), tr("Minimum Feret diameter"));
    row(tr("Equivalent diameter"), length(m.equivalentDiameterPx, m.equivalentDiameterMm),
        tr("Diameter of the disc of the same area"));
    row(tr("Perimeter"), length(m.perimeterPx, m.perimeterMm), tr("Length of the outline"));
    row(tr("Shape asymmetry"),
        tr("%1 of 2 axes (%2, %3)")
            .arg(m.shapeAsymmetricAxes)
            .arg(num(m.shapeAsymmetry[0], 2), num(m.shapeAsymmetry[1], 2)),
        tr("Share of the lesion left unmatched when folded about each principal axis; "
           "asymmetric above %1")
            .arg(num(m.options.shapeAsymmetryThreshold, 2)));
    row(tr("Compactness"), num(m.compactness, 2),
        tr("Perimeter² / (4π × area): 1 for a disc, higher for a ragged border"));
    row(tr("Border indentation"), num(m.convexityDeficit, 3), tr("1 − area / convex hull area"));
    if (m.colourMeasured) {
        row(tr("Colour asymmetry"),
            tr("%1 of 2 axes (ΔE %2, %3)")
                .arg(m.colourAsymmetricAxes)
                .arg(num(m.colourAsymmetry[0], 1), num(m.colourAsymmetry[1], 1)),
            tr("Mean colour difference between mirrored pixels; asymmetric above ΔE %1")
                .arg(num(m.options.colourAsymmetryThreshold, 0)));
        row(tr("Border sharpness"), num(m.meanBorderSharpness, 2),
            tr("Mean lightness gradient (L* per pixel) on the outline"));
        QStringList present;
        const char* names[kDermoscopicColours] = {
            QT_TR_NOOP("white"),      QT_TR_NOOP("red"),       QT_TR_NOOP("light brown"),
            QT_TR_NOOP("dark brown"), QT_TR_NOOP("blue-grey"), QT_TR_NOOP("black")};
        for (int c = 0; c < kDermoscopicColours; ++c)
            if (m.colourShare[c] >= m.options.colourShareThreshold)
                present << tr("%1 %2%").arg(tr(names[c]), num(100 * m.colourShare[c], 0));
        row(tr("Colours"),
            present.isEmpty() ? QStringLiteral("0")
                              : QStringLiteral("%1: %2")
                                    .arg(present.size())
                                    .arg(present.join(QStringLiteral(", "))),
            tr("Dermoscopic colours covering at least %1% of the lesion")
                .arg(num(100 * m.options.colourShareThreshold, 0)));
    }
    const QString& source = spacingSource;
    row(tr("Pixel size"),
        source == QStringLiteral("calibration") ? tr("calibrated")
        : source == QStringLiteral("dicom")     ? tr("from the DICOM file")
        : source == QStringLiteral("option")    ? tr("given on the command line (%1 mm per pixel)")
                                                   .arg(locale.toString(m.colMm, 'g', 6))
                                             : tr("unknown (draw a calibration line, C)"),
        tr("Where the millimetres come from"));
    return out;
}

QString MeasurementRows::diameterLabel(const LesionMeasurements& m) {
    const QLocale locale;
    return m.rowMm > 0 && m.colMm > 0 ? tr("%1 mm").arg(locale.toString(m.maxFeretMm, 'f', 1))
                                      : tr("%1 px").arg(locale.toString(m.maxFeretPx, 'f', 0));
}

} // namespace dermsam
