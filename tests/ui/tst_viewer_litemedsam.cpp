// Protects LiteMedSAM in the viewer: chosen in Settings, boxed, explained, saved and reopened.
// labels: gui slow e2e
#include "mask_compare.h"
#include "test_support.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"
#include "ui/session/app_settings.h"
#include "ui/session/image_document.h"
#include "ui/session/inference_controller.h"
#include "ui/session/inference_worker.h"
#include "ui/session/mask_saver.h"
#include "ui/settings_dialog.h"

#include "core/evaluation.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "model/embedding_cache.h"
#include "model/gradcam.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

using namespace dermsam;
using dermsam::test::countSet;
using dermsam::test::dice;
using dermsam::test::differingPixels;
using dermsam::test::lesionBox;
using dermsam::test::readGrey;

namespace {

const char* const kImageId = "ISIC_0000009"; // of the shared test split

QImage maskImage(const at::Tensor& mask) { // (H, W) 0/1 -> Grayscale8 0/255
    const at::Tensor m = (mask.to(at::kCPU) > 0).to(at::kByte).mul(255).contiguous();
    QImage out(static_cast<int>(m.size(1)), static_cast<int>(m.size(0)), QImage::Format_Grayscale8);
    for (int y = 0; y < out.height(); ++y)
        std::memcpy(out.scanLine(y), m.data_ptr<uint8_t>() + y * out.width(),
                    static_cast<size_t>(out.width()));
    return out;
}

QString modelLabel(MainWindow& w) {
    auto* label = w.findChild<QLabel*>(QStringLiteral("model"));
    return label ? label->text() : QString();
}

} // namespace

class TestViewerLiteMedSam : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;
    QString m_weights; // ../shared/fixtures/litemedsam-parity/weights.pth: random upstream weights
    QString m_isic;
    QString m_image; // a copy of an ISIC test image: its mask is saved beside it
    QTimer m_dialogs;
    QString m_profile; // what the Settings dialog's preprocessing is set to

    std::unique_ptr<MainWindow> startWindow();
    void chooseModelInSettings(MainWindow& w, const QString& profile);
    void openAndWait(MainWindow& w, const QString& path);
    void drag(ImageCanvas* canvas, QRectF imageBox);
    void press(MainWindow& w, int key, Qt::KeyboardModifiers mods = Qt::NoModifier);

private Q_SLOTS:
    void initTestCase();
    void init();
    void settingsProfileIsApplied_data();
    void settingsProfileIsApplied();
    void boxHeatmapSaveAndReopen();
};

void TestViewerLiteMedSam::initTestCase() {
    const QString shared = dermsam::test::sharedDir();
    m_weights = shared + QStringLiteral("/fixtures/litemedsam-parity/weights.pth");
    m_isic = dermsam::test::isicDir();
    if (shared.isEmpty() || !QFileInfo::exists(m_weights) || m_isic.isEmpty())
        QSKIP("../shared (fixtures/litemedsam-parity, data/isic2018-512) is absent: the "
              "LiteMedSAM viewer tests need its weights and real images");
    QVERIFY(m_home.isValid());
    qputenv("HOME", m_home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral("cache")).toUtf8());
    qputenv("USER", "test-operator");
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    const QString name = QString::fromLatin1(kImageId) + QStringLiteral(".jpg");
    m_image = m_home.filePath(name);
    QVERIFY(QFile::copy(m_isic + QStringLiteral("/images/") + name, m_image));
    // Edit > Settings answered as a user would: the checkpoint typed in, the preprocessing
    // picked from its list, OK. Any other modal window is closed so a test never hangs on it.
    connect(&m_dialogs, &QTimer::timeout, this, [this] {
        QWidget* modal = QApplication::activeModalWidget();
        if (!modal)
            return;
        if (auto* settings = qobject_cast<SettingsDialog*>(modal)) {
            settings->findChild<QLineEdit*>(QStringLiteral("checkpoint"))->setText(m_weights);
            auto* profile = settings->findChild<QComboBox*>(QStringLiteral("profile"));
            const int i = profile->findData(m_profile);
            if (i < 0) {
                settings->reject(); // the choice is not offered: the test fails on it
                return;
            }
            profile->setCurrentIndex(i);
            settings->accept();
        } else if (auto* box = qobject_cast<QMessageBox*>(modal)) {
            qWarning("message box: %s", qPrintable(box->text()));
            box->close();
        } else {
            modal->close();
        }
    });
    m_dialogs.start(50);
}

void TestViewerLiteMedSam::init() {
    QSettings().clear(); // each test starts as a new user, on the built-in model
}

std::unique_ptr<MainWindow> TestViewerLiteMedSam::startWindow() {
    auto w = std::make_unique<MainWindow>();
    w->show();
    w->activateWindow();
    [&] { QVERIFY(QTest::qWaitForWindowActive(w.get())); }();
    QSignalSpy loaded(w->inference(), &InferenceController::modelLoaded);
    w->loadModelFromSettings();
    [&] { QVERIFY(loaded.wait(120000)); }();
    return w;
}

