#pragma once

#include "ui/session/follow_up.h"

#include <QPainterPath>
#include <QWidget>

#include <vector>

namespace dermsam {

// Shows a follow-up comparison: the earlier and the current visit side by side with one zoom and
// pan for both, blended, or split by a swipe line; both outlines (earlier orange, current cyan)
// and the gained (green) and lost (red) regions. In picking mode the earlier photo is shown as
// taken, and clicks collect matching points: on the left the earlier photo's, on the right the
// current one's.
class FollowUpView : public QWidget {
    Q_OBJECT
public:
    enum class Mode { SideBySide, Blend, Swipe };
    explicit FollowUpView(QWidget* parent = nullptr);

    void setCurrent(const QImage& image, const QImage& mask);
    void setFollowUp(const FollowUp& followUp);
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    // Blend: the earlier photo's weight; swipe: where the line is. 0..1.
    void setAmount(double amount);
    void setPicking(bool picking);
    bool picking() const { return m_picking; }
    const std::vector<QPointF>& earlierPoints() const { return m_earlierPoints; }
    const std::vector<QPointF>& currentPoints() const { return m_currentPoints; }
    void clearPoints();
    // Widget position of an image point in the left (earlier) or right (current) pane.
    QPointF toWidget(QPointF imagePoint, bool rightPane) const;

Q_SIGNALS:
    void pointsChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QRectF paneRect(bool right) const;
    bool twoPanes() const { return m_mode == Mode::SideBySide || m_picking; }
    void fit();

    QImage m_current, m_currentMask;
    FollowUp m_followUp;
    QImage m_gainedFill, m_lostFill;
    QPainterPath m_currentOutline, m_earlierOutline;
    Mode m_mode = Mode::SideBySide;
    double m_amount = 0.5;
    bool m_picking = false;
    std::vector<QPointF> m_earlierPoints, m_currentPoints;
    // One view transform for both panes (linked zoom and pan): pane origin + offset + p * scale.
    double m_scale = 1.0;
    QPointF m_offset;
    bool m_fitted = true;
    bool m_dragging = false;
    QPointF m_lastPos;
};

} // namespace dermsam
