#pragma once

#include <QMetaType>
#include <QString>

class QSettings;

namespace dermsam {

// Everything one fine-tuning run needs; remembered between runs (QSettings, group "finetune").
// Defaults follow `dermsam-cli finetune` so a wizard run and a CLI run with no options agree.
struct FineTuneWizardSettings {
    QString dataFolder;
    QString splitFile;        // empty: seeded random split
    bool useSplitFile = true; // when the folder has one
    double trainRatio = 0.8;
    double valRatio = 0.1;
    double testRatio = 0.1;
    int splitSeed = 42;

    QString baseModel = QStringLiteral("default"); // "default" or a checkpoint path
    bool trainPromptEncoder = false;
    QString device = QStringLiteral("auto");       // "auto", "cpu", "cuda"
    QString precision = QStringLiteral("float32"); // "float32", "bfloat16" (CUDA only)
    bool tf32 = true; // float32 products on TF32 units on CUDA, as `finetune` (--tf32 on)
    int threads = 0;  // 0 = all cores

    int epochs = 10;
    double learningRate = 1e-4;
    int batchSize = 8;
    double boxJitter = 20; // px per box side in the 1024 frame
    int patience = 5;      // 0 = never stop early
    int seed = 42;
    QString outputFolder;
    // How the comparison prompts both models from each test mask: "box", "jitter" or "center",
    // as `dermsam-cli compare --prompt` (seed 0, compare's default).
    QString testPrompt = QStringLiteral("box");

    void load(QSettings& settings);
    void save(QSettings& settings) const;

    // Files of a run inside outputFolder.
    QString checkpointPath() const;
    QString splitPath() const;  // the split the run used, so the CLI can reproduce it
    QString reportBase() const; // + ".json" / ".csv", as `compare --report`
    QString htmlReportPath() const;
};

} // namespace dermsam

Q_DECLARE_METATYPE(dermsam::FineTuneWizardSettings)
