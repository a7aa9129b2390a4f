#include "ui/image_canvas.h"

#include "ui/session/image_document.h"
#include "ui/session/mask_commands.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace dermsam {

namespace {
constexpr double kMinScale = 0.02;
constexpr double kMaxScale = 64.0;

// One row of the overlay: the colour where the mask is set. Without branches and with the rows
// known not to overlap the loop is vectorised: 7 ms for a 6000 x 4000 mask instead of 76-120
// (dermsam-viewer-bench and the old loop timed alike on the 2-core development machine), on the
// GUI thread after every model result.
void fillRow(const uchar* __restrict mask, QRgb* __restrict out, int n, QRgb colour) {
    for (int x = 0; x < n; ++x)
        out[x] = colour & (0u - static_cast<quint32>(mask[x] != 0));
}
} // namespace

ImageCanvas::ImageCanvas(QWidget* parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
}

void ImageCanvas::setDocument(ImageDocument* doc) {
    if (m_doc)
        disconnect(m_doc, nullptr, this, nullptr);
    m_doc = doc;
    m_fill = QImage();
    m_outline.clear();
    m_outlineStale = true;
    m_heat = QImage();
    m_heatColour = QImage();
    m_diameter = QLineF();
    m_dragging = false;
    if (m_doc) {
        connect(m_doc, &ImageDocument::maskChanged, this, &ImageCanvas::onMaskChanged);
        connect(m_doc, &ImageDocument::promptsChanged, this, qOverload<>(&QWidget::update));
        connect(m_doc, &ImageDocument::calibrationChanged, this, qOverload<>(&QWidget::update));
        connect(m_doc, &QObject::destroyed, this, [this] { setDocument(nullptr); });
        rebuildOverlay(QRect(QPoint(0, 0), m_doc->size()));
        zoomToFit();
    }
    update();
}

void ImageCanvas::setTool(CanvasTool tool) {
    m_tool = tool;
    m_dragging = false;
    switch (tool) {
    case CanvasTool::Pan:
        setCursor(Qt::OpenHandCursor);
        break;
    case CanvasTool::Brush:
    case CanvasTool::Eraser:
        setCursor(Qt::BlankCursor);
        break;
    default:
        setCursor(Qt::CrossCursor);
        break;
    }
    update();
}

void ImageCanvas::setOverlayVisible(bool visible) {
    m_overlayVisible = visible;
    update();
}

void ImageCanvas::setHeatmap(const QImage& heat) {
    m_heat = heat;
    m_heatColour = colorizeHeatmap(m_heat, m_heatMap, m_heatOpacity);
    update();
}

void ImageCanvas::setDiameterLine(const QLineF& line, const QString& label) {
    m_diameter = line;
    m_diameterLabel = label;
    update();
}

void ImageCanvas::setHeatmapVisible(bool visible) {
    m_heatVisible = visible;
    update();
}

void ImageCanvas::setHeatmapOpacity(double opacity) {
    m_heatOpacity = qBound(0.0, opacity, 1.0);
    m_heatColour = colorizeHeatmap(m_heat, m_heatMap, m_heatOpacity);
    update();
}

void ImageCanvas::setHeatmapColorMap(ColorMap map) {
    m_heatMap = map;
    m_heatColour = colorizeHeatmap(m_heat, m_heatMap, m_heatOpacity);
    update();
}

void ImageCanvas::setOverlayColor(const QColor& color) {
    m_color = color;
    if (m_doc)
        rebuildOverlay(QRect(QPoint(0, 0), m_doc->size()));
    update();
}

void ImageCanvas::setOverlayOpacity(double opacity) {
    m_opacity = std::clamp(opacity, 0.0, 1.0);
    update();
}

void ImageCanvas::setContourVisible(bool visible) {
    m_contour = visible;
    update();
}

void ImageCanvas::zoomToFit() {
    m_fitted = true;
    if (!m_doc || m_doc->size().isEmpty()) {
        update();
        return;
    }
    const QSizeF s = m_doc->size();
    const double sc = std::min(width() / s.width(), height() / s.height());
    m_scale = std::clamp(sc, kMinScale, kMaxScale);
    m_offset =
        QPointF((width() - s.width() * m_scale) / 2.0, (height() - s.height() * m_scale) / 2.0);
    Q_EMIT zoomChanged(m_scale);
    update();
}

void ImageCanvas::zoomActualPixels() {
    // One image pixel per device pixel (high-DPI screens have several device pixels per unit).
    zoomAround(QPointF(width() / 2.0, height() / 2.0), 1.0 / devicePixelRatioF());
}

