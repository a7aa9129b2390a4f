#include "ui/session/image_document.h"

#include "ui/session/mask_commands.h"

#include <cstring>

namespace dermsam {

ImageDocument::ImageDocument(quint64 id, const QString& path, const QImage& rgb, QObject* parent)
    : QObject(parent)
    , m_id(id)
    , m_path(path)
    , m_image(rgb)
    , m_mask(rgb.size(), QImage::Format_Grayscale8) {
    m_mask.fill(0);
}

void ImageDocument::setFileSpacing(double rowMm, double colMm) {
    m_spacingRowMm = rowMm;
    m_spacingColMm = colMm;
}

void ImageDocument::setCalibration(double mmPerPixel, const QLineF& line) {
    m_calibratedMm = mmPerPixel;
    m_calibrationLine = line;
    Q_EMIT calibrationChanged();
}

QString ImageDocument::spacingSource() const {
    if (m_calibratedMm > 0)
        return QStringLiteral("calibration");
    if (m_spacingRowMm > 0 && m_spacingColMm > 0)
        return QStringLiteral("dicom");
    return QStringLiteral("none");
}

void ImageDocument::setSavedMask(const QImage& mask, const ModelResultInfo& info, bool edited) {
    if (mask.size() != m_image.size())
        return;
    m_savedInfo = info;
    m_savedEdited = edited;
    setMask(mask);
}

void ImageDocument::setPrompts(const Prompts& prompts) {
    m_prompts = prompts;
    Q_EMIT promptsChanged();
}

const ModelResultCommand* ImageDocument::modelResultInEffect() const {
    for (int i = m_undo.index() - 1; i >= 0; --i) {
        const QUndoCommand* c = m_undo.command(i);
        if (c->id() == static_cast<int>(MaskCommandId::ModelResult))
            return static_cast<const ModelResultCommand*>(c);
    }
    return nullptr;
}

ModelResultInfo ImageDocument::currentModelResult() const {
    const ModelResultCommand* c = modelResultInEffect();
    return c ? c->info() : m_savedInfo;
}

quint64 ImageDocument::currentModelResultId() const {
    const ModelResultCommand* c = modelResultInEffect();
    return c ? c->responseId() : 0;
}

bool ImageDocument::editedSinceModel() const {
    for (int i = m_undo.index() - 1; i >= 0; --i) {
        const int id = m_undo.command(i)->id();
        if (id == static_cast<int>(MaskCommandId::ModelResult))
            return false;
        if (id == static_cast<int>(MaskCommandId::BrushStroke) ||
            id == static_cast<int>(MaskCommandId::RestoredEdits))
            return true;
    }
    return m_savedEdited;
}

void ImageDocument::writeMask(const QRect& rect, const QImage& pixels) {
    const QRect r = rect.intersected(m_mask.rect());
    if (r.isEmpty())
        return;
    const int dx = r.x() - rect.x();
    const int dy = r.y() - rect.y();
    for (int y = 0; y < r.height(); ++y)
        std::memcpy(m_mask.scanLine(r.y() + y) + r.x(), pixels.constScanLine(dy + y) + dx,
                    static_cast<std::size_t>(r.width()));
    Q_EMIT maskChanged(r);
}

void ImageDocument::setMask(const QImage& mask) {
    if (mask.size() != m_image.size())
        return;
    m_mask = mask.format() == QImage::Format_Grayscale8
                 ? mask
                 : mask.convertToFormat(QImage::Format_Grayscale8);
    Q_EMIT maskChanged(m_mask.rect());
}

} // namespace dermsam
