#pragma once

#include <QLabel>

#include <functional>

namespace dermsam {

// A label whose text is made by a function, and made again when the language changes
// (QEvent::LanguageChange): texts built from state, such as "Usable pairs: 12", follow
// Edit > Settings > Language without a restart, like the fixed texts that retranslate().
class LiveLabel : public QLabel {
    Q_OBJECT
public:
    explicit LiveLabel(QWidget* parent = nullptr);

    // Shows text() now and after each language change; an empty function clears the label.
    void setTextFunction(std::function<QString()> text);
    const std::function<QString()>& textFunction() const { return m_text; }

protected:
    void changeEvent(QEvent* event) override;

private:
    std::function<QString()> m_text;
};

} // namespace dermsam
