#include "ui/session/follow_up.h"

#include "ui/session/error_text.h"
#include "ui/session/image_views.h"

#include "core/core_error.h"

#include <QFileInfo>
#include <QLocale>

#include <cmath>

namespace dermsam {

FollowUp computeFollowUp(const FollowUpInput& in) {
    FollowUp f;
    f.earlierPath = in.earlier.path;
    if (!in.earlier.ok()) {
        f.error = errorCodeText(in.earlier.errorCode, in.earlier.path);
        return f;
    }
    f.earlierImage = asRgb888(in.earlier.rgb);
    if (in.earlier.savedMask.isNull()) {
        f.error = FollowUpText::tr("%1 has no saved mask: open it, segment the lesion and save "
                                   "the mask first.")
                      .arg(QFileInfo(in.earlier.path).fileName());
        return f;
    }
    const QImage currentImage = asRgb888(in.currentImage);
    const QImage currentMask = asGrey8(in.currentMask);
    const QImage earlierMask = asGrey8(in.earlier.savedMask);
    try {
        if (in.earlierPoints.empty()) {
            f.registration = registerVisits(matView(f.earlierImage), matView(currentImage));
        } else {
            std::vector<cv::Point2d> a, b;
            for (const QPointF& p : in.earlierPoints)
                a.emplace_back(p.x(), p.y());
            for (const QPointF& p : in.currentPoints)
                b.emplace_back(p.x(), p.y());
            f.registration = registrationFromPoints(a, b);
        }
        if (!f.registration.ok()) {
            f.error = FollowUpText::registrationFailure(f.registration.status);
            return f;
        }
        ChangeOptions options;
        options.areaThresholdPercent = in.areaThresholdPercent;
        f.change =
            compareVisits(f.registration, matView(earlierMask), matView(f.earlierImage),
                          matView(currentMask), matView(currentImage), in.rowMm, in.colMm, options);
        const cv::Size size(currentImage.width(), currentImage.height());
        f.earlierInCurrent = imageFromMat(
            warpImageToCurrent(matView(f.earlierImage), f.registration.transform, size));
        f.earlierMaskInCurrent =
            imageFromMat(warpMaskToCurrent(matView(earlierMask), f.registration.transform, size));
        f.gained = imageFromMat(f.change.gained);
        f.lost = imageFromMat(f.change.lost);
        f.ok = true;
    } catch (const CoreError& e) {
        f.error = errorCodeText(QString::fromLatin1(coreErrorCodeName(e.code())), f.earlierPath);
    } catch (const std::exception&) {
        f.error = errorCodeText(QStringLiteral("internal"), f.earlierPath);
    }
    return f;
}

QString FollowUpText::registrationFailure(RegistrationStatus status) {
    switch (status) {
    case RegistrationStatus::Registered:
        return {};
    case RegistrationStatus::TooFewFeatures:
    case RegistrationStatus::TooFewMatches:
    case RegistrationStatus::NoConsistentTransform:
        return tr("The two photos could not be matched automatically (too few common "
                  "features): pick three matching points on each.");
    case RegistrationStatus::ImplausibleTransform:
        return tr("The automatic match needs a zoom beyond 2x between the photos: pick three "
                  "matching points on each.");
    case RegistrationStatus::LowCorrelation:
        return tr("The automatic match is poor (the photos differ too much after aligning "
                  "them): pick three matching points on each.");
    case RegistrationStatus::DegeneratePoints:
        return tr("The points lie on one line: pick three points that form a triangle.");
    }
    return {};
}

QList<QPair<QString, QString>> FollowUpText::rows(const FollowUp& f) {
    QList<QPair<QString, QString>> out;
    if (!f.ok)
        return out;
    const QLocale locale;
    const auto num = [&locale](double v, int decimals) {
        return locale.toString(v, 'f', decimals);
    };
    const auto percent = [&](double v) {
        return std::isfinite(v)
                   ? (v >= 0 ? QStringLiteral("+") : QString()) + num(v, 1) + QStringLiteral(" %")
                   : tr("n/a");
    };
    const VisitChange& c = f.change;
    const bool mm = c.current.rowMm > 0 && c.current.colMm > 0;
    out.append({tr("Earlier visit"), QFileInfo(f.earlierPath).fileName()});
    out.append({tr("Area, earlier → now"),
                mm ? tr("%1 → %2 mm² (%3)")
                         .arg(num(c.earlier.areaMm2, 2), num(c.current.areaMm2, 2),
                              percent(c.areaChangePercent))
                   : tr("%1 → %2 px (%3)")
                         .arg(locale.toString(c.earlier.areaPx), locale.toString(c.current.areaPx),
                              percent(c.areaChangePercent))});
    out.append({tr("Greatest diameter, earlier → now"),
                mm ? tr("%1 → %2 mm (%3)")
                         .arg(num(c.earlier.maxFeretMm, 2), num(c.current.maxFeretMm, 2),
                              percent(c.maxDiameterChangePercent))
                   : tr("%1 → %2 px (%3)")
                         .arg(num(c.earlier.maxFeretPx, 1), num(c.current.maxFeretPx, 1),
                              percent(c.maxDiameterChangePercent))});
    out.append({tr("Overlap (Dice) after alignment"), num(c.dice, 3)});
    out.append({tr("Gained / lost area"),
                mm ? tr("%1 / %2 mm²").arg(num(c.gainedMm2, 2), num(c.lostMm2, 2))
                   : tr("%1 / %2 px").arg(locale.toString(c.gainedPx), locale.toString(c.lostPx))});
    out.append({tr("Colours, earlier → now"),
                tr("%1 → %2").arg(c.colourCountEarlier).arg(c.colourCountCurrent)});
    const VisitRegistration& r = f.registration;
    QString how;
    if (r.method == RegistrationMethod::Automatic)
        how = tr("automatic: %1 matching features (%2 % of matches), correlation %3")
                  .arg(r.inliers)
                  .arg(num(100 * r.inlierRatio, 0), num(r.eccCorrelation, 3));
    else
        how = tr("by hand, residual %1 px").arg(num(std::max(0.0, r.residualPx), 1));
    out.append({tr("Alignment"), how});
    out.append({tr("Scale, rotation"), tr("%1x, %2°").arg(num(r.scale, 3), num(r.rotationDeg, 1))});
    return out;
}

QString FollowUpText::verdict(const FollowUp& f) {
    if (!f.ok)
        return f.error;
    const QLocale locale;
    const double t = f.change.options.areaThresholdPercent;
    const double p = f.change.areaChangePercent;
    const QString change = std::isfinite(p) ? locale.toString(p, 'f', 1) : tr("n/a");
    return f.change.areaBeyondThreshold ? tr("Area changed by %1 %: beyond the %2 % threshold.")
                                              .arg(change, locale.toString(t, 'f', 0))
                                        : tr("Area changed by %1 %: within the %2 % threshold.")
                                              .arg(change, locale.toString(t, 'f', 0));
}

} // namespace dermsam
