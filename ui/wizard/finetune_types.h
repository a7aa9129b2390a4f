#pragma once

#include <QImage>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

namespace dermsam {

// Value types that cross between the wizard (GUI thread) and its FineTuneWorker by queued
// signals. No Torch types here.

struct DatasetPreview {
    QString id;
    QImage thumbnail; // the image with its mask outlined
};

struct DatasetScanResult {
    QString folder;
    QString layout;       // "isic", "ph2", ... (machine name)
    int pairs = 0;        // usable image/mask pairs (after checking every file)
    QStringList problems; // "id: kind: path" lines
    QList<DatasetPreview> previews;
    bool hasSplitFile = false; // folder/splits.txt exists
    QString error;             // machine error code when the folder could not be scanned
    QString errorPath;
};

struct SplitRequest {
    QString folder;
    QString splitFile; // empty: seeded random split with the ratios below
    double trainRatio = 0.8;
    double valRatio = 0.1;
    double testRatio = 0.1;
    int seed = 42;
};

struct SplitResult {
    int train = 0;
    int val = 0;
    int test = 0;
    int unknownIds = 0;    // in the split file, not in the dataset
    int unassignedIds = 0; // in the dataset, not in the split file
    QString error;         // machine error code
    QString errorPath;
};

struct EpochPoint {
    int epoch = 0;
    double trainLoss = 0;
    double valDice = 0;
    double seconds = 0;
    double samplesPerSecond = 0;
    bool improved = false;
};

struct TrainingOutcome {
    bool completed = false; // all epochs or early stopping
    bool cancelled = false;
    QString error; // machine error code on failure
    QString errorPath;
    QString checkpoint; // best checkpoint; empty when none was written
    bool checkpointExists = false;
    int epochsDone = 0;
    int bestEpoch = 0;
    double bestValDice = 0;
    int trainCount = 0;
    int valCount = 0;
};

struct ImageOutcome {
    QString id;
    double diceZeroShot = 0;
    double diceFineTuned = 0;
    QImage overlay; // ground truth, zero-shot and fine-tuned outlines
};

struct MetricPair {
    double mean = 0;
    double sd = 0;
};

// The figures of the results page: those of `dermsam-cli compare` with A = zero-shot (base)
// and B = fine-tuned, on the test split with ground-truth box prompts.
struct ComparisonResult {
    int n = 0;
    MetricPair diceA, diceB, iouA, iouB;
    double diceMeanDifference = 0;
    double diceCiLow = 0;
    double diceCiHigh = 0;
    double diceP = 1;
    QString diceMethod;
    double iouMeanDifference = 0;
    double iouCiLow = 0;
    double iouCiHigh = 0;
    double iouP = 1;
    bool significant = false;
    QString verdict;
    QStringList ids;
    QVector<double> perImageDiceA, perImageDiceB;
    QList<ImageOutcome> gained; // largest Dice gain first
    QList<ImageOutcome> lost;   // largest Dice loss first
    QString reportJson;         // the files `compare --report` writes
    QString reportCsv;
    QString jsonPath; // where the worker wrote them
    QString csvPath;
    QString splitFile;
    QString baseModel;
    QString checkpoint;
    QString error; // machine error code on failure
    QString errorPath;
};

} // namespace dermsam

Q_DECLARE_METATYPE(dermsam::DatasetScanResult)
Q_DECLARE_METATYPE(dermsam::SplitRequest)
Q_DECLARE_METATYPE(dermsam::SplitResult)
Q_DECLARE_METATYPE(dermsam::EpochPoint)
Q_DECLARE_METATYPE(dermsam::TrainingOutcome)
Q_DECLARE_METATYPE(dermsam::ComparisonResult)
