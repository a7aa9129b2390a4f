#pragma once

#include <QDialog>
#include <QIcon>
#include <QList>
#include <QString>

class QLabel;
class QListWidget;
class QPushButton;

namespace dermsam {

// Tools > Compare with Earlier Visit... while a folder is open: the earlier visit is picked from
// the worklist's other images (thumbnail, name, whether a mask is saved beside it, which the
// comparison needs) or, with Choose File..., from anywhere, as without a worklist. Keyboard: the
// list has the focus, arrows move, Enter compares, Alt+F chooses a file, Esc cancels.
class EarlierVisitChooser : public QDialog {
    Q_OBJECT
public:
    struct Item {
        QString path;
        QIcon icon;     // the worklist's thumbnail (a placeholder until it is made)
        bool maskSaved; // a mask is saved beside the image
    };
    explicit EarlierVisitChooser(const QList<Item>& items, QWidget* parent = nullptr);

    // After exec() == Accepted: the worklist item chosen, or empty when the user asked for a file
    // dialog instead (fileRequested()).
    QString chosenPath() const;
    bool fileRequested() const { return m_fileRequested; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updateButtons();

    QList<Item> m_items;
    QListWidget* m_list = nullptr;
    QLabel* m_hint = nullptr;
    QPushButton* m_compare = nullptr;
    QPushButton* m_file = nullptr;
    QPushButton* m_cancel = nullptr;
    bool m_fileRequested = false;
};

} // namespace dermsam
