// Protects the German translation: complete, embedded, and switched live without a restart in the
// viewer and in an open fine-tuning wizard.
// labels: gui
#include "ui/heatmap_panel.h"
#include "ui/main_window.h"
#include "ui/session/error_text.h"
#include "ui/session/image_document.h"
#include "ui/session/mask_commands.h"
#include "ui/session/ui_language.h"
#include "ui/settings_dialog.h"
#include "ui/wizard/finetune_wizard.h"
#include "ui/wizard/qcustomplot_include.h"
#include "ui/wizard/run_page.h"
#include "ui/worklist_view.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QSet>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QUndoGroup>
#include <QXmlStreamReader>

using namespace dermsam;

namespace {
QString menuTitle(MainWindow& w, int i) {
    return w.menuBar()->actions().at(i)->text();
}
} // namespace

class TestTranslations : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase() {
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath(QStringLiteral("cache")).toUtf8());
    }

    void germanIsEmbedded() {
        QTranslator t;
        QVERIFY(t.load(QLocale(QLocale::German, QLocale::Germany), QStringLiteral("dermsam"),
                       QStringLiteral("_"), QStringLiteral(":/i18n")));
        QVERIFY(!t.isEmpty());
        QCOMPARE(t.translate("dermsam::MainWindow", "&File"), QStringLiteral("&Datei"));
        QCoreApplication::installTranslator(&t);
        QCOMPARE(dermsam::errorCodeText(QStringLiteral("file-not-found"), QStringLiteral("/x.jpg")),
                 QStringLiteral("Die Datei /x.jpg existiert nicht."));
        QCoreApplication::removeTranslator(&t);
        QCOMPARE(dermsam::errorCodeText(QStringLiteral("file-not-found"), QStringLiteral("/x.jpg")),
                 QStringLiteral("The file /x.jpg does not exist."));
    }

    // Every message of the .ts appears once, with a finished German text keeping the placeholders.
    void germanIsComplete() {
        QFile ts(QStringLiteral(DERMSAM_TEST_SOURCE_DIR "/translations/dermsam_de.ts"));
        QVERIFY(ts.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&ts);
        QString context, source;
        int messages = 0;
        QSet<QString> seen;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == QLatin1String("name")) {
                context = xml.readElementText();
            } else if (xml.name() == QLatin1String("source")) {
                source = xml.readElementText();
            } else if (xml.name() == QLatin1String("translation")) {
                const QString type = xml.attributes().value(QLatin1String("type")).toString();
                // Plural messages hold their forms in <numerusform> children.
                const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                const QString where = context + QStringLiteral(": ") + source;
                // Two entries for one message: lrelease keeps one at random.
                QVERIFY2(!seen.contains(where), qPrintable(QStringLiteral("twice: ") + where));
                seen.insert(where);
                QVERIFY2(type.isEmpty(), qPrintable(where + QStringLiteral(" is ") + type));
                QVERIFY2(!text.trimmed().isEmpty(), qPrintable(where));
                for (int n = 1; n <= 9; ++n) {
                    const QString arg = QStringLiteral("%") + QString::number(n);
                    QVERIFY2(source.contains(arg) == text.contains(arg), qPrintable(where));
                }
                ++messages;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(messages > 100);
    }

    // Edit > Settings > Language retranslates the open window, its docks and an open dialog.
    void switchesLanguageLive() {
        MainWindow w;
        w.show();
        SettingsDialog dialog(w.settings(), &w);
        dialog.show();
        QCOMPARE(menuTitle(w, 0), QStringLiteral("&File"));
        auto* heatmap = w.findChild<HeatmapPanel*>();
        QVERIFY(heatmap);
        auto* showHeatmap = heatmap->findChild<QCheckBox*>();
        QCOMPARE(showHeatmap->text(), QStringLiteral("Show heatmap (H)"));
        QCOMPARE(dialog.windowTitle(), QStringLiteral("Settings"));
        auto* model = w.findChild<QLabel*>(QStringLiteral("model"));
        const QString modelText = model->text();

        AppSettings german = w.settings();
        german.language = QStringLiteral("de");
        w.applySettings(german);
        QTRY_COMPARE(menuTitle(w, 0), QStringLiteral("&Datei"));
        QCOMPARE(menuTitle(w, 1), QStringLiteral("&Bearbeiten"));
        QTRY_COMPARE(dialog.windowTitle(), QStringLiteral("Einstellungen"));
        QTRY_COMPARE(showHeatmap->text(), QStringLiteral("Heatmap anzeigen (H)"));
        QVERIFY(w.worklist()->toolTip().startsWith(QStringLiteral("Ein Klick")));
        QVERIFY(model->text() != modelText); // computed texts follow too
        QSettings qs;
        QCOMPARE(qs.value(QStringLiteral("ui/language")).toString(), QStringLiteral("de"));

        AppSettings english = german;
        english.language = QStringLiteral("en");
        w.applySettings(english);
        QTRY_COMPARE(menuTitle(w, 0), QStringLiteral("&File"));
        QTRY_COMPARE(dialog.windowTitle(), QStringLiteral("Settings"));
        QTRY_COMPARE(showHeatmap->text(), QStringLiteral("Show heatmap (H)"));
        QCOMPARE(model->text(), modelText);
    }

    // A mask made before the switch to German is undone under a German name ("Rückgängig:
    // Model mask" was shown, half translated).
    void undoTextFollowsLanguage() {
        MainWindow w;
        QImage rgb(40, 30, QImage::Format_RGB888);
        rgb.fill(Qt::gray);
        auto* doc = new ImageDocument(1, QStringLiteral("/x.png"), rgb, &w);
        auto* undo = [&w]() -> QAction* {
            for (QAction* a : w.findChildren<QAction*>())
                if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_Z))
                    return a;
            return nullptr;
        }();
        QVERIFY(undo);
        auto* group = w.findChild<QUndoGroup*>();
        group->addStack(doc->undoStack());
        group->setActiveStack(doc->undoStack());
        QImage mask(rgb.size(), QImage::Format_Grayscale8);
        mask.fill(255);
        doc->undoStack()->push(new ModelResultCommand(doc, 1, mask, ModelResultInfo{}));
        QCOMPARE(undo->text(), QStringLiteral("Undo Model mask"));
        QVERIFY(applyUiLanguage(QStringLiteral("de")));
        QTRY_COMPARE(undo->text(), QStringLiteral("Rückgängig: Modellmaske"));
        applyUiLanguage(QStringLiteral("en"));
        QTRY_COMPARE(undo->text(), QStringLiteral("Undo Model mask"));
    }

    // The wizard stays open while the viewer is used (training takes long): its pages, including
    // those not shown yet, and texts made from results follow a language switch.
    void wizardSwitchesLanguageLive() {
        QTemporaryDir empty;
        FineTuneWizard wizard(QString{});
        wizard.settings().dataFolder = empty.path(); // nothing in it: the "no images" text
        wizard.show();
        auto* summary = wizard.findChild<QLabel*>(QStringLiteral("dataSummary"));
        QVERIFY(summary);
        const QString noImages =
            QStringLiteral("No images with masks were recognised in this folder.");
        QTRY_COMPARE(summary->text(), noImages);
        QCOMPARE(wizard.windowTitle(), QStringLiteral("Fine-tune model"));
        QWizardPage* settings = wizard.page(FineTuneWizard::SettingsPageId);
        QCOMPARE(settings->buttonText(QWizard::CommitButton), QStringLiteral("&Start training"));
        QLabel* epochs = nullptr;
        for (QLabel* l : settings->findChildren<QLabel*>())
            if (l->text() == QLatin1String("Epochs:"))
                epochs = l;
        QVERIFY(epochs);
        auto* run = qobject_cast<RunPage*>(wizard.page(FineTuneWizard::RunPageId));
        QCOMPARE(run->plot()->xAxis->label(), QStringLiteral("epoch"));

        // On the settings page, whose German explanations wrap to two lines where the English
        // ones took one: the rows must grow, not overlap.
        wizard.resize(920, 720);
        for (int i = 0; i < 3; ++i)
            wizard.next();
        QCOMPARE(wizard.currentPage(), settings);
        const auto unclipped = [settings] {
            for (QLabel* l : settings->findChildren<QLabel*>())
                if (l->wordWrap() && l->height() < l->heightForWidth(l->width()))
                    return false;
            return true;
        };
        QTRY_VERIFY(unclipped());

        QVERIFY(applyUiLanguage(QStringLiteral("de")));
        QTRY_COMPARE(wizard.windowTitle(), QStringLiteral("Modell feinabstimmen"));
        QTRY_VERIFY(unclipped());
        QCOMPARE(wizard.page(FineTuneWizard::DataPageId)->title(), QStringLiteral("Daten"));
        QCOMPARE(summary->text(),
                 QStringLiteral("In diesem Ordner wurden keine Bilder mit Masken erkannt."));
        QCOMPARE(settings->buttonText(QWizard::CommitButton), QStringLiteral("Training &starten"));
        QCOMPARE(epochs->text(), QStringLiteral("Epochen:"));
        QCOMPARE(run->plot()->xAxis->label(), QStringLiteral("Epoche"));
        // QWizard's own buttons, from Qt's translation (qt6-translations-l10n).
        QCOMPARE(wizard.button(QWizard::CancelButton)->text(), QStringLiteral("Abbrechen"));

        applyUiLanguage(QStringLiteral("en"));
        QTRY_COMPARE(wizard.windowTitle(), QStringLiteral("Fine-tune model"));
        QCOMPARE(summary->text(), noImages);
        QCOMPARE(epochs->text(), QStringLiteral("Epochs:"));
        QCOMPARE(run->plot()->xAxis->label(), QStringLiteral("epoch"));
        QCOMPARE(wizard.button(QWizard::CancelButton)->text(), QStringLiteral("Cancel"));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
