#pragma once

#include "ui/session/app_settings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QDoubleSpinBox;
class QSpinBox;

namespace dermsam {

// Model checkpoint and profile, device, threads, embedding cache and language.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const AppSettings& settings, QWidget* parent = nullptr);

    // The settings with the dialog's edits applied.
    AppSettings settings() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void browse();
    void retranslate();
    void showCacheUse();
    void clearCache();

    AppSettings m_settings;
    QLineEdit* m_checkpoint = nullptr;
    QComboBox* m_profile = nullptr;
    QComboBox* m_device = nullptr;
    QSpinBox* m_threads = nullptr;
    QComboBox* m_language = nullptr;
    QPushButton* m_browse = nullptr;
    QLabel* m_checkpointLabel = nullptr;
    QLabel* m_profileLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QComboBox* m_precision = nullptr;
    QLabel* m_precisionLabel = nullptr;
    QComboBox* m_tta = nullptr;
    QLabel* m_ttaLabel = nullptr;
    QCheckBox* m_autoOutline = nullptr;
    bool m_cuda = false;
    QLabel* m_threadsLabel = nullptr;
    QLabel* m_languageLabel = nullptr;
    QLineEdit* m_operator = nullptr;
    QSpinBox* m_maxMegapixels = nullptr;
    QDoubleSpinBox* m_followUpThreshold = nullptr;
    QLabel* m_followUpThresholdLabel = nullptr;
    QLabel* m_maxMegapixelsLabel = nullptr;
    QLabel* m_operatorLabel = nullptr;
    QSpinBox* m_cacheLimit = nullptr;
    QLabel* m_cacheLimitLabel = nullptr;
    QLabel* m_cacheUse = nullptr;
    QPushButton* m_clearCache = nullptr;
    quint64 m_cacheBytes = 0;
};

} // namespace dermsam
