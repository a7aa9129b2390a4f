#include "ui/application.h"

#include "ui/main_window.h"

#include "dermsam_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

namespace dermsam {

int runApplication(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("DermSAM"));
    QApplication::setOrganizationName(QStringLiteral("DermSAM"));
    QApplication::setApplicationVersion(QStringLiteral(DERMSAM_VERSION_STRING));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Dermoscopy lesion segmentation with explanations"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("image"),
                                 QApplication::translate("main", "Image or folder to open."),
                                 QStringLiteral("[image]"));
    parser.process(app);

    MainWindow window;
    window.show();
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty())
        window.openPath(positional.first());
    return app.exec();
}

} // namespace dermsam
