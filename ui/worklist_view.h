#pragma once

#include <QListWidget>
#include <QSet>
#include <QString>
#include <QStringList>

namespace dermsam {

class ThumbnailLoader;
class Worklist;
struct Thumbnail;

// Shows a Worklist (ui/session/worklist.h): one row per image with a thumbnail (made off the GUI
// thread, cached) and its done mark; a tick toggled by hand becomes the worklist's explicit mark.
class WorklistView : public QListWidget {
    Q_OBJECT
public:
    // thumbnailCacheDir empty = the user cache folder. Without a worklist the view makes its own.
    explicit WorklistView(QWidget* parent = nullptr, const QString& thumbnailCacheDir = {},
                          Worklist* worklist = nullptr);
    ~WorklistView() override;

    Worklist* worklist() const { return m_list; }
    // Shortcuts to the worklist's own functions.
    void setFiles(const QString& folder, const QStringList& files);
    const QStringList& files() const;
    QString neighbour(const QString& path, int delta) const;
    bool isDone(const QString& path) const;
    void setDone(const QString& path, bool done);
    void clearMark(const QString& path);
    bool hasMark(const QString& path) const;
    void maskSaved(const QString& path);

    void setCurrentPath(const QString& path);
    // Re-reads which masks are on disk.
    void refreshDone();

    ThumbnailLoader* thumbnails() const { return m_thumbnails; }

Q_SIGNALS:
    void imageActivated(const QString& path);

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void retranslate();
    void rebuild();
    void onMarksChanged(const QString& path);
    QListWidgetItem* itemFor(const QString& path) const;
    void onItemChanged(QListWidgetItem* item);
    void onThumbnail(const Thumbnail& thumbnail);
    void prioritizeVisible();
    void applyMark(QListWidgetItem* item);

    Worklist* m_list = nullptr;
    QSet<QString> m_withThumbnail;
    QListWidgetItem* m_toggledByClick = nullptr; // the row whose tick the current click toggled
    ThumbnailLoader* m_thumbnails = nullptr;
};

} // namespace dermsam