void ImageCanvas::zoomBy(double factor) {
    zoomAround(QPointF(width() / 2.0, height() / 2.0), m_scale * factor);
}

void ImageCanvas::zoomAround(QPointF widgetPos, double newScale) {
    newScale = std::clamp(newScale, kMinScale, kMaxScale);
    const QPointF imagePos = widgetToImage(widgetPos);
    m_scale = newScale;
    m_offset = widgetPos - imagePos * m_scale;
    m_fitted = false;
    Q_EMIT zoomChanged(m_scale);
    update();
}

void ImageCanvas::clearPrompts() {
    if (!m_doc)
        return;
    m_dragging = false;
    if (!m_doc->prompts().empty()) {
        m_doc->setPrompts(Prompts{});
        Q_EMIT promptsEdited();
    }
    update();
}

void ImageCanvas::onMaskChanged(const QRect& rect) {
    rebuildOverlay(rect);
    // The outline runs through the centres of boundary pixels, which an edit can make of the
    // pixels just outside it; the pen reaches about 1.5 screen pixels beyond the line.
    const QRect touched = rect.adjusted(-1, -1, 1, 1);
    const QRectF wr(imageToWidget(touched.topLeft()),
                    imageToWidget(touched.bottomRight() + QPoint(1, 1)));
    update(wr.toAlignedRect().adjusted(-3, -3, 3, 3));
}

void ImageCanvas::rebuildOverlay(const QRect& rectIn) {
    if (!m_doc)
        return;
    m_outlineStale = true;
    const QImage& mask = m_doc->mask();
    if (m_fill.size() != mask.size()) {
        m_fill = QImage(mask.size(), QImage::Format_ARGB32_Premultiplied);
        m_fill.fill(Qt::transparent);
    }
    const QRect r = rectIn.intersected(mask.rect());
    const QRgb fill = qPremultiply(qRgba(m_color.red(), m_color.green(), m_color.blue(), 255));
    for (int y = r.top(); y <= r.bottom(); ++y) {
        fillRow(mask.constScanLine(y) + r.left(),
                reinterpret_cast<QRgb*>(m_fill.scanLine(y)) + r.left(), r.width(), fill);
    }
}

void ImageCanvas::setEmptyHintVisible(bool visible) {
    m_emptyHint = visible;
    update();
}

void ImageCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(40, 40, 40));
    if (!m_doc) {
        if (m_emptyHint) {
            p.setPen(QColor(200, 200, 200));
            p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                       tr("Open an image or a folder (File > Open), or drop one here."));
        }
        return;
    }
    p.save();
    p.translate(m_offset);
    p.scale(m_scale, m_scale);
    p.setRenderHint(QPainter::SmoothPixmapTransform, m_scale < 1.0);
    p.drawImage(QPointF(0, 0), m_doc->image());
    if (m_heatVisible && !m_heatColour.isNull()) {
        // Stretched over the image: a large photo's heatmap comes at a smaller size.
        p.setRenderHint(QPainter::SmoothPixmapTransform, true);
        p.drawImage(QRectF(QPointF(0, 0), QSizeF(m_doc->size())), m_heatColour);
        p.setRenderHint(QPainter::SmoothPixmapTransform, m_scale < 1.0);
    }
    if (m_overlayVisible && !m_fill.isNull()) {
        p.setOpacity(m_opacity);
        p.drawImage(QPointF(0, 0), m_fill);
        p.setOpacity(1.0);
        if (m_contour) {
            // Made here, not per edit: a brush drag changes the mask many times per frame.
            if (m_outlineStale) {
                m_outline.trace(m_doc->mask());
                m_outlineStale = false;
            }
            QPen edge(m_color.lighter(150), 1.5);
            edge.setCosmetic(true);
            edge.setJoinStyle(Qt::RoundJoin);
            p.setRenderHint(QPainter::Antialiasing, true);
            p.setPen(edge);
            p.setBrush(Qt::NoBrush);
            // Zoomed out, the outline needs no finer detail than half a screen pixel; zoomed
            // in, only its edges on screen (plus the pen's reach) are drawn.
            const double reach = 3.0 / m_scale;
            const QRectF visible =
                QRectF(widgetToImage(QPointF(0, 0)), widgetToImage(QPointF(width(), height())))
                    .normalized()
                    .adjusted(-reach, -reach, reach, reach);
            p.drawPath(m_outline.path(m_scale < 1.0 ? 0.5 / m_scale : 0.0, visible));
        }
    }
    p.restore();

    p.setRenderHint(QPainter::Antialiasing, true);
    const Prompts& prompts = m_doc->prompts();
    QPen boxPen(QColor(255, 220, 0), 2);
    boxPen.setCosmetic(true);
    p.setPen(boxPen);
    p.setBrush(Qt::NoBrush);
    for (const BoxPrompt& b : prompts.boxes)
        p.drawRect(QRectF(imageToWidget({b.x0, b.y0}), imageToWidget({b.x1, b.y1})));
    for (const PointPrompt& pt : prompts.points) {
        p.setPen(QPen(Qt::white, 1.5));
        p.setBrush(pt.label ? QColor(0, 200, 0) : QColor(220, 0, 0));
        p.drawEllipse(imageToWidget({pt.x, pt.y}), 5, 5);
    }
    p.setBrush(Qt::NoBrush);
    if (m_dragging && m_tool == CanvasTool::Box) {
        QPen rubber(QColor(255, 220, 0), 1, Qt::DashLine);
        p.setPen(rubber);
        p.drawRect(QRectF(imageToWidget(m_pressImage), imageToWidget(m_lastImage)).normalized());
    }
    if (m_dragging && m_tool == CanvasTool::Calibrate) {
        p.setPen(QPen(QColor(255, 120, 0), 2));
        p.drawLine(imageToWidget(m_pressImage), imageToWidget(m_lastImage));
    } else if (m_doc->isCalibrated() && !m_doc->calibrationLine().isNull()) {
        // The line the pixel size came from stays visible, with its length, so a wrong
        // calibration can be seen and redone.
        const QLineF line = m_doc->calibrationLine();
        const QPointF a = imageToWidget(line.p1()), b = imageToWidget(line.p2());
        p.setPen(QPen(QColor(255, 120, 0), 2));
        p.drawLine(a, b);
        p.drawEllipse(a, 3, 3);
        p.drawEllipse(b, 3, 3);
        const double mm = line.length() * m_doc->calibrationMmPerPixel();
        p.drawText((a + b) / 2 + QPointF(6, -6), tr("%1 mm").arg(mm, 0, 'f', 2));
    }
    if (m_overlayVisible && !m_diameter.isNull()) {
        // Pixel centres to widget: the centre of pixel (x, y) is at (x + 0.5, y + 0.5).
        const QPointF half(0.5, 0.5);
        const QPointF a = imageToWidget(m_diameter.p1() + half);
        const QPointF b = imageToWidget(m_diameter.p2() + half);
        QPen pen(QColor(255, 255, 255), 1.5, Qt::DashLine);
        pen.setCosmetic(true);
        p.setPen(pen);
        p.drawLine(a, b);
        p.setBrush(Qt::white);
        p.drawEllipse(a, 3, 3);
        p.drawEllipse(b, 3, 3);
        p.setBrush(Qt::NoBrush);
        if (!m_diameterLabel.isEmpty())
            p.drawText(b + QPointF(6, 4), m_diameterLabel);
    }
    if ((m_tool == CanvasTool::Brush || m_tool == CanvasTool::Eraser) && m_cursorInside) {
        p.setPen(QPen(m_tool == CanvasTool::Brush ? Qt::white : QColor(255, 100, 100), 1));
        p.drawEllipse(imageToWidget(m_cursorImage), m_brushRadius * m_scale,
                      m_brushRadius * m_scale);
    }
}

void ImageCanvas::resizeEvent(QResizeEvent*) {
    if (m_fitted)
        zoomToFit();
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0.0)
        return;
    zoomAround(event->position(), m_scale * std::pow(1.25, steps));
    event->accept();
}

