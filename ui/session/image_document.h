#pragma once

#include "model/prompts.h"

#include <QImage>
#include <QLineF>
#include <QObject>
#include <QString>
#include <QUndoStack>

namespace dermsam {

class ModelResultCommand;

// What the last model result applied to a mask carried (for the sidecar).
struct ModelResultInfo {
    bool valid = false;
    Prompts prompts;
    float iou = 0.0f;
    bool refined = false;
    DecoderHead head = DecoderHead::Main; // the decoder that made it (Auto: the Auto decoder)
    int candidate = 0;                    // which of its response's candidate masks was picked
    QString modelSha256;
    QString modelName;
    QString profile;
};

// One open image: pixels, its editable mask (Grayscale8, 0/255, image size), the prompts and a
// per-image undo stack. Edits go through undo commands (mask_commands.h).
class ImageDocument : public QObject {
    Q_OBJECT
public:
    ImageDocument(quint64 id, const QString& path, const QImage& rgb, QObject* parent = nullptr);

    quint64 id() const { return m_id; }
    const QString& path() const { return m_path; }
    const QImage& image() const { return m_image; }
    const QImage& mask() const { return m_mask; }
    QSize size() const { return m_image.size(); }
    QUndoStack* undoStack() { return &m_undo; }
    bool isModified() const { return !m_undo.isClean(); }

    // Physical pixel size in mm (0 = unknown); a calibration overrides the file's spacing.
    double spacingRowMm() const { return m_calibratedMm > 0 ? m_calibratedMm : m_spacingRowMm; }
    double spacingColMm() const { return m_calibratedMm > 0 ? m_calibratedMm : m_spacingColMm; }
    bool hasSpacing() const { return spacingRowMm() > 0 && spacingColMm() > 0; }
    void setFileSpacing(double rowMm, double colMm);
    // mmPerPixel from a line of known length drawn by the user (kept to be drawn and saved).
    void setCalibration(double mmPerPixel, const QLineF& line = {});
    bool isCalibrated() const { return m_calibratedMm > 0; }
    double calibrationMmPerPixel() const { return m_calibratedMm; }
    const QLineF& calibrationLine() const { return m_calibrationLine; }
    // "calibration", "dicom" or "none": where spacingRowMm()/spacingColMm() come from.
    QString spacingSource() const;

    // The mask saved earlier and what its sidecar said, as the document's starting state: not
    // an undo step (the document opens unmodified), and what a re-save writes unless a model
    // result or a brush stroke replaces it.
    void setSavedMask(const QImage& mask, const ModelResultInfo& info, bool edited);

    // A DICOM source also gets its mask as a DICOM SEG (DESIGN.md, Data formats).
    void setDicom(bool dicom) { m_dicom = dicom; }
    bool isDicom() const { return m_dicom; }

    const Prompts& prompts() const { return m_prompts; }
    void setPrompts(const Prompts& prompts);

    // The model result in effect and whether brush edits followed it (walks the undo stack).
    ModelResultInfo currentModelResult() const;
    // The response id of the model result that the undo history has in effect; 0 when none
    // (a mask read from disk, or undone back past every result).
    quint64 currentModelResultId() const;
    bool editedSinceModel() const;

    // For undo commands: writes pixels (Grayscale8) at rect's top-left, or the whole mask.
    void writeMask(const QRect& rect, const QImage& pixels);
    void setMask(const QImage& mask);
    QImage copyMask(const QRect& rect) const { return m_mask.copy(rect); }

Q_SIGNALS:
    void maskChanged(const QRect& rect);
    void promptsChanged();
    void calibrationChanged();

private:
    // The last model result the undo history has applied, or none.
    const ModelResultCommand* modelResultInEffect() const;

    quint64 m_id;
    QString m_path;
    QImage m_image;
    QImage m_mask;
    QUndoStack m_undo;
    Prompts m_prompts;
    double m_spacingRowMm = 0;
    double m_spacingColMm = 0;
    double m_calibratedMm = 0;
    QLineF m_calibrationLine;
    ModelResultInfo m_savedInfo;
    bool m_savedEdited = false;
    bool m_dicom = false;
};

} // namespace dermsam