void TestViewerLiteMedSam::chooseModelInSettings(MainWindow& w, const QString& profile) {
    m_profile = profile;
    QSignalSpy loaded(w.inference(), &InferenceController::modelLoaded);
    auto* settings = w.findChild<QAction*>(QStringLiteral("settingsAction"));
    QVERIFY(settings);
    settings->trigger();                          // modal: answered by m_dialogs
    QCOMPARE(w.settings().checkpoint, m_weights); // else the dialog did not offer the profile
    QVERIFY(loaded.wait(120000));
    QCOMPARE(QFileInfo(w.inference()->modelInfo().path).canonicalFilePath(),
             QFileInfo(m_weights).canonicalFilePath());
}

// A box dragged with the mouse, corner to corner, in image pixels.
void TestViewerLiteMedSam::drag(ImageCanvas* canvas, QRectF imageBox) {
    const QPoint a = canvas->imageToWidget(imageBox.topLeft()).toPoint();
    const QPoint b = canvas->imageToWidget(imageBox.bottomRight()).toPoint();
    QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, a);
    for (int i = 1; i <= 8; ++i)
        QTest::mouseMove(canvas, a + (b - a) * i / 8);
    QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, b);
}

// Keys go where a user's keys go: to the widget with the keyboard focus, in the active window
// (the offscreen platform does not give it back by itself after a dialog closed).
void TestViewerLiteMedSam::press(MainWindow& w, int key, Qt::KeyboardModifiers mods) {
    if (QApplication::activeWindow() != &w) {
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
    }
    QWidget* target = QApplication::focusWidget();
    QTest::keyClick(target ? target : static_cast<QWidget*>(&w), Qt::Key(key), mods);
}

void TestViewerLiteMedSam::openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy opened(&w, &MainWindow::imageOpened);
    w.openPath(path);
    QVERIFY(opened.wait(30000));
    QCOMPARE(w.document()->path(), QFileInfo(path).absoluteFilePath());
}

void TestViewerLiteMedSam::settingsProfileIsApplied_data() {
    QTest::addColumn<QString>("chosen");   // the Settings dialog's preprocessing
    QTest::addColumn<QString>("expected"); // what the loaded model runs with
    // Automatic: a TinyViT checkpoint without metadata gets LiteMedSAM's own profile.
    QTest::newRow("automatic") << QString() << QStringLiteral("litemedsam");
    QTest::newRow("litemedsam") << QStringLiteral("litemedsam") << QStringLiteral("litemedsam");
    // An explicit other choice wins over the automatic one: the setting reaches the loader.
    QTest::newRow("medsam") << QStringLiteral("medsam") << QStringLiteral("medsam");
}

void TestViewerLiteMedSam::settingsProfileIsApplied() {
    QFETCH(QString, chosen);
    QFETCH(QString, expected);
    auto w = startWindow();
    chooseModelInSettings(*w, chosen);
    QCOMPARE(w->settings().profile, chosen);
    QCOMPARE(QSettings().value(QStringLiteral("model/profile")).toString(), chosen);
    const ModelInfo& info = w->inference()->modelInfo();
    QCOMPARE(info.profile, expected);
    QCOMPARE(info.architecture, QStringLiteral("litemedsam"));
    // The status bar names the file, the profile and the TinyViT encoder.
    const QString label = modelLabel(*w);
    QVERIFY2(label.contains(QStringLiteral("weights.pth")) &&
                 label.contains(QStringLiteral("(%1)").arg(expected)) &&
                 label.contains(QStringLiteral("tinyvit (LiteMedSAM) encoder")),
             qPrintable(label));
}

