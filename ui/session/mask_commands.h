#pragma once

#include "ui/session/image_document.h"
#include "ui/session/packed_mask.h"

#include <QImage>
#include <QPoint>
#include <QRect>
#include <QUndoCommand>

namespace dermsam {

enum class MaskCommandId { BrushStroke = 1, ModelResult = 2, RestoredEdits = 3 };

// One segment of a brush or eraser stroke. Segments of the same stroke merge, so a stroke is
// one undo step; each keeps only the pixels of its bounding rectangle before and after.
class BrushStrokeCommand : public QUndoCommand {
public:
    BrushStrokeCommand(ImageDocument* doc, int strokeId, QPointF from, QPointF to, double radius,
                       bool erase);

    void redo() override;
    void undo() override;
    int id() const override { return static_cast<int>(MaskCommandId::BrushStroke); }
    bool mergeWith(const QUndoCommand* other) override;

    int strokeId() const { return m_strokeId; }
    bool erases() const { return m_erase; }

    // The stroke is over (the canvas calls this on mouse release): its pixels are packed
    // (PackedMask) from now on. A stroke around a large lesion covers most of a 6000 x 4000
    // photo's rectangle, 2 x 24 MB as pixels. Packing at every mouse move instead cost 3 ms
    // more per move, with spikes to 48 ms.
    void finish();
    bool packed() const { return !m_packedBefore.isNull(); }

private:
    void pack();
    void unpack();
    ImageDocument* m_doc;
    int m_strokeId;
    QPointF m_from;
    QPointF m_to;
    double m_radius;
    bool m_erase;
    bool m_applied = false;
    bool m_finished = false;
    QRect m_rect;
    // The rectangle's pixels before and after the stroke: images while the stroke grows, packed
    // once it is finished (and between undo and redo calls after that).
    QImage m_before;
    QImage m_after;
    PackedMask m_packedBefore;
    PackedMask m_packedAfter;
};

// A model result replacing the whole mask: one undo step per result. Picking another candidate
// of the same result merges into it (still one step).
class ModelResultCommand : public QUndoCommand {
public:
    ModelResultCommand(ImageDocument* doc, quint64 responseId, const QImage& mask,
                       const ModelResultInfo& info);

    void redo() override;
    void undo() override;
    int id() const override { return static_cast<int>(MaskCommandId::ModelResult); }
    bool mergeWith(const QUndoCommand* other) override;

    const ModelResultInfo& info() const { return m_info; }
    quint64 responseId() const { return m_responseId; }

private:
    ImageDocument* m_doc;
    quint64 m_responseId;
    // Packed once the command has run: every model result stays in the history, and a 6000 x
    // 4000 photo's mask is 24 MB as pixels (PackedMask).
    QImage m_result; // until the first redo()
    PackedMask m_before;
    PackedMask m_after;
    ModelResultInfo m_info;
    bool m_haveBefore = false;
};

// Unsaved edits found after a crash, put back as one undoable step; they count as hand edits.
class RestoredEditsCommand : public QUndoCommand {
public:
    RestoredEditsCommand(ImageDocument* doc, const QImage& mask);

    void redo() override;
    void undo() override;
    int id() const override { return static_cast<int>(MaskCommandId::RestoredEdits); }

private:
    ImageDocument* m_doc;
    PackedMask m_before;
    PackedMask m_after;
};

// Paints a capsule (a segment of round-capped width 2r) into a Grayscale8 mask; returns the
// touched rectangle clipped to the image.
QRect paintCapsule(QImage& mask, QPointF a, QPointF b, double radius, uchar value);
QRect capsuleBounds(QPointF a, QPointF b, double radius, const QSize& size);

} // namespace dermsam
