#include "ui/live_label.h"

#include <QEvent>

namespace dermsam {

LiveLabel::LiveLabel(QWidget* parent)
    : QLabel(parent) {}

void LiveLabel::setTextFunction(std::function<QString()> text) {
    m_text = std::move(text);
    setText(m_text ? m_text() : QString());
}

void LiveLabel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange && m_text)
        setText(m_text());
    QLabel::changeEvent(event);
}

} // namespace dermsam
