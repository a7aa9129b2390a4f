#include "ui/application.h"

#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/ui_language.h"

#include "dermsam_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

namespace dermsam {

namespace {

bool parseBox(const QString& text, BoxPrompt& box) {
    const QStringList parts = text.split(QLatin1Char(','));
    if (parts.size() != 4)
        return false;
    float v[4];
    for (int i = 0; i < 4; ++i) {
        bool ok = false;
        v[i] = parts[i].trimmed().toFloat(&ok);
        if (!ok)
            return false;
    }
    box = BoxPrompt{v[0], v[1], v[2], v[3]};
    return box.x1 > box.x0 && box.y1 > box.y0;
}

} // namespace

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
    // Hidden: used by tools/screenshot.sh.
    QCommandLineOption boxOption(QStringLiteral("box"), QString(), QStringLiteral("x0,y0,x1,y1"));
    boxOption.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption shotOption(QStringLiteral("screenshot"), QString(), QStringLiteral("png"));
    shotOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(modelOption);
    parser.addOption(boxOption);
    parser.addOption(shotOption);
    parser.process(app);

    MainWindow window;
    if (parser.isSet(shotOption)) {
        BoxPrompt box;
        if (!parser.isSet(boxOption) || !parseBox(parser.value(boxOption), box)) {
            qCritical("--screenshot needs --box x0,y0,x1,y1");
            return 2;
        }
        window.scheduleScreenshot(box, parser.value(shotOption));
    }
    window.show();
    window.loadModelFromSettings(parser.value(modelOption));
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty())
        window.openPath(positional.first());
    return app.exec();
}

} // namespace dermsam
