// Protects the worklist: cached off-thread thumbnails, done marks, Page Up/Down, unsaved edits.
// labels: gui
#include "ui/main_window.h"
#include "ui/session/image_document.h"
#include "ui/session/image_loader.h"
#include "ui/session/inference_controller.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_saver.h"
#include "ui/session/thumbnail_loader.h"
#include "ui/session/worklist.h"
#include "ui/worklist_view.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace dermsam;

namespace {

QImage flat(const QSize& size, const QColor& colour) {
    QImage img(size, QImage::Format_RGB888);
    img.fill(colour);
    return img;
}

// The colour at the centre of a row's icon.
QColor iconCentre(QListWidgetItem* item, int edge) {
    const QImage icon = item->icon().pixmap(edge, edge).toImage();
    return icon.pixelColor(icon.width() / 2, icon.height() / 2);
}

bool near(const QColor& a, const QColor& b, int tolerance = 4) {
    return std::abs(a.red() - b.red()) <= tolerance &&
           std::abs(a.green() - b.green()) <= tolerance &&
           std::abs(a.blue() - b.blue()) <= tolerance;
}

} // namespace

class TestWorklist : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;
    QString m_folder;
    QStringList m_names{QStringLiteral("img1.png"), QStringLiteral("img2.jpg"),
                        QStringLiteral("img10.bmp")};
    QList<QColor> m_colours{QColor(220, 30, 30), QColor(30, 200, 40), QColor(40, 40, 210)};

    int m_answered = 0; // questions answered by answerNextQuestion

    QString file(int i) const { return QDir(m_folder).filePath(m_names[i]); }

    // Answers the next "unsaved mask" question with the given button.
    void answerNextQuestion(QMessageBox::StandardButton button) {
        auto* timer = new QTimer(this);
        timer->setInterval(20);
        connect(timer, &QTimer::timeout, this, [this, timer, button] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box)
                return;
            ++m_answered;
            box->button(button)->click();
            timer->deleteLater();
        });
        timer->start();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_home.isValid());
        // QSettings and the thumbnail cache go to the temporary home.
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral("cache")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("DermSAMTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_worklist"));
        m_folder = m_home.filePath(QStringLiteral("cases"));
        QVERIFY(QDir().mkpath(m_folder));
        // Landscape, portrait and square, each one flat colour.
        const QSize sizes[] = {QSize(120, 80), QSize(60, 90), QSize(50, 50)};
        for (int i = 0; i < 3; ++i)
            QVERIFY(flat(sizes[i], m_colours[i]).save(file(i)));
        // A saved mask is not a worklist entry.
        QVERIFY(flat(QSize(120, 80), Qt::black)
                    .save(QDir(m_folder).filePath(QStringLiteral("img1_segmentation.png"))));
    }

    void naturalOrder_data() {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<bool>("less");
        QTest::newRow("2 < 10") << "img2.png"
                                << "img10.png" << true;
        QTest::newRow("10 > 9") << "img10.png"
                                << "img9.png" << false;
        QTest::newRow("leading zeros") << "x010.png"
                                       << "x9.png" << false;
        QTest::newRow("ISIC ids") << "ISIC_0000017.jpg"
                                  << "ISIC_0000100.jpg" << true;
        QTest::newRow("case-insensitive") << "IMG1.png"
                                          << "img2.png" << true;
        QTest::newRow("prefix first") << "a.png"
                                      << "a1.png" << true;
        QTest::newRow("letters") << "b.png"
                                 << "a.png" << false;
        QTest::newRow("equal") << "a1.png"
                               << "a1.png" << false;
    }
    void naturalOrder() {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(bool, less);
        QCOMPARE(naturalLess(a, b), less);
        if (a != b)
            QCOMPARE(naturalLess(b, a), !less);
    }

    void listsImagesInNaturalOrder() {
        WorklistView view;
        view.setFiles(m_folder, imageFilesIn(m_folder));
        QCOMPARE(view.count(), 3);
        QCOMPARE(view.item(0)->text(), m_names[0]);
        QCOMPARE(view.item(1)->text(), m_names[1]); // img2 before img10
        QCOMPARE(view.item(2)->text(), m_names[2]);
        QCOMPARE(view.neighbour(file(0), 1), file(1));
        QCOMPARE(view.neighbour(file(0), -1), file(0)); // clamped at the ends
        QCOMPARE(view.neighbour(file(2), 1), file(2));
        QCOMPARE(view.neighbour(QStringLiteral("/elsewhere.png"), 1), file(0));
    }

    void thumbnailsOffThreadAndCached() {
        const QString cache = m_home.filePath(QStringLiteral("thumbs"));
        int decoded = 0, fromCache = 0;
        auto count = [&](const Thumbnail& t) { ++(t.fromCache ? fromCache : decoded); };
        {
            WorklistView view(nullptr, cache);
            connect(view.thumbnails(), &ThumbnailLoader::thumbnailReady, this, count);
            QSignalSpy done(view.thumbnails(), &ThumbnailLoader::allDone);
            view.setFiles(m_folder, imageFilesIn(m_folder));
            QVERIFY(done.wait(10000));
            QCOMPARE(decoded, 3);
            QCOMPARE(fromCache, 0);
            for (int i = 0; i < 3; ++i)
                QVERIFY2(near(iconCentre(view.item(i), 64), m_colours[i], i == 1 ? 8 : 4),
                         qPrintable(iconCentre(view.item(i), 64).name()));
        }
        // The files in the cache are small previews (longest side 64), not copies.
        const QStringList cached = QDir(cache).entryList({QStringLiteral("*.png")}, QDir::Files);
        QCOMPARE(cached.size(), 3);
        for (const QString& c : cached) {
            const QImage t(QDir(cache).filePath(c));
            QCOMPARE(std::max(t.width(), t.height()), 64);
        }
        // Reopening reads the cache; an image changed on disk gets a new preview.
        QVERIFY(flat(QSize(120, 80), Qt::yellow).save(file(0)));
        QFile f(file(0));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(QDateTime::currentDateTime().addSecs(60),
                              QFileDevice::FileModificationTime));
        f.close();
        decoded = fromCache = 0;
        {
            WorklistView view(nullptr, cache);
            connect(view.thumbnails(), &ThumbnailLoader::thumbnailReady, this, count);
            QSignalSpy done(view.thumbnails(), &ThumbnailLoader::allDone);
            view.setFiles(m_folder, imageFilesIn(m_folder));
            QVERIFY(done.wait(10000));
            QCOMPARE(decoded, 1);
            QCOMPARE(fromCache, 2);
            QVERIFY(near(iconCentre(view.item(0), 64), QColor(Qt::yellow)));
        }
        QVERIFY(flat(QSize(120, 80), m_colours[0]).save(file(0)));
    }

    // What Qt cannot read (DICOM, .npy) goes through the viewer's own loader, at the same size.
    void thumbnailFallsBackToViewerLoader() {
        QTemporaryDir dir;
        const QString npy = dir.filePath(QStringLiteral("lesion.npy"));
        // NumPy 1.0 header for a (20, 40, 3) uint8 array, padded so the data starts at 64.
        QByteArray header = "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 40, 3), }";
        while ((10 + header.size() + 1) % 64 != 0)
            header += ' ';
        header += '\n';
        QByteArray file("\x93NUMPY\x01\x00", 8);
        file += char(header.size() & 0xff);
        file += char(header.size() >> 8);
        file += header;
        for (int i = 0; i < 20 * 40; ++i)
            file += QByteArray::fromRawData("\xc8\x50\x1e", 3); // (200, 80, 30)
        QFile f(npy);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(file);
        f.close();
        QVERIFY(QImage(npy).isNull()); // Qt itself cannot read it
        const Thumbnail t = ThumbnailLoader::make(npy, 64, dir.filePath(QStringLiteral("thumbs")));
        QVERIFY(!t.fromCache);
        QCOMPARE(t.image.size(), QSize(64, 32));
        QVERIFY(near(t.image.pixelColor(32, 16), QColor(200, 80, 30), 1));
        QVERIFY(ThumbnailLoader::make(npy, 64, dir.filePath(QStringLiteral("thumbs"))).fromCache);
    }

    // Rows scrolled into view are made next, ahead of the rows above them.
    void visibleRowsFirst() {
        QTemporaryDir dir;
        QStringList files;
        for (int i = 0; i < 60; ++i) {
            files << dir.filePath(QStringLiteral("case%1.png").arg(i));
            QVERIFY(flat(QSize(16, 16), QColor(i * 4, 0, 0)).save(files.last()));
        }
        WorklistView view(nullptr, dir.filePath(QStringLiteral("thumbs")));
        view.resize(200, 300); // some 4 rows of 64 px visible
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QStringList order;
        connect(view.thumbnails(), &ThumbnailLoader::thumbnailReady, this,
                [&order](const Thumbnail& t) { order << t.path; });
        QSignalSpy done(view.thumbnails(), &ThumbnailLoader::allDone);
        view.setFiles(dir.path(), files);
        view.scrollToBottom(); // before the first file is finished
        QVERIFY(done.wait(20000));
        QCOMPARE(order.size(), 60);
        // Whatever was in flight first, then the bottom rows before the middle of the list.
        QVERIFY2(order.indexOf(files.last()) < order.indexOf(files.at(30)),
                 qPrintable(QString::number(order.indexOf(files.last()))));
        QVERIFY(order.indexOf(files.last()) <= 8);
    }

    void brokenFileKeepsPlaceholder() {
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.jpg"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a jpeg");
        f.close();
        WorklistView view(nullptr, dir.filePath(QStringLiteral("thumbs")));
        QSignalSpy ready(view.thumbnails(), &ThumbnailLoader::thumbnailReady);
        view.setFiles(dir.path(), {bad});
        QVERIFY(ready.wait(10000));
        QVERIFY(ready.at(0).at(0).value<Thumbnail>().image.isNull());
        QVERIFY(near(iconCentre(view.item(0), 64), QColor(70, 70, 70)));
    }

    void doneMarksPersist() {
        {
            WorklistView view;
            view.setFiles(m_folder, imageFilesIn(m_folder));
            // img1 has a saved mask; the others do not.
            QCOMPARE(view.item(0)->checkState(), Qt::Checked);
            QCOMPARE(view.item(1)->checkState(), Qt::Unchecked);
            QVERIFY(view.isDone(file(0)));
            QVERIFY(!view.isDone(file(1)));
            // The user ticks img2 and unticks img1 by hand.
            QSignalSpy changed(view.worklist(), &Worklist::marksChanged);
            view.item(1)->setCheckState(Qt::Checked);
            view.item(0)->setCheckState(Qt::Unchecked);
            QCOMPARE(changed.count(), 2);
            QVERIFY(view.isDone(file(1)));
            QVERIFY(!view.isDone(file(0)));
        }
        {
            WorklistView view; // as after a restart
            view.setFiles(m_folder, imageFilesIn(m_folder));
            QCOMPARE(view.item(0)->checkState(), Qt::Unchecked);
            // Ticked by hand with no mask saved: a partial tick, unlike a saved mask's.
            QCOMPARE(view.item(1)->checkState(), Qt::PartiallyChecked);
            QCOMPARE(view.item(2)->checkState(), Qt::Unchecked);
            // Saving a mask makes it done again: the saved mask decides.
            view.maskSaved(file(0));
            QCOMPARE(view.item(0)->checkState(), Qt::Checked);
            view.setDone(file(1), false);
        }
        WorklistView other; // marks belong to their folder
        QTemporaryDir dir;
        QVERIFY(flat(QSize(8, 8), Qt::red).save(dir.filePath(m_names[1])));
        other.setFiles(dir.path(), imageFilesIn(dir.path()));
        QCOMPARE(other.item(0)->checkState(), Qt::Unchecked);
    }

    void pageDownUpAndDone() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        w.openPath(m_folder);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), file(0));
        QCOMPARE(w.worklist()->currentRow(), 0);
        // What Next Image would open is the one encoded ahead.
        QCOMPARE(w.inference()->pendingPrefetch(), file(1));

        QTest::keyClick(&w, Qt::Key_PageDown);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), file(1));
        QCOMPARE(w.worklist()->currentRow(), 1);
        QTest::keyClick(&w, Qt::Key_PageDown);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), file(2));
        QVERIFY(w.inference()->pendingPrefetch().isEmpty()); // the last has no next
        QTest::keyClick(&w, Qt::Key_PageDown);               // already the last: no load starts
        QVERIFY(!QApplication::overrideCursor());
        QCOMPARE(w.document()->path(), file(2));
        QTest::keyClick(&w, Qt::Key_PageUp);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), file(1));
        QCOMPARE(w.inference()->pendingPrefetch(), file(2));

        // D toggles the mark by hand; saving a mask marks the image done.
        QVERIFY(!w.worklist()->isDone(file(1)));
        QTest::keyClick(&w, Qt::Key_D);
        QVERIFY(w.worklist()->isDone(file(1)));
        QCOMPARE(w.worklist()->item(1)->checkState(), Qt::PartiallyChecked);
        QTest::keyClick(&w, Qt::Key_D);
        QVERIFY(!w.worklist()->isDone(file(1)));
        QTest::keyClick(&w, Qt::Key_PageDown);
        QVERIFY(opened.wait(10000));
        QImage mask(w.document()->size(), QImage::Format_Grayscale8);
        mask.fill(255);
        w.document()->undoStack()->push(
            new ModelResultCommand(w.document(), 1, mask, ModelResultInfo{}));
        QVERIFY(w.saveCurrent());
        QVERIFY(w.worklist()->isDone(file(2)));
        QCOMPARE(w.worklist()->item(2)->checkState(), Qt::Checked);
        QVERIFY(QFile::remove(maskPathForImage(file(2))));
    }

    void unsavedEditsAskBeforeSwitching() {
        MainWindow w;
        w.show(); // shortcuts need a visible window
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy opened(&w, &MainWindow::imageOpened);
        w.openPath(m_folder);
        QVERIFY(opened.wait(10000));
        ImageDocument* first = w.document();
        QImage mask(first->size(), QImage::Format_Grayscale8);
        mask.fill(255);
        first->undoStack()->push(new ModelResultCommand(first, 1, mask, ModelResultInfo{}));
        QVERIFY(first->isModified());

        // Cancel: the edited image stays, and so does the worklist's current row.
        answerNextQuestion(QMessageBox::Cancel);
        QTest::keyClick(&w, Qt::Key_PageDown);
        QCOMPARE(m_answered, 1);
        QVERIFY(!QApplication::overrideCursor()); // no load started
        QCOMPARE(w.document(), first);
        QCOMPARE(w.worklist()->currentRow(), 0);

        // Discard: the next image opens and nothing was written.
        w.activateWindow(); // shortcuts go to the active window, and a closed box leaves none
        QVERIFY(QTest::qWaitForWindowActive(&w));
        answerNextQuestion(QMessageBox::Discard);
        QTest::keyClick(&w, Qt::Key_PageDown);
        QCOMPARE(m_answered, 2);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), file(1));
        QVERIFY(!QFile::exists(maskPathForImage(file(1))));
        const QImage savedMask(maskPathForImage(file(0)));
        QCOMPARE(savedMask.pixelColor(0, 0).red(), 0); // img1's old mask untouched

        // Save: the mask is written before switching.
        ImageDocument* second = w.document();
        QImage m2(second->size(), QImage::Format_Grayscale8);
        m2.fill(255);
        second->undoStack()->push(new ModelResultCommand(second, 1, m2, ModelResultInfo{}));
        w.activateWindow(); // shortcuts go to the active window, and a closed box leaves none
        QVERIFY(QTest::qWaitForWindowActive(&w));
        answerNextQuestion(QMessageBox::Save);
        QTest::keyClick(&w, Qt::Key_PageUp);
        QCOMPARE(m_answered, 3);
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.document()->path(), file(0));
        QVERIFY(QFile::exists(maskPathForImage(file(1))));
        QVERIFY(w.worklist()->isDone(file(1)));
        QVERIFY(QFile::remove(maskPathForImage(file(1))));
    }
};

QTEST_MAIN(TestWorklist)
#include "tst_worklist.moc"
