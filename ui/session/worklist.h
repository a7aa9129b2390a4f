#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace dermsam {

// A folder opened as a worklist, without widgets: its images in order and their done marks. An
// image is done when its mask is saved beside it, unless the user ticked or unticked it: that
// explicit mark wins and is kept in QSettings per folder, so it survives a restart without
// writing into the (possibly read-only) data folder.
class Worklist : public QObject {
    Q_OBJECT
public:
    explicit Worklist(QObject* parent = nullptr);

    // Empty folder and files = no worklist.
    void setFiles(const QString& folder, const QStringList& files);
    const QStringList& files() const { return m_files; }
    const QString& folder() const { return m_folder; }
    bool isEmpty() const { return m_files.isEmpty(); }
    bool contains(const QString& path) const { return m_files.contains(path); }

    // The file delta rows away from path, clamped to the list; empty when the list is empty.
    // A path not in the list counts from the ends.
    QString neighbour(const QString& path, int delta) const;

    enum class Mark { NotDone, Saved, DoneByHand, NotDoneDespiteSaved };
    Mark mark(const QString& path) const;
    bool isDone(const QString& path) const;
    bool hasMaskSaved(const QString& path) const;
    // An explicit mark by the user (persisted).
    void setDone(const QString& path, bool done);
    // Drops the user's explicit mark (the saved mask decides again), e.g. when the edits that
    // the mark was about are discarded.
    void clearMark(const QString& path);
    bool hasMark(const QString& path) const;
    // A mask was just saved for path: the saved mask decides again.
    void maskSaved(const QString& path);

Q_SIGNALS:
    void filesChanged();
    // Marks of one path (or of all, path empty) may look different now.
    void marksChanged(const QString& path);

private:
    QVariantMap loadMarks() const;
    void saveMarks() const;

    QString m_folder;
    QStringList m_files;
    QVariantMap m_marks; // file name -> bool, the user's explicit marks for m_folder
};

} // namespace dermsam
