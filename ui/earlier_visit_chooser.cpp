#include "ui/earlier_visit_chooser.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace dermsam {

namespace {
constexpr int kPathRole = Qt::UserRole;
} // namespace

EarlierVisitChooser::EarlierVisitChooser(const QList<Item>& items, QWidget* parent)
    : QDialog(parent)
    , m_items(items) {
    setObjectName(QStringLiteral("earlierVisitChooser"));
    m_hint = new QLabel(this);
    m_hint->setWordWrap(true);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("earlierVisitList"));
    m_list->setIconSize(QSize(64, 64));
    m_list->setUniformItemSizes(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_hint->setBuddy(m_list);
    int first = -1;
    for (const Item& it : m_items) {
        auto* row = new QListWidgetItem(it.icon, QString(), m_list);
        row->setData(kPathRole, it.path);
        if (first < 0 && it.maskSaved)
            first = m_list->count() - 1;
    }
    m_list->setCurrentRow(first >= 0 ? first : 0);

    auto* buttons = new QDialogButtonBox(this);
    m_compare = buttons->addButton(QString(), QDialogButtonBox::AcceptRole);
    m_compare->setObjectName(QStringLiteral("compareWithItem"));
    m_file = buttons->addButton(QString(), QDialogButtonBox::ActionRole);
    m_file->setObjectName(QStringLiteral("chooseEarlierFile"));
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_compare->setDefault(true);
    m_file->setAutoDefault(false);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_hint);
    layout->addWidget(m_list, 1);
    layout->addWidget(buttons);
    resize(420, 420);

    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!chosenPath().isEmpty())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_file, &QPushButton::clicked, this, [this] {
        m_fileRequested = true;
        accept();
    });
    // Enter reaches the default button (Compare); a double click compares at once.
    connect(m_list, &QListWidget::itemDoubleClicked, this, [this] {
        if (!chosenPath().isEmpty())
            accept();
    });
    connect(m_list, &QListWidget::currentRowChanged, this, &EarlierVisitChooser::updateButtons);
    retranslate();
    m_list->setFocus();
}

QString EarlierVisitChooser::chosenPath() const {
    if (m_fileRequested)
        return {};
    const int row = m_list->currentRow();
    if (row < 0 || row >= m_items.size() || !m_items.at(row).maskSaved)
        return {};
    return m_items.at(row).path;
}

void EarlierVisitChooser::updateButtons() {
    m_compare->setEnabled(!chosenPath().isEmpty());
}

void EarlierVisitChooser::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QDialog::changeEvent(event);
}

void EarlierVisitChooser::retranslate() {
    setWindowTitle(tr("Compare with earlier visit"));
    m_hint->setText(tr("&Earlier photo of this lesion, from the worklist (its saved mask is "
                       "compared), or choose a file:"));
    m_compare->setText(tr("&Compare"));
    m_file->setText(tr("Choose &File..."));
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* row = m_list->item(i);
        const Item& it = m_items.at(i);
        const QString state = it.maskSaved ? tr("mask saved") : tr("no mask saved: cannot compare");
        row->setText(QFileInfo(it.path).fileName() + QLatin1Char('\n') + state);
        row->setToolTip(it.path);
        // The saved-mask state is read out too, not only drawn.
        row->setData(Qt::AccessibleTextRole,
                     QFileInfo(it.path).fileName() + QStringLiteral(", ") + state);
        row->setForeground(
            it.maskSaved ? QBrush() : QBrush(palette().color(QPalette::Disabled, QPalette::Text)));
    }
    updateButtons();
}

} // namespace dermsam