// The user's whole story with LiteMedSAM, the disk embedding cache on (the default): box the
// lesion, see the mask, press H for the Grad-CAM heatmap, save, open the image again in a new
// session. The weights are random, so the mask is held to the library's own answer for the same
// image and box, not to the expert's.
void TestViewerLiteMedSam::boxHeatmapSaveAndReopen() {
    QFile::remove(maskPathForImage(m_image));
    QFile::remove(QString::fromStdString(sidecarPathFor(maskPathForImage(m_image).toStdString())));
    QVERIFY(AppSettings().embeddingCacheMb > 0);
    QVERIFY(QDir(AppSettings::embeddingCacheDir()).removeRecursively());
    QImage saved;
    {
        auto w = startWindow();
        chooseModelInSettings(*w, QString());
        QVERIFY(modelLabel(*w).contains(QStringLiteral("tinyvit (LiteMedSAM) encoder")));
        openAndWait(*w, m_image);
        const QImage truth =
            readGrey(m_isic + QStringLiteral("/masks/") + QString::fromLatin1(kImageId) +
                     QStringLiteral("_segmentation.png"));
        const QRectF box = lesionBox(truth);
        ImageCanvas* canvas = w->canvas();
        QSignalSpy applied(w.get(), &MainWindow::maskApplied);
        drag(canvas, box);
        QVERIFY(applied.wait(120000));

        // One candidate (a box gives one mask), at the image's size.
        const QImage mask = w->document()->mask();
        QCOMPARE(mask.size(), w->document()->size());
        QCOMPARE(mask.size(), truth.size());
        auto* candidates = w->findChild<QListWidget*>(QStringLiteral("candidateList"));
        QVERIFY(candidates && candidates->count() >= 1);
        QVERIFY(countSet(mask) > 0);
        // The encoder ran once and its embedding went to the viewer's disk cache.
        QCOMPARE(w->inference()->flags().encodeCount.load(), 1);
        QCOMPARE(QDir(AppSettings::embeddingCacheDir())
                     .entryList({QStringLiteral("*.npy")}, QDir::Files)
                     .size(),
                 1);

        // The library's answer for the same pixels and box: load, encode through a fresh disk
        // cache (which rounds the embedding to float16 as the viewer's does), decode.
        QCOMPARE(w->document()->prompts().boxes.size(), size_t{1});
        const BoxPrompt drawn = w->document()->prompts().boxes.at(0);
        const LoadedModel lib = loadModel(m_weights.toStdString());
        QCOMPARE(profileName(lib.profile), std::string("litemedsam"));
        const Predictor predictor(lib.model, lib.profile);
        const QString cacheDir = m_home.filePath(QStringLiteral("library-cache"));
        QVERIFY(QDir().mkpath(cacheDir));
        const EmbeddingCache cache(cacheDir.toStdString());
        ImageEmbedding embedding;
        Prompts prompts;
        prompts.boxes.push_back(drawn);
        QImage expected;
        {
            c10::InferenceMode guard;
            const at::Tensor image = imageToTensor(loadImage(m_image.toStdString()));
            embedding = encodeCached(predictor, image, cache, lib.sha256);
            expected = maskImage(predictor.decode(embedding, prompts).masks[0]);
        }
        QCOMPARE(expected.size(), mask.size());
        const qint64 differ = differingPixels(mask, expected);
        const double d = dice(mask, expected);
        qInfo("viewer vs library: Dice %.6f, %lld of %lld pixels differ", d, differ,
              qint64(mask.width()) * mask.height());
        QVERIFY2(d > 0.99, qPrintable(QString::number(d)));
        QVERIFY2(differ <= mask.width() * mask.height() / 1000,
                 qPrintable(QString::number(differ)));

        // H: the Grad-CAM heatmap, drawn over the photo, as the library computes it.
        canvas->setFocus();
        QSignalSpy heat(w->inference(), &InferenceController::heatmapReady);
        press(*w, Qt::Key_H);
        QVERIFY(heat.wait(60000));
        const auto r = heat.last().at(0).value<HeatmapResponse>();
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.method, QStringLiteral("gradcam"));
        QCOMPARE(r.heat.size(), mask.size()); // 512 px images: under the viewer's 1024 cap
        QTRY_VERIFY(!canvas->heatmap().isNull());
        CamOptions cam;
        cam.maxSide = HeatmapResponse::kMaxSide;
        const CamResult ref = computeCam(*lib.model, embedding, prompts, cam);
        QCOMPARE(QSize(ref.width, ref.height), r.heat.size());
        double worst = 0;
        for (int y = 0; y < ref.height; ++y)
            for (int x = 0; x < ref.width; ++x)
                worst = std::max(worst, double(std::abs(r.heat.pixelColor(x, y).redF() -
                                                        ref.heatmap[size_t(y) * ref.width + x])));
        QVERIFY2(worst < 0.05, qPrintable(QString::number(worst)));

        // Ctrl+S: the mask and its sidecar, which names the model and its profile.
        press(*w, Qt::Key_S, Qt::ControlModifier);
        QTRY_VERIFY(QFile::exists(maskPathForImage(m_image)));
        saved = w->document()->mask();
        QCOMPARE(readGrey(maskPathForImage(m_image)), saved);
        QFile json(QString::fromStdString(sidecarPathFor(maskPathForImage(m_image).toStdString())));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(root.value("model").toObject().value("file").toString(),
                 QStringLiteral("weights.pth"));
        QCOMPARE(root.value("preprocessing").toString(), QStringLiteral("litemedsam"));
    }
    // A new session (the settings kept LiteMedSAM): the saved mask is back on the image, and a
    // new box there needs no encoder run, the embedding comes from the disk cache.
    auto w = startWindow();
    QCOMPARE(w->inference()->modelInfo().profile, QStringLiteral("litemedsam"));
    QVERIFY(modelLabel(*w).contains(QStringLiteral("tinyvit (LiteMedSAM) encoder")));
    openAndWait(*w, m_image);
    QCOMPARE(w->document()->mask(), saved);
    QVERIFY(w->document()->currentModelResult().valid);
    QSignalSpy applied(w.get(), &MainWindow::maskApplied);
    drag(w->canvas(), lesionBox(saved).adjusted(-4, -4, 4, 4));
    QVERIFY(applied.wait(120000));
    QCOMPARE(w->inference()->flags().encodeCount.load(), 0);
    QCOMPARE(w->inference()->flags().diskCacheHits.load(), 1);
    QCOMPARE(w->document()->mask().size(), saved.size());
}

QTEST_MAIN(TestViewerLiteMedSam)
#include "tst_viewer_litemedsam.moc"
