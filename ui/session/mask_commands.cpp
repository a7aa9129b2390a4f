#include "ui/session/mask_commands.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dermsam {

namespace {

// Copies src (at srcRect in mask coordinates) into dst (at dstRect), the overlap only.
void blit(QImage& dst, const QRect& dstRect, const QImage& src, const QRect& srcRect) {
    const QRect r = dstRect.intersected(srcRect);
    for (int y = r.top(); y <= r.bottom(); ++y)
        std::memcpy(dst.scanLine(y - dstRect.y()) + (r.x() - dstRect.x()),
                    src.constScanLine(y - srcRect.y()) + (r.x() - srcRect.x()),
                    static_cast<std::size_t>(r.width()));
}

double distanceToSegment(double px, double py, QPointF a, QPointF b) {
    const double vx = b.x() - a.x();
    const double vy = b.y() - a.y();
    const double len2 = vx * vx + vy * vy;
    double t = len2 > 0 ? ((px - a.x()) * vx + (py - a.y()) * vy) / len2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    const double dx = px - (a.x() + t * vx);
    const double dy = py - (a.y() + t * vy);
    return std::sqrt(dx * dx + dy * dy);
}

} // namespace

QRect capsuleBounds(QPointF a, QPointF b, double radius, const QSize& size) {
    const int x0 = static_cast<int>(std::floor(std::min(a.x(), b.x()) - radius));
    const int y0 = static_cast<int>(std::floor(std::min(a.y(), b.y()) - radius));
    const int x1 = static_cast<int>(std::ceil(std::max(a.x(), b.x()) + radius));
    const int y1 = static_cast<int>(std::ceil(std::max(a.y(), b.y()) + radius));
    return QRect(QPoint(x0, y0), QPoint(x1, y1)).intersected(QRect(QPoint(0, 0), size));
}

QRect paintCapsule(QImage& mask, QPointF a, QPointF b, double radius, uchar value) {
    const QRect r = capsuleBounds(a, b, radius, mask.size());
    for (int y = r.top(); y <= r.bottom(); ++y) {
        uchar* line = mask.scanLine(y);
        for (int x = r.left(); x <= r.right(); ++x)
            if (distanceToSegment(x + 0.5, y + 0.5, a, b) <= radius)
                line[x] = value;
    }
    return r;
}

BrushStrokeCommand::BrushStrokeCommand(ImageDocument* doc, int strokeId, QPointF from, QPointF to,
                                       double radius, bool erase)
    : m_doc(doc)
    , m_strokeId(strokeId)
    , m_from(from)
    , m_to(to)
    , m_radius(std::max(0.5, radius))
    , m_erase(erase) {
    // The English source: the window translates it when shown, so that a language switch
    // also changes the texts of commands made before it.
    setText(erase ? QStringLiteral(QT_TRANSLATE_NOOP("dermsam::MaskCommands", "Erase"))
                  : QStringLiteral(QT_TRANSLATE_NOOP("dermsam::MaskCommands", "Brush")));
}

void BrushStrokeCommand::redo() {
    if (!m_applied) {
        m_rect = capsuleBounds(m_from, m_to, m_radius, m_doc->size());
        m_before = m_doc->copyMask(m_rect);
        m_after = m_before.copy();
        const QPointF off = m_rect.topLeft();
        if (!m_rect.isEmpty())
            paintCapsule(m_after, m_from - off, m_to - off, m_radius, m_erase ? 0 : 255);
        m_applied = true;
    }
    if (!m_rect.isEmpty()) {
        unpack();
        m_doc->writeMask(m_rect, m_after);
    }
    if (m_finished)
        pack();
}

void BrushStrokeCommand::undo() {
    if (!m_rect.isEmpty()) {
        unpack();
        m_doc->writeMask(m_rect, m_before);
    }
    if (m_finished)
        pack();
}

void BrushStrokeCommand::finish() {
    m_finished = true;
    pack();
}

void BrushStrokeCommand::pack() {
    if (m_before.isNull())
        return;
    m_packedBefore = PackedMask(m_before);
    m_packedAfter = PackedMask(m_after);
    m_before = QImage();
    m_after = QImage();
}

void BrushStrokeCommand::unpack() {
    if (!m_before.isNull() || m_packedBefore.isNull())
        return;
    m_before = m_packedBefore.unpack();
    m_after = m_packedAfter.unpack();
    m_packedBefore = PackedMask();
    m_packedAfter = PackedMask();
}

bool BrushStrokeCommand::mergeWith(const QUndoCommand* other) {
    if (other->id() != id())
        return false;
    const auto* o = static_cast<const BrushStrokeCommand*>(other);
    if (o->m_strokeId != m_strokeId || o->m_doc != m_doc)
        return false;
    if (o->m_rect.isEmpty())
        return true;
    // Only a stroke still being drawn merges (the next stroke gets a new id), and neither it nor
    // the new segment is packed yet; unpack() keeps merging correct should that ever change.
    unpack();
    if (m_rect.isEmpty()) {
        m_rect = o->m_rect;
        m_before = o->m_before;
        m_after = o->m_after;
        return true;
    }
    // The mask now holds the state after both segments; before = the older segment's pixels
    // where it touched, else the newer one's, else unchanged.
    const QRect u = m_rect.united(o->m_rect);
    QImage before = m_doc->copyMask(u);
    blit(before, u, o->m_before, o->m_rect);
    blit(before, u, m_before, m_rect);
    m_after = m_doc->copyMask(u);
    m_before = before;
    m_rect = u;
    return true;
}

ModelResultCommand::ModelResultCommand(ImageDocument* doc, quint64 responseId, const QImage& mask,
                                       const ModelResultInfo& info)
    : m_doc(doc)
    , m_responseId(responseId)
    , m_result(mask)
    , m_info(info) {
    setText(QStringLiteral(QT_TRANSLATE_NOOP("dermsam::MaskCommands", "Model mask")));
}

void ModelResultCommand::redo() {
    if (!m_haveBefore) {
        m_before = PackedMask(m_doc->mask());
        m_haveBefore = true;
    }
    if (!m_result.isNull()) {
        m_doc->setMask(m_result);
        m_after = PackedMask(m_result);
        m_result = QImage();
        return;
    }
    m_doc->setMask(m_after.unpack());
}

RestoredEditsCommand::RestoredEditsCommand(ImageDocument* doc, const QImage& mask)
    : m_doc(doc)
    , m_before(doc->mask())
    , m_after(mask) {
    setText(QStringLiteral(QT_TRANSLATE_NOOP("dermsam::MaskCommands", "Restored edits")));
}

void RestoredEditsCommand::redo() {
    m_doc->setMask(m_after.unpack());
}

void RestoredEditsCommand::undo() {
    m_doc->setMask(m_before.unpack());
}

void ModelResultCommand::undo() {
    m_doc->setMask(m_before.unpack());
}

bool ModelResultCommand::mergeWith(const QUndoCommand* other) {
    if (other->id() != id())
        return false;
    const auto* o = static_cast<const ModelResultCommand*>(other);
    if (o->m_responseId != m_responseId || o->m_doc != m_doc)
        return false;
    // The newer command has run (QUndoStack::push redoes before merging), so it is packed.
    m_after = o->m_result.isNull() ? o->m_after : PackedMask(o->m_result);
    m_info = o->m_info;
    return true;
}

} // namespace dermsam
