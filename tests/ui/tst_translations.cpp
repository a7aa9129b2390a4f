// Protects the German translation: complete, embedded, and switched live without a restart.
// labels: gui
#include "ui/error_text.h"
#include "ui/heatmap_panel.h"
#include "ui/main_window.h"
#include "ui/settings_dialog.h"
#include "ui/ui_language.h"
#include "ui/worklist_view.h"

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
        QVERIFY(w.worklist()->toolTip().startsWith(QStringLiteral("Bild ab")));
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
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
