#pragma once

#include <QMainWindow>

namespace dermsam {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openPath(const QString& path);
};

} // namespace dermsam
