// Protects the German translation: compiled, embedded, used for UI and error sentences.
// labels: gui
#include "ui/error_text.h"

#include <QCoreApplication>
#include <QTest>
#include <QTranslator>

class TestTranslations : public QObject {
    Q_OBJECT
private Q_SLOTS:
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
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
