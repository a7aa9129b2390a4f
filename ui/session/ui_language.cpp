#include "ui/session/ui_language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace dermsam {

namespace {
const char* const kTranslatorName = "dermsam-ui-translator";
} // namespace

bool applyUiLanguage(const QString& language) {
    QCoreApplication* app = QCoreApplication::instance();
    if (!app)
        return false;
    const auto old =
        app->findChildren<QTranslator*>(QLatin1String(kTranslatorName), Qt::FindDirectChildrenOnly);
    for (QTranslator* t : old) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    // removeTranslator and installTranslator each tell the widgets (LanguageChange).
    if (locale.language() == QLocale::English || locale.language() == QLocale::C)
        return false;
    bool ours = false;
    auto* qt = new QTranslator(app);
    qt->setObjectName(QLatin1String(kTranslatorName));
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    else
        delete qt;
    auto* dermsam = new QTranslator(app);
    dermsam->setObjectName(QLatin1String(kTranslatorName));
    if (dermsam->load(locale, QStringLiteral("dermsam"), QStringLiteral("_"),
                      QStringLiteral(":/i18n"))) {
        QCoreApplication::installTranslator(dermsam); // last installed is searched first
        ours = true;
    } else {
        delete dermsam;
    }
    return ours;
}

} // namespace dermsam
