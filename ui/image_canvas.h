#pragma once

#include "ui/colormap.h"
#include "ui/mask_outline.h"
#include "ui/session/image_document.h"

#include <QColor>
#include <QImage>
#include <QLineF>
#include <QPainterPath>
#include <QPointer>
#include <QWidget>

namespace dermsam {

class ImageDocument;

enum class CanvasTool { Box, Point, Brush, Eraser, Calibrate, Pan };

// Shows one document: image, mask overlay (fill with opacity and colour, contour), prompts.
// Zoom (wheel around the cursor, fit, 1:1 in device pixels), pan (middle button, Space+drag, or
// the pan tool). Tools edit the document's prompts or paint its mask through undo commands.
class ImageCanvas : public QWidget {
    Q_OBJECT
public:
    explicit ImageCanvas(QWidget* parent = nullptr);

    void setDocument(ImageDocument* doc);
    ImageDocument* document() const { return m_doc; }

    void setTool(CanvasTool tool);
    // The hint drawn on an empty canvas; off where a window shows its own welcome over it.
    void setEmptyHintVisible(bool visible);
    CanvasTool tool() const { return m_tool; }
    void setBrushRadius(double radius) { m_brushRadius = radius; }
    double brushRadius() const { return m_brushRadius; }

    void setOverlayVisible(bool visible);
    bool overlayVisible() const { return m_overlayVisible; }
    void setOverlayColor(const QColor& color);
    QColor overlayColor() const { return m_color; }
    void setOverlayOpacity(double opacity);
    double overlayOpacity() const { return m_opacity; }
    void setContourVisible(bool visible);
    bool contourVisible() const { return m_contour; }

    // Heatmap layer (Grayscale8 heat at the image size), drawn under the mask overlay.
    void setHeatmap(const QImage& heat);
    void clearHeatmap() { setHeatmap(QImage()); }
    const QImage& heatmap() const { return m_heat; }
    void setHeatmapVisible(bool visible);
    bool heatmapVisible() const { return m_heatVisible; }
    void setHeatmapOpacity(double opacity);
    double heatmapOpacity() const { return m_heatOpacity; }
    void setHeatmapColorMap(ColorMap map);
    ColorMap heatmapColorMap() const { return m_heatMap; }

    // The lesion's greatest diameter (image pixel centres) with its label ("12.3 mm"), drawn
    // over the mask while the overlay shows; a null line hides it.
    void setDiameterLine(const QLineF& line, const QString& label = {});
    const QLineF& diameterLine() const { return m_diameter; }

    double scale() const { return m_scale; }
    QPointF imageToWidget(QPointF p) const { return m_offset + p * m_scale; }
    QPointF widgetToImage(QPointF p) const { return (p - m_offset) / m_scale; }

public Q_SLOTS:
    void zoomToFit();
    void zoomActualPixels();
    void zoomBy(double factor);
    void clearPrompts();

Q_SIGNALS:
    // Image coordinates under the cursor; inside is false outside the image.
    void cursorMoved(QPoint imagePos, bool inside);
    // The user finished a prompt change (box released, point clicked, cleared).
    void promptsEdited();
    void calibrationLineDrawn(const QLineF& line);
    void zoomChanged(double scale);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void onMaskChanged(const QRect& rect);
    void rebuildOverlay(const QRect& rect);
    void zoomAround(QPointF widgetPos, double newScale);
    bool panning() const;

    QPointer<ImageDocument> m_doc;
    CanvasTool m_tool = CanvasTool::Box;
    double m_brushRadius = 8.0;
    bool m_overlayVisible = true;
    bool m_emptyHint = true;
    QColor m_color = QColor(0, 200, 255);
    double m_opacity = 0.4;
    bool m_contour = true;
    QImage m_fill; // ARGB32_Premultiplied, colour where the mask is set
    // The mask's boundary in image coordinates, traced again at the next paint after an edit.
    MaskOutline m_outline;
    bool m_outlineStale = true;
    QLineF m_diameter;
    QString m_diameterLabel;
    QImage m_heat; // Grayscale8 heatmap, or null
    QImage m_heatColour;
    bool m_heatVisible = false;
    double m_heatOpacity = 0.5;
    ColorMap m_heatMap = ColorMap::Turbo;
    double m_scale = 1.0;
    QPointF m_offset;
    bool m_fitted = true; // keep fitting on resize until the user zooms

    // interaction state
    bool m_spaceDown = false;
    bool m_dragPan = false;
    bool m_dragging = false;
    QPointF m_pressImage;
    QPointF m_lastImage;
    QPointF m_lastWidget;
    QPointF m_cursorImage;
    bool m_cursorInside = false;
    int m_strokeId = 0;
};

} // namespace dermsam
