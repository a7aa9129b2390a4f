#include "ui/application.h"

#include "ui/main_window.h"
#include "ui/session/app_settings.h"
#include "ui/session/ui_language.h"

#include "dermsam_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QSettings>

namespace dermsam {
namespace {

// --version and --help must answer without a display (a packaging check, a terminal over ssh):
// they are handled by a QCoreApplication before any window system is touched.
bool asksForInformationOnly(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--version" || a == "-v" || a == "--help" || a == "-h" || a == "-?" ||
            a == "--help-all")
            return true;
    }
    return false;
}

void setIdentity() {
    QCoreApplication::setApplicationName(QStringLiteral("DermSAM"));
    QCoreApplication::setOrganizationName(QStringLiteral("DermSAM"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DERMSAM_VERSION_STRING));
}

void applySavedLanguage() {
    AppSettings settings;
    QSettings qs;
    settings.load(qs);
    applyUiLanguage(settings.language);
}

QCommandLineOption describeOptions(QCommandLineParser& parser) {
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Dermoscopy lesion segmentation with explanations"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("image"),
                                 QCoreApplication::translate("main", "Image or folder to open."),
                                 QStringLiteral("[image]"));
    QCommandLineOption modelOption(
        QStringLiteral("model"),
        QCoreApplication::translate("main",
                                    "Model checkpoint for this session (overrides the settings)."),
        QStringLiteral("path"));
    parser.addOption(modelOption);
    return modelOption;
}

} // namespace

int runApplication(int argc, char** argv) {
    setIdentity();
    if (asksForInformationOnly(argc, argv)) {
        QCoreApplication core(argc, argv);
        applySavedLanguage();
        QCommandLineParser parser;
        describeOptions(parser);
        parser.process(core); // prints and exits
        return 0;
    }

    QApplication app(argc, argv);
    // Wayland and the task bar match the window to the installed desktop entry and its icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.dermsam.dermsam"));
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/dermsam-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);
    applySavedLanguage();

    QCommandLineParser parser;
    const QCommandLineOption modelOption = describeOptions(parser);
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
