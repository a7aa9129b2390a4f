#include "ui/follow_up_dialog.h"

#include "ui/follow_up_view.h"
#include "ui/session/image_document.h"
#include "ui/session/viewer_session.h"

#include <QComboBox>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QVBoxLayout>

namespace dermsam {

FollowUpDialog::FollowUpDialog(ViewerSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session) {
    setObjectName(QStringLiteral("followUpDialog"));
    setModal(false);
    m_view = new FollowUpView(this);
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("compareMode"));
    m_mode->addItems({QString(), QString(), QString()});
    m_amount = new QSlider(Qt::Horizontal, this);
    m_amount->setObjectName(QStringLiteral("compareAmount"));
    m_amount->setRange(0, 100);
    m_amount->setValue(50);
    m_amount->setMaximumWidth(200);
    m_pick = new QPushButton(this);
    m_pick->setObjectName(QStringLiteral("pickPoints"));
    m_pick->setCheckable(true);
    m_align = new QPushButton(this);
    m_align->setObjectName(QStringLiteral("alignByPoints"));
    m_clear = new QPushButton(this);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("followUpStatus"));
    m_status->setWordWrap(true);
    m_figures = new QLabel(this);
    m_figures->setObjectName(QStringLiteral("followUpFigures"));
    m_figures->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_figures->setWordWrap(true);
    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("followUpVerdict"));
    m_verdict->setWordWrap(true);
    m_legend = new QLabel(this);
    m_legend->setWordWrap(true);

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_mode);
    controls->addWidget(m_amount);
    controls->addStretch(1);
    controls->addWidget(m_pick);
    controls->addWidget(m_clear);
    controls->addWidget(m_align);
    // The figures wrap in a column of fixed width (scrolling when taller than the window), so a
    // long value or a longer translation never widens the dialog past its size or clips it, and
    // the photos keep most of the room.
    auto* sidePanel = new QWidget(this); // the scroll area adopts it below
    auto* side = new QVBoxLayout(sidePanel);
    side->setContentsMargins(0, 0, 0, 0);
    side->addWidget(m_verdict);
    side->addWidget(m_figures);
    side->addWidget(m_legend);
    side->addStretch(1);
    auto* sideScroll = new QScrollArea(this);
    sideScroll->setObjectName(QStringLiteral("followUpSidePanel"));
    sideScroll->setWidget(sidePanel);
    sideScroll->setWidgetResizable(true);
    sideScroll->setFrameShape(QFrame::NoFrame);
    sideScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    sideScroll->setFixedWidth(fontMetrics().averageCharWidth() * 46);
    auto* body = new QHBoxLayout;
    body->addWidget(m_view, 1);
    body->addWidget(sideScroll);
    auto* column = new QVBoxLayout(this);
    column->addLayout(controls);
    column->addLayout(body, 1);
    column->addWidget(m_status);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_view->setMode(static_cast<FollowUpView::Mode>(i));
        m_amount->setEnabled(i != 0);
    });
    m_amount->setEnabled(false);
    connect(m_amount, &QSlider::valueChanged, this,
            [this](int v) { m_view->setAmount(v / 100.0); });
    connect(m_pick, &QPushButton::toggled, this, [this](bool on) {
        m_view->setPicking(on);
        updatePickButtons();
    });
    connect(m_clear, &QPushButton::clicked, m_view, &FollowUpView::clearPoints);
    connect(m_view, &FollowUpView::pointsChanged, this, &FollowUpDialog::updatePickButtons);
    connect(m_align, &QPushButton::clicked, this, [this] {
        m_session->compareWithPoints(m_view->earlierPoints(), m_view->currentPoints());
        comparisonStarted();
    });
    connect(m_session, &ViewerSession::followUpReady, this, &FollowUpDialog::showResult);
    retranslate();
    updatePickButtons();
    resize(1100, 620);
}

void FollowUpDialog::comparisonStarted() {
    if (ImageDocument* doc = m_session->document())
        m_view->setCurrent(doc->image(), doc->mask());
    m_status->setText(tr("Aligning the two photos..."));
    m_figures->clear();
    m_verdict->clear();
}

void FollowUpDialog::showResult() {
    const FollowUp& f = m_session->followUp();
    m_view->setFollowUp(f);
    if (!f.ok) {
        m_status->setText(f.error);
        m_verdict->clear();
        m_figures->clear();
        // Automatic alignment failed: offer the points at once.
        if (!f.earlierImage.isNull() && !m_pick->isChecked())
            m_pick->setChecked(true);
        return;
    }
    m_pick->setChecked(false);
    m_view->clearPoints();
    setWindowTitle(tr("Compare with %1").arg(QFileInfo(f.earlierPath).fileName()));
    QString rows;
    for (const auto& [name, value] : FollowUpText::rows(f))
        rows += QStringLiteral("<tr><td>%1</td><td><b>%2</b></td></tr>")
                    .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
    m_figures->setText(QStringLiteral("<table cellspacing=3>%1</table>").arg(rows));
    m_verdict->setText(FollowUpText::verdict(f));
    m_verdict->setStyleSheet(f.change.changeBeyondThreshold
                                 ? QStringLiteral("color: #c00000; font-weight: bold;")
                                 : QStringLiteral("color: #006000; font-weight: bold;"));
    m_status->setText(tr("Aligned. Scroll to zoom and drag to pan: both sides move together."));
}

void FollowUpDialog::updatePickButtons() {
    const auto& a = m_view->earlierPoints();
    const auto& b = m_view->currentPoints();
    m_align->setEnabled(m_pick->isChecked() && a.size() >= 3 && a.size() == b.size());
    m_clear->setEnabled(m_pick->isChecked() && (!a.empty() || !b.empty()));
    m_mode->setEnabled(!m_pick->isChecked());
    if (m_pick->isChecked())
        m_status->setText(tr("Click a point on the earlier photo (left), then the same point on "
                             "the current one (right); three pairs or more. %1 / %2 points.")
                              .arg(a.size())
                              .arg(b.size()));
}

void FollowUpDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QDialog::changeEvent(event);
}

void FollowUpDialog::retranslate() {
    setWindowTitle(tr("Compare with earlier visit"));
    m_mode->setItemText(0, tr("Side by side"));
    m_mode->setItemText(1, tr("Blend"));
    m_mode->setItemText(2, tr("Swipe"));
    m_amount->setToolTip(
        tr("Blend: how much of the earlier photo shows; swipe: where the line is"));
    m_pick->setText(tr("Align by &points"));
    m_pick->setToolTip(tr("Pick three or more matching points on both photos by hand"));
    m_clear->setText(tr("Clear points"));
    m_align->setText(tr("&Align"));
    m_legend->setText(tr("<span style=\"color:#ff9600\">■</span> earlier outline "
                         "<span style=\"color:#00dcff\">■</span> current outline<br>"
                         "<span style=\"color:#00c800\">■</span> gained "
                         "<span style=\"color:#e60000\">■</span> lost"));
    if (m_session->followUp().ok)
        showResult();
}

} // namespace dermsam
