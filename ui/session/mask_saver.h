#pragma once

#include "core/lesion_measurements.h"

#include "ui/session/inference_types.h"

#include <QString>

namespace dermsam {

class ImageDocument;

// Where a document's mask goes: <image folder>/<stem>_segmentation.png.
QString maskPathForImage(const QString& imagePath);

// Where a calibration of the image is kept: <image folder>/<stem>_calibration.json.
QString calibrationPathForImage(const QString& imagePath);

// The DICOM SEG beside a mask PNG: <stem>_segmentation.dcm.
QString dicomSegPathFor(const QString& maskPath);

// Saves the document's mask and sidecar atomically (core/mask_io), and for a DICOM source also
// a DICOM SEG (core/dicom_seg). Returns an empty string on success, else a translated sentence;
// the old files stay as they were on failure.
// The sidecar also records operatorName, the pixel size with its source, and the mask's
// measurements; the DICOM SEG names the operator as its content creator.
// measured: the mask's measurements when already computed (measured now when null).
QString saveDocumentMask(const ImageDocument& doc, const ModelInfo& model, const QString& maskPath,
                         const QString& operatorName = {},
                         const LesionMeasurements* measured = nullptr);

} // namespace dermsam
