#include "ui/session/worklist.h"

#include "ui/session/mask_saver.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QSettings>

#include <algorithm>

namespace dermsam {

namespace {

// QSettings keys must not contain the folder's slashes: one group entry per folder hash.
QString marksKey(const QString& folder) {
    return QStringLiteral("worklistMarks/") +
           QString::fromLatin1(
               QCryptographicHash::hash(folder.toUtf8(), QCryptographicHash::Sha1).toHex());
}

} // namespace

Worklist::Worklist(QObject* parent)
    : QObject(parent) {}

void Worklist::setFiles(const QString& folder, const QStringList& files) {
    m_folder = folder;
    m_files = files;
    m_marks = loadMarks();
    Q_EMIT filesChanged();
}

QString Worklist::neighbour(const QString& path, int delta) const {
    if (m_files.isEmpty())
        return {};
    const int last = static_cast<int>(m_files.size()) - 1;
    const int i = static_cast<int>(m_files.indexOf(path));
    const int from = i >= 0 ? i : (delta > 0 ? -1 : last + 1);
    return m_files.at(std::clamp(from + delta, 0, last));
}

bool Worklist::hasMaskSaved(const QString& path) const {
    return QFileInfo::exists(maskPathForImage(path));
}

Worklist::Mark Worklist::mark(const QString& path) const {
    const bool saved = hasMaskSaved(path);
    if (!isDone(path))
        return saved ? Mark::NotDoneDespiteSaved : Mark::NotDone;
    return saved ? Mark::Saved : Mark::DoneByHand;
}

bool Worklist::isDone(const QString& path) const {
    const QString name = QFileInfo(path).fileName();
    if (m_marks.contains(name))
        return m_marks.value(name).toBool();
    return hasMaskSaved(path);
}

void Worklist::setDone(const QString& path, bool done) {
    if (!m_files.contains(path))
        return;
    m_marks.insert(QFileInfo(path).fileName(), done);
    saveMarks();
    Q_EMIT marksChanged(path);
}

void Worklist::clearMark(const QString& path) {
    if (m_marks.remove(QFileInfo(path).fileName()) > 0) {
        saveMarks();
        Q_EMIT marksChanged(path);
    }
}

bool Worklist::hasMark(const QString& path) const {
    return m_marks.contains(QFileInfo(path).fileName());
}

void Worklist::maskSaved(const QString& path) {
    if (m_marks.remove(QFileInfo(path).fileName()) > 0)
        saveMarks();
    Q_EMIT marksChanged(path);
}

QVariantMap Worklist::loadMarks() const {
    if (m_folder.isEmpty())
        return {};
    QSettings qs;
    return qs.value(marksKey(m_folder)).toMap();
}

void Worklist::saveMarks() const {
    if (m_folder.isEmpty())
        return;
    QSettings qs;
    if (m_marks.isEmpty())
        qs.remove(marksKey(m_folder));
    else
        qs.setValue(marksKey(m_folder), m_marks);
}

} // namespace dermsam
