#include "ui/worklist_view.h"

#include "ui/session/thumbnail_loader.h"
#include "ui/session/worklist.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>

namespace dermsam {

namespace {

constexpr int kThumbnailEdge = 64;
constexpr int kPathRole = Qt::UserRole;

QIcon placeholderIcon() {
    QPixmap pm(kThumbnailEdge, kThumbnailEdge);
    pm.fill(QColor(70, 70, 70));
    return QIcon(pm);
}

} // namespace

WorklistView::WorklistView(QWidget* parent, const QString& thumbnailCacheDir, Worklist* worklist)
    : QListWidget(parent)
    , m_list(worklist ? worklist : new Worklist(this))
    , m_thumbnails(new ThumbnailLoader(kThumbnailEdge, thumbnailCacheDir, this)) {
    setIconSize(QSize(kThumbnailEdge, kThumbnailEdge));
    setUniformItemSizes(true);
    retranslate();
    connect(this, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT imageActivated(item->data(kPathRole).toString());
    });
    // One click opens the row, so the highlighted row is always the image on screen; a click
    // that only toggled the row's tick does not.
    connect(this, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        if (item == m_toggledByClick) {
            m_toggledByClick = nullptr;
            return;
        }
        Q_EMIT imageActivated(item->data(kPathRole).toString());
    });
    connect(this, &QListWidget::itemChanged, this, &WorklistView::onItemChanged);
    connect(m_list, &Worklist::filesChanged, this, &WorklistView::rebuild);
    connect(m_list, &Worklist::marksChanged, this, &WorklistView::onMarksChanged);
    connect(m_thumbnails, &ThumbnailLoader::thumbnailReady, this, &WorklistView::onThumbnail);
    // A long list fills from the top; whatever scrolls into view jumps the queue.
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &WorklistView::prioritizeVisible);
}

WorklistView::~WorklistView() = default;

void WorklistView::setFiles(const QString& folder, const QStringList& files) {
    m_list->setFiles(folder, files);
}

const QStringList& WorklistView::files() const {
    return m_list->files();
}

QString WorklistView::neighbour(const QString& path, int delta) const {
    return m_list->neighbour(path, delta);
}

bool WorklistView::isDone(const QString& path) const {
    return m_list->isDone(path);
}

void WorklistView::setDone(const QString& path, bool done) {
    m_list->setDone(path, done);
}

void WorklistView::clearMark(const QString& path) {
    m_list->clearMark(path);
}

bool WorklistView::hasMark(const QString& path) const {
    return m_list->hasMark(path);
}

void WorklistView::maskSaved(const QString& path) {
    m_list->maskSaved(path);
}

void WorklistView::rebuild() {
    m_toggledByClick = nullptr;
    {
        const QSignalBlocker block(this);
        clear();
        const QIcon placeholder = placeholderIcon();
        for (const QString& f : m_list->files()) {
            auto* item = new QListWidgetItem(placeholder, QFileInfo(f).fileName(), this);
            item->setData(kPathRole, f);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            applyMark(item);
        }
    }
    m_withThumbnail.clear();
    m_thumbnails->request(m_list->files());
    prioritizeVisible();
}

void WorklistView::onMarksChanged(const QString& path) {
    if (path.isEmpty()) {
        refreshDone();
    } else if (QListWidgetItem* item = itemFor(path)) {
        const QSignalBlocker block(this);
        applyMark(item);
    }
}

void WorklistView::prioritizeVisible() {
    if (count() == 0)
        return;
    const QModelIndex first = indexAt(viewport()->rect().topLeft());
    const QModelIndex last = indexAt(viewport()->rect().bottomLeft());
    const int from = first.isValid() ? first.row() : 0;
    const int to = last.isValid() ? last.row() : count() - 1;
    const QStringList& files = m_list->files();
    QStringList visible;
    for (int i = from; i <= to && i < static_cast<int>(files.size()); ++i)
        if (!m_withThumbnail.contains(files.at(i)))
            visible << files.at(i);
    m_thumbnails->prioritize(visible);
}

void WorklistView::resizeEvent(QResizeEvent* event) {
    QListWidget::resizeEvent(event);
    prioritizeVisible();
}

QListWidgetItem* WorklistView::itemFor(const QString& path) const {
    const auto i = m_list->files().indexOf(path);
    return i >= 0 && i < count() ? item(static_cast<int>(i)) : nullptr;
}

void WorklistView::setCurrentPath(const QString& path) {
    if (QListWidgetItem* item = itemFor(path)) {
        const QSignalBlocker block(this);
        setCurrentItem(item);
        scrollToItem(item);
    }
}

void WorklistView::refreshDone() {
    const QSignalBlocker block(this);
    for (int i = 0; i < count(); ++i)
        applyMark(item(i));
}

void WorklistView::applyMark(QListWidgetItem* item) {
    // Three looks, so a tick set by hand is never mistaken for a saved mask: a full tick = mask
    // saved (and not unticked), a partial tick = marked done by hand with no mask saved.
    switch (m_list->mark(item->data(kPathRole).toString())) {
    case Worklist::Mark::NotDone:
        item->setCheckState(Qt::Unchecked);
        item->setToolTip(tr("Not done"));
        break;
    case Worklist::Mark::NotDoneDespiteSaved:
        item->setCheckState(Qt::Unchecked);
        item->setToolTip(tr("Marked not done by hand (a mask is saved)"));
        break;
    case Worklist::Mark::Saved:
        item->setCheckState(Qt::Checked);
        item->setToolTip(tr("Done: mask saved"));
        break;
    case Worklist::Mark::DoneByHand:
        item->setCheckState(Qt::PartiallyChecked);
        item->setToolTip(tr("Marked done by hand (no mask saved)"));
        break;
    }
}

void WorklistView::onItemChanged(QListWidgetItem* item) {
    // Only user edits reach here (our own updates block signals): a tick toggled by hand.
    const QString path = item->data(kPathRole).toString();
    m_toggledByClick = item;
    const bool done = item->checkState() != Qt::Unchecked;
    if (done != m_list->isDone(path))
        m_list->setDone(path, done);
    else {
        const QSignalBlocker block(this);
        applyMark(item);
    }
}

void WorklistView::onThumbnail(const Thumbnail& thumbnail) {
    QListWidgetItem* item = itemFor(thumbnail.path);
    if (!item)
        return;
    m_withThumbnail.insert(thumbnail.path);
    if (thumbnail.image.isNull())
        return;
    // Centred on a square so rows line up whatever the aspect ratio.
    QPixmap square(kThumbnailEdge, kThumbnailEdge);
    square.fill(Qt::transparent);
    QPainter p(&square);
    const QImage& img = thumbnail.image;
    p.drawImage((kThumbnailEdge - img.width()) / 2, (kThumbnailEdge - img.height()) / 2, img);
    p.end();
    const QSignalBlocker block(this);
    item->setIcon(QIcon(square));
}

void WorklistView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QListWidget::changeEvent(event);
}

void WorklistView::retranslate() {
    setToolTip(tr("Click an image to open it. Page Down / Page Up: next / previous image. "
                  "A full tick: its mask is saved; a partial tick: you marked it done (D) "
                  "without saving a mask."));
    refreshDone();
}

} // namespace dermsam
