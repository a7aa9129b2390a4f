#pragma once

#include "ui/app_settings.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace dermsam {

// Model checkpoint and profile, device, threads and language.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const AppSettings& settings, QWidget* parent = nullptr);

    // The settings with the dialog's edits applied.
    AppSettings settings() const;

private:
    void browse();

    AppSettings m_settings;
    QLineEdit* m_checkpoint = nullptr;
    QComboBox* m_profile = nullptr;
    QComboBox* m_device = nullptr;
    QSpinBox* m_threads = nullptr;
    QComboBox* m_language = nullptr;
};

} // namespace dermsam
