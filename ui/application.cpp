#include "ui/application.h"

#include "ui/main_window.h"
#include "ui/session/app_settings.h"
#include "ui/session/ui_language.h"

#include "dermsam_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

namespace dermsam {

int runApplication(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    QApplication::setApplicationVersion(QStringLiteral(DERMSAM_VERSION_STRING));

    AppSettings settings;
    {
        QSettings qs;
        settings.load(qs);
    }
    applyUiLanguage(settings.language);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Dermoscopy lesion segmentation with explanations"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("image"),
                                 QApplication::translate("main", "Image or folder to open."),
                                 QStringLiteral("[image]"));
    QCommandLineOption modelOption(
        QStringLiteral("model"),
        QApplication::translate("main",
                                "Model checkpoint for this session (overrides the settings)."),
        QStringLiteral("path"));
    parser.addOption(modelOption);
    parser.process(app);

    MainWindow window;
    window.show();
    window.loadModelFromSettings(parser.value(modelOption));
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty())
        window.openPath(positional.first());
    return app.exec();
}

} // namespace dermsam
