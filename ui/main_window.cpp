#include "ui/main_window.h"

#include <QLabel>
#include <QStatusBar>

namespace dermsam {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent) {
    setWindowTitle(tr("DermSAM"));
    auto* placeholder = new QLabel(tr("No model loaded: open an image once a model is set."), this);
    placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(placeholder);
    statusBar()->showMessage(tr("No model"));
    resize(1200, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::openPath(const QString& path) {
    statusBar()->showMessage(path);
}

} // namespace dermsam
