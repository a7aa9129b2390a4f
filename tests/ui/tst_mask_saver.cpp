// Protects saving: S_segmentation.png (0/255) + JSON sidecar, atomic, errors reported.
// labels: gui
#include "ui/session/image_document.h"
#include "ui/session/mask_commands.h"
#include "ui/session/mask_saver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace dermsam;

namespace {
QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class TestMaskSaver : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void maskPathBesideImage() {
        QCOMPARE(QFileInfo(maskPathForImage(QStringLiteral("/data/ISIC_001.jpg"))).fileName(),
                 QStringLiteral("ISIC_001_segmentation.png"));
    }

    void savesPngAndSidecar() {
        QTemporaryDir dir;
        const QString image = dir.filePath(QStringLiteral("lesion.jpg"));
        QImage rgb(40, 30, QImage::Format_RGB888);
        rgb.fill(Qt::gray);
        ImageDocument doc(1, image, rgb);
        QImage m(40, 30, QImage::Format_Grayscale8);
        m.fill(0);
        for (int y = 5; y < 15; ++y)
            for (int x = 5; x < 25; ++x)
                m.scanLine(y)[x] = 255;
        ModelResultInfo info;
        info.valid = true;
        info.iou = 0.875f;
        info.modelName = QStringLiteral("medsam_vit_b.pth");
        info.modelSha256 = QStringLiteral("ab12");
        info.profile = QStringLiteral("medsam");
        info.prompts.boxes.push_back(BoxPrompt{5, 5, 25, 15});
        doc.undoStack()->push(new ModelResultCommand(&doc, 1, m, info));
        doc.undoStack()->push(new BrushStrokeCommand(&doc, 1, {30, 20}, {35, 25}, 2, false));

        const QString maskPath = maskPathForImage(image);
        QCOMPARE(saveDocumentMask(doc, ModelInfo{}, maskPath), QString());
        QImage saved(maskPath);
        QVERIFY(!saved.isNull());
        QCOMPARE(saved.size(), QSize(40, 30));
        const QImage grey = saved.convertToFormat(QImage::Format_Grayscale8);
        QCOMPARE(grey.pixelColor(10, 10).red(), 255);
        QCOMPARE(grey.pixelColor(0, 0).red(), 0);
        QCOMPARE(grey.pixelColor(32, 22).red(), 255); // the brush edit is saved
        const QString json = dir.filePath(QStringLiteral("lesion_segmentation.json"));
        QVERIFY(QFileInfo::exists(json));
        const QByteArray text = readAll(json);
        QVERIFY(QJsonDocument::fromJson(text).isObject());
        QVERIFY(text.contains("ab12"));
        QVERIFY(text.contains("medsam"));
        QVERIFY(text.contains("0.875"));
        QVERIFY(text.contains("true")); // edited after the model
        // Only the two files: no temporaries left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
    }

    void failedSaveKeepsOldFiles() {
        if (::geteuid() == 0)
            QSKIP("root ignores directory permissions");
        QTemporaryDir dir;
        const QString image = dir.filePath(QStringLiteral("a.png"));
        QImage rgb(10, 10, QImage::Format_RGB888);
        rgb.fill(Qt::gray);
        ImageDocument doc(1, image, rgb);
        const QString maskPath = maskPathForImage(image);
        QCOMPARE(saveDocumentMask(doc, ModelInfo{}, maskPath), QString());
        const QByteArray before = readAll(maskPath);
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        doc.undoStack()->push(new BrushStrokeCommand(&doc, 1, {5, 5}, {5, 5}, 3, false));
        const QString error = saveDocumentMask(doc, ModelInfo{}, maskPath);
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                              QFileDevice::ExeOwner);
        QVERIFY(!error.isEmpty());
        QCOMPARE(readAll(maskPath), before);
    }

    void blockedSidecarKeepsOldMask() {
        // Works as root too: a folder where the sidecar should go makes its write fail.
        QTemporaryDir dir;
        const QString image = dir.filePath(QStringLiteral("b.png"));
        QImage rgb(10, 10, QImage::Format_RGB888);
        rgb.fill(Qt::gray);
        ImageDocument doc(1, image, rgb);
        const QString maskPath = maskPathForImage(image);
        QCOMPARE(saveDocumentMask(doc, ModelInfo{}, maskPath), QString());
        const QByteArray before = readAll(maskPath);
        const QString json = dir.filePath(QStringLiteral("b_segmentation.json"));
        QVERIFY(QFile::remove(json));
        QVERIFY(QDir().mkdir(json));
        doc.undoStack()->push(new BrushStrokeCommand(&doc, 1, {5, 5}, {5, 5}, 3, false));
        QVERIFY(!saveDocumentMask(doc, ModelInfo{}, maskPath).isEmpty());
        QCOMPARE(readAll(maskPath), before);
    }

    void unwritableFolderReportsError() {
        ImageDocument doc(1, QStringLiteral("/nonexistent-dir/x.png"),
                          QImage(4, 4, QImage::Format_RGB888));
        const QString error = saveDocumentMask(doc, ModelInfo{}, maskPathForImage(doc.path()));
        QVERIFY(!error.isEmpty());
        QVERIFY(error.contains(QStringLiteral("nonexistent-dir")));
    }
};

QTEST_MAIN(TestMaskSaver)
#include "tst_mask_saver.moc"
