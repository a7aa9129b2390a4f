#include "ui/follow_up_view.h"

#include "ui/session/image_views.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace dermsam {

namespace {

// A mask as a translucent colour fill.
QImage fillOf(const QImage& maskIn, QColor colour) {
    if (maskIn.isNull())
        return {};
    const QImage mask = asGrey8(maskIn);
    QImage out(mask.size(), QImage::Format_ARGB32_Premultiplied);
    out.fill(Qt::transparent);
    colour.setAlpha(110);
    const QRgb c = qPremultiply(colour.rgba());
    for (int y = 0; y < mask.height(); ++y) {
        const uchar* in = mask.constScanLine(y);
        auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < mask.width(); ++x)
            if (in[x])
                line[x] = c;
    }
    return out;
}

const QColor kEarlier(255, 150, 0);
const QColor kCurrent(0, 220, 255);

} // namespace

FollowUpView::FollowUpView(QWidget* parent)
    : QWidget(parent) {
    setMinimumSize(480, 300);
    setMouseTracking(false);
    setFocusPolicy(Qt::ClickFocus);
}

void FollowUpView::setCurrent(const QImage& image, const QImage& mask) {
    m_current = image;
    m_currentMask = mask;
    m_currentOutline = maskOutlinePath(mask);
    m_fitted = true;
    fit();
    update();
}

void FollowUpView::setFollowUp(const FollowUp& followUp) {
    m_followUp = followUp;
    m_gainedFill = fillOf(followUp.gained, QColor(0, 200, 0));
    m_lostFill = fillOf(followUp.lost, QColor(230, 0, 0));
    m_earlierOutline =
        followUp.ok ? maskOutlinePath(followUp.earlierMaskInCurrent) : QPainterPath();
    update();
}

void FollowUpView::setMode(Mode mode) {
    m_mode = mode;
    fit();
    update();
}

void FollowUpView::setAmount(double amount) {
    m_amount = std::clamp(amount, 0.0, 1.0);
    update();
}

void FollowUpView::setPicking(bool picking) {
    m_picking = picking;
    fit();
    update();
}

void FollowUpView::clearPoints() {
    m_earlierPoints.clear();
    m_currentPoints.clear();
    update();
    Q_EMIT pointsChanged();
}

QRectF FollowUpView::paneRect(bool right) const {
    if (!twoPanes())
        return QRectF(rect());
    const double half = width() / 2.0;
    return right ? QRectF(half + 2, 0, half - 2, height()) : QRectF(0, 0, half - 2, height());
}

void FollowUpView::fit() {
    if (!m_fitted || m_current.isNull())
        return;
    const QRectF pane = paneRect(false);
    m_scale = std::min(pane.width() / m_current.width(), pane.height() / m_current.height());
    m_offset = QPointF((pane.width() - m_current.width() * m_scale) / 2,
                       (pane.height() - m_current.height() * m_scale) / 2);
}

QPointF FollowUpView::toWidget(QPointF p, bool rightPane) const {
    return paneRect(rightPane).topLeft() + m_offset + p * m_scale;
}

void FollowUpView::resizeEvent(QResizeEvent*) {
    fit();
}

void FollowUpView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(30, 30, 30));
    if (m_current.isNull())
        return;
    const auto drawPane = [&](bool right, const QImage& base, bool overlays) {
        const QRectF pane = paneRect(right);
        p.save();
        p.setClipRect(pane);
        p.translate(pane.topLeft() + m_offset);
        p.scale(m_scale, m_scale);
        p.setRenderHint(QPainter::SmoothPixmapTransform, m_scale < 1.0);
        p.drawImage(QPointF(0, 0), base);
        if (overlays && m_followUp.ok) {
            p.drawImage(QPointF(0, 0), m_gainedFill);
            p.drawImage(QPointF(0, 0), m_lostFill);
        }
        p.setRenderHint(QPainter::Antialiasing, true);
        QPen pen(kCurrent, 2.0);
        pen.setCosmetic(true);
        if (!m_picking || right) {
            p.setPen(pen);
            p.drawPath(m_currentOutline);
        }
        if (m_followUp.ok && !m_picking) {
            pen.setColor(kEarlier);
            p.setPen(pen);
            p.drawPath(m_earlierOutline);
        }
        p.restore();
    };
    if (m_picking) {
        drawPane(false, m_followUp.earlierImage, false);
        drawPane(true, m_current, false);
        p.setRenderHint(QPainter::Antialiasing, true);
        const auto marks = [&](const std::vector<QPointF>& pts, bool right) {
            for (std::size_t i = 0; i < pts.size(); ++i) {
                const QPointF w = toWidget(pts[i], right);
                p.setPen(QPen(Qt::black, 3));
                p.drawEllipse(w, 6, 6);
                p.setPen(QPen(Qt::yellow, 2));
                p.drawEllipse(w, 6, 6);
                p.drawText(w + QPointF(8, -8), QString::number(i + 1));
            }
        };
        marks(m_earlierPoints, false);
        marks(m_currentPoints, true);
        return;
    }
    const QImage& earlier = m_followUp.ok ? m_followUp.earlierInCurrent : QImage();
    switch (m_mode) {
    case Mode::SideBySide:
        drawPane(false, earlier.isNull() ? m_current : earlier, false);
        drawPane(true, m_current, true);
        break;
    case Mode::Blend: {
        QImage mixed = m_current.convertToFormat(QImage::Format_RGB32);
        if (!earlier.isNull()) {
            QPainter mix(&mixed);
            mix.setOpacity(m_amount);
            mix.drawImage(0, 0, earlier);
        }
        drawPane(false, mixed, true);
        break;
    }
    case Mode::Swipe: {
        QImage split = m_current.convertToFormat(QImage::Format_RGB32);
        if (!earlier.isNull()) {
            QPainter mix(&split);
            const int cut = static_cast<int>(m_amount * split.width());
            mix.drawImage(QRect(0, 0, cut, split.height()), earlier,
                          QRect(0, 0, cut, split.height()));
            mix.setPen(QPen(Qt::white, std::max(1.0, 1.5 / m_scale)));
            mix.drawLine(cut, 0, cut, split.height());
        }
        drawPane(false, split, true);
        break;
    }
    }
}

void FollowUpView::wheelEvent(QWheelEvent* event) {
    const double factor = std::pow(1.25, event->angleDelta().y() / 120.0);
    const QPointF pos = event->position();
    const bool right = twoPanes() && pos.x() > width() / 2.0;
    const QPointF local = pos - paneRect(right).topLeft();
    const QPointF image = (local - m_offset) / m_scale;
    m_scale = std::clamp(m_scale * factor, 0.02, 40.0);
    m_offset = local - image * m_scale;
    m_fitted = false;
    update();
}

void FollowUpView::mousePressEvent(QMouseEvent* event) {
    if (m_picking && event->button() == Qt::LeftButton) {
        const bool right = event->position().x() > width() / 2.0;
        const QPointF image = (event->position() - paneRect(right).topLeft() - m_offset) / m_scale;
        (right ? m_currentPoints : m_earlierPoints).push_back(image);
        update();
        Q_EMIT pointsChanged();
        return;
    }
    m_dragging = true;
    m_lastPos = event->position();
}

void FollowUpView::mouseMoveEvent(QMouseEvent* event) {
    if (!m_dragging)
        return;
    m_offset += event->position() - m_lastPos;
    m_lastPos = event->position();
    m_fitted = false;
    update();
}

void FollowUpView::mouseReleaseEvent(QMouseEvent*) {
    m_dragging = false;
}

} // namespace dermsam
