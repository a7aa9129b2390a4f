#include "ui/worklist_view.h"

#include "ui/mask_saver.h"
#include "ui/thumbnail_loader.h"

#include <QCryptographicHash>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QPainter>
#include <QScrollBar>
#include <QSettings>

#include <algorithm>

namespace dermsam {

namespace {

constexpr int kThumbnailEdge = 64;
constexpr int kPathRole = Qt::UserRole;

// QSettings keys must not contain the folder's slashes: one group entry per folder hash.
QString marksKey(const QString& folder) {
    return QStringLiteral("worklistMarks/") +
           QString::fromLatin1(
               QCryptographicHash::hash(folder.toUtf8(), QCryptographicHash::Sha1).toHex());
}

QIcon placeholderIcon() {
    QPixmap pm(kThumbnailEdge, kThumbnailEdge);
    pm.fill(QColor(70, 70, 70));
    return QIcon(pm);
}

} // namespace

WorklistView::WorklistView(QWidget* parent, const QString& thumbnailCacheDir)
    : QListWidget(parent)
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
    connect(m_thumbnails, &ThumbnailLoader::thumbnailReady, this, &WorklistView::onThumbnail);
    // A long list fills from the top; whatever scrolls into view jumps the queue.
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &WorklistView::prioritizeVisible);
}

WorklistView::~WorklistView() = default;

void WorklistView::setFiles(const QString& folder, const QStringList& files) {
    m_folder = folder;
    m_files = files;
    m_marks = loadMarks();
    m_toggledByClick = nullptr;
    {
        const QSignalBlocker block(this);
        clear();
        const QIcon placeholder = placeholderIcon();
        for (const QString& f : files) {
            auto* item = new QListWidgetItem(placeholder, QFileInfo(f).fileName(), this);
            item->setData(kPathRole, f);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            applyMark(item);
        }
    }
    m_withThumbnail.clear();
    m_thumbnails->request(files);
    prioritizeVisible();
}

void WorklistView::prioritizeVisible() {
    if (count() == 0)
        return;
    const QModelIndex first = indexAt(viewport()->rect().topLeft());
    const QModelIndex last = indexAt(viewport()->rect().bottomLeft());
    const int from = first.isValid() ? first.row() : 0;
    const int to = last.isValid() ? last.row() : count() - 1;
    QStringList visible;
    for (int i = from; i <= to && i < static_cast<int>(m_files.size()); ++i)
        if (!m_withThumbnail.contains(m_files.at(i)))
            visible << m_files.at(i);
    m_thumbnails->prioritize(visible);
}

void WorklistView::resizeEvent(QResizeEvent* event) {
    QListWidget::resizeEvent(event);
    prioritizeVisible();
}

QListWidgetItem* WorklistView::itemFor(const QString& path) const {
    const auto i = m_files.indexOf(path);
    return i >= 0 && i < count() ? item(static_cast<int>(i)) : nullptr;
}

QString WorklistView::neighbour(const QString& path, int delta) const {
    if (m_files.isEmpty())
        return {};
    const int last = static_cast<int>(m_files.size()) - 1;
    const int i = static_cast<int>(m_files.indexOf(path));
    // Not in the list (an image opened on its own): start from the ends.
    const int from = i >= 0 ? i : (delta > 0 ? -1 : last + 1);
    return m_files.at(std::clamp(from + delta, 0, last));
}

void WorklistView::setCurrentPath(const QString& path) {
    if (QListWidgetItem* item = itemFor(path)) {
        const QSignalBlocker block(this);
        setCurrentItem(item);
        scrollToItem(item);
    }
}

bool WorklistView::isDone(const QString& path) const {
    const QString name = QFileInfo(path).fileName();
    if (m_marks.contains(name))
        return m_marks.value(name).toBool();
    return QFileInfo::exists(maskPathForImage(path));
}

void WorklistView::setDone(const QString& path, bool done) {
    QListWidgetItem* item = itemFor(path);
    if (!item)
        return;
    m_marks.insert(QFileInfo(path).fileName(), done);
    saveMarks(m_marks);
    {
        const QSignalBlocker block(this);
        applyMark(item);
    }
    Q_EMIT doneChanged(path, done);
}

void WorklistView::clearMark(const QString& path) {
    if (m_marks.remove(QFileInfo(path).fileName()) > 0) {
        saveMarks(m_marks);
        if (QListWidgetItem* item = itemFor(path)) {
            const QSignalBlocker block(this);
            applyMark(item);
        }
        Q_EMIT doneChanged(path, isDone(path));
    }
}

bool WorklistView::hasMark(const QString& path) const {
    return m_marks.contains(QFileInfo(path).fileName());
}

void WorklistView::maskSaved(const QString& path) {
    if (m_marks.remove(QFileInfo(path).fileName()) > 0)
        saveMarks(m_marks);
    refreshDone();
}

void WorklistView::refreshDone() {
    const QSignalBlocker block(this);
    for (int i = 0; i < count(); ++i)
        applyMark(item(i));
}

void WorklistView::applyMark(QListWidgetItem* item) {
    // Three looks, so a tick set by hand is never mistaken for a saved mask: a full tick = mask
    // saved (and not unticked), a partial tick = marked done by hand with no mask saved.
    const QString path = item->data(kPathRole).toString();
    const bool done = isDone(path);
    const bool saved = QFileInfo::exists(maskPathForImage(path));
    if (!done) {
        item->setCheckState(Qt::Unchecked);
        item->setToolTip(saved ? tr("Marked not done by hand (a mask is saved)") : tr("Not done"));
    } else if (saved) {
        item->setCheckState(Qt::Checked);
        item->setToolTip(tr("Done: mask saved"));
    } else {
        item->setCheckState(Qt::PartiallyChecked);
        item->setToolTip(tr("Marked done by hand (no mask saved)"));
    }
}

void WorklistView::onItemChanged(QListWidgetItem* item) {
    // Only user edits reach here (our own updates block signals): a tick toggled by hand.
    const QString path = item->data(kPathRole).toString();
    m_toggledByClick = item;
    const bool done = item->checkState() != Qt::Unchecked;
    if (done != isDone(path))
        setDone(path, done);
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

QVariantMap WorklistView::loadMarks() const {
    if (m_folder.isEmpty())
        return {};
    QSettings qs;
    return qs.value(marksKey(m_folder)).toMap();
}

void WorklistView::saveMarks(const QVariantMap& marks) const {
    if (m_folder.isEmpty())
        return;
    QSettings qs;
    if (marks.isEmpty())
        qs.remove(marksKey(m_folder));
    else
        qs.setValue(marksKey(m_folder), marks);
}

} // namespace dermsam