bool ImageCanvas::panning() const {
    return m_dragPan;
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    setFocus(Qt::MouseFocusReason);
    const QPointF img = widgetToImage(event->position());
    m_lastWidget = event->position();
    if (event->button() == Qt::MiddleButton ||
        (event->button() == Qt::LeftButton && (m_spaceDown || m_tool == CanvasTool::Pan))) {
        m_dragPan = true;
        setCursor(Qt::ClosedHandCursor);
        return;
    }
    if (!m_doc)
        return;
    const QRectF bounds(QPointF(0, 0), QSizeF(m_doc->size()));
    switch (m_tool) {
    case CanvasTool::Box:
    case CanvasTool::Calibrate:
        if (event->button() == Qt::LeftButton) {
            m_dragging = true;
            m_pressImage = m_lastImage = img;
        }
        break;
    case CanvasTool::Point: {
        if (!bounds.contains(img))
            break;
        const bool background =
            event->button() == Qt::RightButton || (event->modifiers() & Qt::ShiftModifier);
        if (event->button() != Qt::LeftButton && event->button() != Qt::RightButton)
            break;
        Prompts p = m_doc->prompts();
        p.points.push_back(PointPrompt{float(img.x()), float(img.y()), background ? 0 : 1});
        m_doc->setPrompts(p);
        Q_EMIT promptsEdited();
        break;
    }
    case CanvasTool::Brush:
    case CanvasTool::Eraser:
        if (event->button() == Qt::LeftButton || event->button() == Qt::RightButton) {
            m_dragging = true;
            ++m_strokeId;
            m_lastImage = img;
            const bool erase =
                (m_tool == CanvasTool::Eraser) != (event->button() == Qt::RightButton);
            m_pressImage = QPointF(erase ? 1 : 0, 0); // remembers the stroke's mode
            m_doc->undoStack()->push(
                new BrushStrokeCommand(m_doc, m_strokeId, img, img, m_brushRadius, erase));
        }
        break;
    case CanvasTool::Pan:
        break;
    }
    update();
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    const QPointF img = widgetToImage(event->position());
    if (m_dragPan) {
        m_offset += event->position() - m_lastWidget;
        m_lastWidget = event->position();
        m_fitted = false;
        update();
        return;
    }
    m_lastWidget = event->position();
    m_cursorImage = img;
    const bool inside = m_doc && QRectF(QPointF(0, 0), QSizeF(m_doc->size())).contains(img);
    m_cursorInside = inside;
    Q_EMIT cursorMoved(QPoint(int(std::floor(img.x())), int(std::floor(img.y()))), inside);
    if (m_dragging && m_doc) {
        if (m_tool == CanvasTool::Brush || m_tool == CanvasTool::Eraser) {
            const bool erase = m_pressImage.x() > 0;
            m_doc->undoStack()->push(
                new BrushStrokeCommand(m_doc, m_strokeId, m_lastImage, img, m_brushRadius, erase));
        }
        m_lastImage = img;
    }
    update();
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (m_dragPan) {
        m_dragPan = false;
        setTool(m_tool);
        return;
    }
    if (!m_dragging || !m_doc)
        return;
    m_dragging = false;
    const QPointF img = widgetToImage(event->position());
    if (m_tool == CanvasTool::Box) {
        const QSizeF s = m_doc->size();
        const double x0 = std::clamp(std::min(m_pressImage.x(), img.x()), 0.0, s.width());
        const double x1 = std::clamp(std::max(m_pressImage.x(), img.x()), 0.0, s.width());
        const double y0 = std::clamp(std::min(m_pressImage.y(), img.y()), 0.0, s.height());
        const double y1 = std::clamp(std::max(m_pressImage.y(), img.y()), 0.0, s.height());
        if (x1 - x0 >= 2 && y1 - y0 >= 2) {
            Prompts p = m_doc->prompts();
            p.boxes = {BoxPrompt{float(x0), float(y0), float(x1), float(y1)}};
            m_doc->setPrompts(p);
            Q_EMIT promptsEdited();
        }
    } else if (m_tool == CanvasTool::Calibrate) {
        const QLineF line(m_pressImage, img);
        if (line.length() >= 2)
            Q_EMIT calibrationLineDrawn(line);
    } else if (m_tool == CanvasTool::Brush || m_tool == CanvasTool::Eraser) {
        // The stroke's segments merged into one command, the last one done unless the stroke
        // was undone during the drag. The stack owns it as a non-const object; it only hands
        // out const pointers.
        const QUndoStack* stack = m_doc->undoStack();
        const auto* last =
            stack->index() > 0
                ? dynamic_cast<const BrushStrokeCommand*>(stack->command(stack->index() - 1))
                : nullptr;
        if (last && last->strokeId() == m_strokeId)
            const_cast<BrushStrokeCommand*>(last)->finish();
    }
    update();
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceDown = true;
        setCursor(Qt::OpenHandCursor);
        return;
    }
    if (event->key() == Qt::Key_Escape) {
        clearPrompts();
        return;
    }
    QWidget::keyPressEvent(event);
}

void ImageCanvas::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceDown = false;
        setTool(m_tool);
        return;
    }
    QWidget::keyReleaseEvent(event);
}

void ImageCanvas::leaveEvent(QEvent*) {
    m_cursorInside = false;
    Q_EMIT cursorMoved(QPoint(), false);
    update();
}

} // namespace dermsam
