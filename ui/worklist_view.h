#pragma once

#include <QListWidget>
#include <QSet>
#include <QString>
#include <QStringList>

namespace dermsam {

class ThumbnailLoader;
struct Thumbnail;

// A folder opened as a worklist: one row per image with a thumbnail (made off the GUI thread,
// cached) and a done mark. An image is done when its mask is saved beside it, unless the user
// ticked or unticked its row: that explicit mark wins and is kept in QSettings per folder, so it
// survives a restart without writing into the (possibly read-only) data folder.
class WorklistView : public QListWidget {
    Q_OBJECT
public:
    // thumbnailCacheDir empty = the user cache folder.
    explicit WorklistView(QWidget* parent = nullptr, const QString& thumbnailCacheDir = {});
    ~WorklistView() override;

    void setFiles(const QString& folder, const QStringList& files);
    const QStringList& files() const { return m_files; }
    const QString& folder() const { return m_folder; }

    // The file delta rows away from path, clamped to the list; empty when the list is empty.
    QString neighbour(const QString& path, int delta) const;
    void setCurrentPath(const QString& path);

    bool isDone(const QString& path) const;
    // An explicit mark by the user (persisted); refreshDone() re-reads masks on disk.
    void setDone(const QString& path, bool done);
    // Drops the user's explicit mark (the saved mask decides again), e.g. when the edits that
    // the mark was about are discarded.
    void clearMark(const QString& path);
    bool hasMark(const QString& path) const;
    // A mask was just saved for path: the saved mask decides again (drops an explicit mark).
    void maskSaved(const QString& path);
    void refreshDone();

    ThumbnailLoader* thumbnails() const { return m_thumbnails; }

Q_SIGNALS:
    void imageActivated(const QString& path);
    void doneChanged(const QString& path, bool done);

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void retranslate();
    QListWidgetItem* itemFor(const QString& path) const;
    void onItemChanged(QListWidgetItem* item);
    void onThumbnail(const Thumbnail& thumbnail);
    void prioritizeVisible();
    void applyMark(QListWidgetItem* item);
    QVariantMap loadMarks() const;
    void saveMarks(const QVariantMap& marks) const;

    QString m_folder;
    QStringList m_files;
    QVariantMap m_marks; // file name -> bool, the user's explicit marks for m_folder
    QSet<QString> m_withThumbnail;
    QListWidgetItem* m_toggledByClick = nullptr; // the row whose tick the current click toggled
    ThumbnailLoader* m_thumbnails = nullptr;
};

} // namespace dermsam
