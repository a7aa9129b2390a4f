#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace dermsam {

class FollowUpView;
class ViewerSession;

// Tools > Compare with Earlier Visit: the comparison of the open image with an earlier photo of
// the lesion, its figures and whether the change passes the threshold; a manual alignment by
// three matching points when the automatic one fails. Not modal: the viewer stays usable.
class FollowUpDialog : public QDialog {
    Q_OBJECT
public:
    explicit FollowUpDialog(ViewerSession* session, QWidget* parent = nullptr);

    FollowUpView* view() const { return m_view; }
    // Shows "Comparing..." until the session's result arrives.
    void comparisonStarted();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void showResult();
    void updatePickButtons();

    ViewerSession* m_session;
    FollowUpView* m_view = nullptr;
    QComboBox* m_mode = nullptr;
    QSlider* m_amount = nullptr;
    QPushButton* m_pick = nullptr;
    QPushButton* m_align = nullptr;
    QPushButton* m_clear = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_figures = nullptr;
    QLabel* m_verdict = nullptr;
    QLabel* m_legend = nullptr;
};

} // namespace dermsam
