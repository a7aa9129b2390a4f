// Protects settings: QSettings round trip, recent-file cap, the settings dialog.
// labels: gui
#include "model/device.h"
#include "ui/session/app_settings.h"
#include "ui/settings_dialog.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

using namespace dermsam;

class TestAppSettings : public QObject {
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    // The dialog looks at the embedding cache folder: a temporary one, not the user's.
    void initTestCase() { qputenv("XDG_CACHE_HOME", m_home.path().toUtf8()); }

    void roundTrip() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("s.ini"));
        AppSettings a;
        a.checkpoint = QStringLiteral("/models/medsam_vit_b.pth");
        a.profile = QStringLiteral("medsam");
        a.device = QStringLiteral("cuda");
        a.precision = QStringLiteral("bfloat16");
        a.threads = 3;
        a.language = QStringLiteral("de");
        a.recentFiles = {QStringLiteral("/a.jpg"), QStringLiteral("/b ä.png")};
        a.overlayColor = QColor(10, 20, 30);
        a.overlayOpacity = 0.65;
        a.showContour = false;
        a.brushRadius = 17;
        a.embeddingCacheMb = 0;
        {
            QSettings s(file, QSettings::IniFormat);
            a.save(s);
        }
        AppSettings b;
        QVERIFY(a != b);
        QSettings s(file, QSettings::IniFormat);
        b.load(s);
        QCOMPARE(b.checkpoint, a.checkpoint);
        QCOMPARE(b.recentFiles, a.recentFiles);
        QCOMPARE(b.precision, QStringLiteral("bfloat16"));
        QCOMPARE(b.embeddingCacheMb, 0);
        QVERIFY(a == b);
    }

    void defaultsWhenEmptyOrInvalid() {
        QTemporaryDir dir;
        QSettings s(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        s.setValue(QStringLiteral("model/device"), QStringLiteral("tpu"));
        s.setValue(QStringLiteral("model/precision"), QStringLiteral("float8"));
        s.setValue(QStringLiteral("model/embeddingCacheMb"), -5);
        AppSettings b;
        b.load(s);
        QCOMPARE(b.embeddingCacheMb, 0);
        QCOMPARE(b.device, QStringLiteral("auto"));
        QCOMPARE(b.precision, QStringLiteral("float32"));
        QVERIFY(b.checkpoint.isEmpty());
        QCOMPARE(b.threads, 0);
    }

    void recentFilesCapped() {
        AppSettings a;
        for (int i = 0; i < 15; ++i)
            a.addRecentFile(QStringLiteral("/img%1.jpg").arg(i));
        a.addRecentFile(QStringLiteral("/img10.jpg"));
        QCOMPARE(a.recentFiles.size(), AppSettings::kMaxRecentFiles);
        QCOMPARE(a.recentFiles.first(), QStringLiteral("/img10.jpg"));
        QCOMPARE(a.recentFiles.count(QStringLiteral("/img10.jpg")), 1);
    }

    // Every preprocessing profile a checkpoint can be run with is offered, with a label, and a
    // stored choice comes back selected (LiteMedSAM's was missing from the list).
    void dialogOffersEveryProfile_data() {
        QTest::addColumn<QString>("profile");
        QTest::newRow("automatic") << QString();
        QTest::newRow("medsam") << QStringLiteral("medsam");
        QTest::newRow("sam") << QStringLiteral("sam");
        QTest::newRow("litemedsam") << QStringLiteral("litemedsam");
    }
    void dialogOffersEveryProfile() {
        QFETCH(QString, profile);
        AppSettings a;
        a.profile = profile;
        SettingsDialog d(a);
        auto* box = d.findChild<QComboBox*>(QStringLiteral("profile"));
        QCOMPARE(box->currentData().toString(), profile);
        QVERIFY(!box->currentText().isEmpty());
        QCOMPARE(d.settings().profile, profile);
    }

    void dialogEditsSettings() {
        AppSettings a;
        a.device = QStringLiteral("cpu");
        SettingsDialog d(a);
        QCOMPARE(d.findChild<QComboBox*>(QStringLiteral("device"))->currentData().toString(),
                 QStringLiteral("cpu"));
        d.findChild<QLineEdit*>(QStringLiteral("checkpoint"))->setText(QStringLiteral(" /m.pth "));
        d.findChild<QSpinBox*>(QStringLiteral("threads"))->setValue(2);
        auto* cache = d.findChild<QSpinBox*>(QStringLiteral("embeddingCache"));
        QCOMPARE(cache->value(), AppSettings().embeddingCacheMb);
        QCOMPARE(cache->specialValueText(), QStringLiteral("Off"));
        cache->setValue(512);
        auto* lang = d.findChild<QComboBox*>(QStringLiteral("language"));
        lang->setCurrentIndex(lang->findData(QStringLiteral("de")));
        auto* profile = d.findChild<QComboBox*>(QStringLiteral("profile"));
        profile->setCurrentIndex(profile->findData(QStringLiteral("sam")));
        auto* precision = d.findChild<QComboBox*>(QStringLiteral("precision"));
        QCOMPARE(precision->count(), AppSettings::precisionNames().size());
        // GPU choices are offered only where LibTorch sees a CUDA device.
        auto* device = d.findChild<QComboBox*>(QStringLiteral("device"));
        const auto* items = qobject_cast<const QStandardItemModel*>(device->model());
        QVERIFY(items);
        QCOMPARE(items->item(device->findData(QStringLiteral("cuda")))->isEnabled(),
                 cudaAvailable());
        QCOMPARE(items->item(device->findData(QStringLiteral("cpu")))->isEnabled(), true);
        QCOMPARE(precision->isEnabled(), cudaAvailable());
        QCOMPARE(precision->currentData().toString(), QStringLiteral("float32"));
        precision->setCurrentIndex(precision->findData(QStringLiteral("tf32")));
        const AppSettings b = d.settings();
        QCOMPARE(b.checkpoint, QStringLiteral("/m.pth"));
        QCOMPARE(b.threads, 2);
        QCOMPARE(b.embeddingCacheMb, 512);
        QCOMPARE(b.language, QStringLiteral("de"));
        QCOMPARE(b.profile, QStringLiteral("sam"));
        QCOMPARE(b.device, QStringLiteral("cpu"));
        QCOMPARE(b.precision, QStringLiteral("tf32"));
    }

    // The viewer's cached embeddings are derived from patients' images: the dialog shows what
    // they take and clears them on demand, leaving any other file alone.
    void clearsEmbeddingCache() {
        const QString dir = AppSettings::embeddingCacheDir();
        QVERIFY(dir.startsWith(m_home.path()));
        QVERIFY(QDir().mkpath(dir));
        const auto write = [&](const QString& name, int bytes) {
            QFile f(dir + QLatin1Char('/') + name);
            return f.open(QIODevice::WriteOnly) && f.write(QByteArray(bytes, 'x')) == bytes;
        };
        QVERIFY(write(QString(64, QLatin1Char('a')) + QStringLiteral(".npy"), 1 << 20));
        QVERIFY(write(QString(64, QLatin1Char('b')) + QStringLiteral(".npy"), 1 << 20));
        QVERIFY(write(QStringLiteral("readme.txt"), 100));

        SettingsDialog d{AppSettings()};
        auto* use = d.findChild<QLabel*>(QStringLiteral("embeddingCacheUse"));
        auto* clear = d.findChild<QPushButton*>(QStringLiteral("clearEmbeddingCache"));
        QVERIFY(use && clear);
        QCOMPARE(use->text(), QStringLiteral("2.0 MB in use"));
        QVERIFY(clear->isEnabled());
        clear->click();
        QCOMPARE(use->text(), QStringLiteral("0.0 MB in use"));
        QVERIFY(!clear->isEnabled());
        QCOMPARE(QDir(dir).entryList(QDir::Files), QStringList{QStringLiteral("readme.txt")});
    }
};

QTEST_MAIN(TestAppSettings)
#include "tst_app_settings.moc"
