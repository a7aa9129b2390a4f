#pragma once

#include "core/visit_registration.h"
#include "ui/session/image_loader.h"

#include <QCoreApplication>
#include <QImage>
#include <QList>
#include <QPair>
#include <QPointF>
#include <QString>

#include <vector>

namespace dermsam {

// One comparison of the open image (the current visit) with an earlier photo of the lesion and
// the mask saved with it (Tools > Compare with Earlier Visit...): the registration, the earlier
// picture and mask brought into the current frame, and the change.
struct FollowUp {
    QString earlierPath;
    bool ok = false;
    QString error; // one line, when !ok (the registration's or the files')
    VisitRegistration registration;
    VisitChange change;
    QImage earlierImage;         // the earlier photo as opened (RGB888): to pick points on
    QImage earlierInCurrent;     // RGB888, the current image's size
    QImage earlierMaskInCurrent; // Grayscale8 0/255
    QImage gained, lost;         // Grayscale8 0/255: current mask only / earlier mask only
};

struct FollowUpInput {
    LoadedImage earlier; // with its saved mask (openImageFile)
    QImage currentImage;
    QImage currentMask;
    double rowMm = 0, colMm = 0;
    double areaThresholdPercent = 20.0;
    // Manual registration: matching points (earlier photo, current photo), three or more;
    // empty = automatic.
    std::vector<QPointF> earlierPoints, currentPoints;
};

// Any thread; never throws.
FollowUp computeFollowUp(const FollowUpInput& input);

// The comparison in words, for the dialog and the report.
class FollowUpText {
    Q_DECLARE_TR_FUNCTIONS(dermsam::FollowUpText)
public:
    static QList<QPair<QString, QString>> rows(const FollowUp& f);
    // "Area changed by +31 %: beyond the 20 % threshold." or the reverse.
    static QString verdict(const FollowUp& f);
    static QString registrationFailure(RegistrationStatus status);
};

} // namespace dermsam
