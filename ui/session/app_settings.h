#pragma once

#include <QColor>
#include <QString>
#include <QStringList>

class QSettings;

namespace dermsam {

// Everything the application persists (QSettings). load/save take the QSettings so tests can
// use a temporary file.
struct AppSettings {
    QString checkpoint;                      // empty = the built-in default model
    QString profile;                         // "" = the checkpoint's, "medsam", "sam", "litemedsam"
    QString device = QStringLiteral("auto"); // "auto", "cpu", "cuda"
    // "float32", "tf32", "bfloat16", "float16": how the model computes on a GPU (the CPU always
    // uses float32).
    QString precision = QStringLiteral("float32");
    int threads = 0;         // 0 = all cores
    QString language;        // "" = follow the system, "en", "de"
    QStringList recentFiles; // newest first
    QColor overlayColor = QColor(0, 200, 255);
    double overlayOpacity = 0.4;
    bool showContour = true;
    double brushRadius = 8.0;
    // The viewer's on-disk embedding cache (reopening an image skips the encoder): its size
    // limit in MB, 0 = off. 2 GB is about a thousand ViT embeddings.
    int embeddingCacheMb = 2048;
    // Who saves masks (the sidecar's "operator", the DICOM SEG's Content Creator's Name);
    // defaults to the login name.
    QString operatorName = defaultOperatorName();
    // Images declaring more pixels than this are refused before they are decoded (a hostile or
    // broken header must not take the workstation's memory); 200 MP is about 14000 x 14000.
    int maxMegapixels = 200;
    static constexpr int kMaxMegapixelsLimit = 2000;
    // Follow-up: a change of the lesion's area by at least this many percent is flagged.
    double followUpAreaThresholdPercent = 20.0;
    // Run Auto (the main lesion with no prompt) when an image without a saved mask opens.
    bool autoOutlineOnOpen = false;
    // Test-time augmentation of the decodes: "off", "hflip", "flips", "d4"
    // (model/test_time_augmentation.h).
    QString tta = QStringLiteral("off");
    static QStringList ttaNames();
    static QString defaultOperatorName();

    static constexpr int kMaxRecentFiles = 10;
    // The viewer's embedding cache folder (the user cache folder + "/viewer-embeddings").
    static QString embeddingCacheDir();
    static constexpr int kMaxEmbeddingCacheMb = 1 << 20; // 1 TB
    static QStringList precisionNames();

    void load(QSettings& settings);
    void save(QSettings& settings) const;
    void addRecentFile(const QString& path);

    bool operator==(const AppSettings& o) const;
    bool operator!=(const AppSettings& o) const { return !(*this == o); }
};

} // namespace dermsam
