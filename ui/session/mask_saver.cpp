#include "ui/session/mask_saver.h"

#include "ui/session/document_measurements.h"
#include "ui/session/error_text.h"
#include "ui/session/image_document.h"

#include "core/core_error.h"
#include "core/dicom_seg.h"
#include "core/mask_io.h"

#include <QDir>
#include <QFileInfo>

namespace dermsam {

QString maskPathForImage(const QString& imagePath) {
    const QFileInfo fi(imagePath);
    return QString::fromStdString(maskPathFor(QFile::encodeName(fi.absolutePath()).toStdString(),
                                              fi.completeBaseName().toStdString()));
}

QString calibrationPathForImage(const QString& imagePath) {
    const QFileInfo fi(imagePath);
    return QString::fromStdString(
        calibrationPathFor(QFile::encodeName(fi.absolutePath()).toStdString(),
                           QFile::encodeName(fi.completeBaseName()).toStdString()));
}

QString dicomSegPathFor(const QString& maskPath) {
    const QFileInfo fi(maskPath);
    return fi.dir().filePath(fi.completeBaseName() + QStringLiteral(".dcm"));
}

QString saveDocumentMask(const ImageDocument& doc, const ModelInfo& model, const QString& maskPath,
                         const QString& operatorName, const LesionMeasurements* measured) {
    const QImage& mask = doc.mask();
    cv::Mat m(mask.height(), mask.width(), CV_8UC1, const_cast<uchar*>(mask.constBits()),
              static_cast<std::size_t>(mask.bytesPerLine()));
    const ModelResultInfo result = doc.currentModelResult();
    MaskSidecar sidecar;
    sidecar.sourceImage = QFileInfo(doc.path()).fileName().toStdString();
    sidecar.edited = !result.valid || doc.editedSinceModel();
    if (result.valid) {
        sidecar.prompts = result.prompts;
        sidecar.predictedIou = result.iou;
        sidecar.modelFile = result.modelName.toStdString();
        sidecar.modelHash = result.modelSha256.toStdString();
        sidecar.preprocessingProfile = result.profile.toStdString();
        sidecar.decoder = result.head;
    } else {
        sidecar.prompts = doc.prompts();
        sidecar.modelFile = model.name.toStdString();
        sidecar.modelHash = model.sha256.toStdString();
        sidecar.preprocessingProfile = model.profile.toStdString();
    }
    sidecar.operatorName = operatorName.toStdString();
    sidecar.pixelSizeSource = doc.spacingSource().toStdString();
    if (doc.hasSpacing()) {
        sidecar.pixelSizeRowMm = doc.spacingRowMm();
        sidecar.pixelSizeColMm = doc.spacingColMm();
    }
    if (doc.isCalibrated() && !doc.calibrationLine().isNull()) {
        const QLineF l = doc.calibrationLine();
        sidecar.calibrationLine = std::array<double, 4>{l.x1(), l.y1(), l.x2(), l.y2()};
    }
    sidecar.measurements = measurementList(
        measured ? *measured
                 : measureDocumentMask(mask, doc.image(), doc.spacingRowMm(), doc.spacingColMm()));
    try {
        // The SEG first: it is the write that can fail on the source's content, and each file
        // is atomic, so a failure here leaves every old file as it was.
        if (doc.isDicom())
            saveDicomSeg(QFile::encodeName(dicomSegPathFor(maskPath)).toStdString(), m.clone(),
                         QFile::encodeName(doc.path()).toStdString(), sidecar);
        saveMask(QFile::encodeName(maskPath).toStdString(), m.clone(), sidecar);
    } catch (const CoreError& e) {
        return errorCodeText(QString::fromLatin1(coreErrorCodeName(e.code())),
                             e.path().empty() ? maskPath : QString::fromStdString(e.path()));
    } catch (const std::exception&) {
        return errorCodeText(QStringLiteral("internal"), maskPath);
    }
    return {};
}

} // namespace dermsam
