#include "ui/wizard/finetune_wizard_settings.h"

#include <QDir>
#include <QSettings>

namespace dermsam {

void FineTuneWizardSettings::load(QSettings& s) {
    const FineTuneWizardSettings d;
    s.beginGroup(QStringLiteral("finetune"));
    dataFolder = s.value(QStringLiteral("dataFolder"), d.dataFolder).toString();
    splitFile = s.value(QStringLiteral("splitFile"), d.splitFile).toString();
    useSplitFile = s.value(QStringLiteral("useSplitFile"), d.useSplitFile).toBool();
    trainRatio = s.value(QStringLiteral("trainRatio"), d.trainRatio).toDouble();
    valRatio = s.value(QStringLiteral("valRatio"), d.valRatio).toDouble();
    testRatio = s.value(QStringLiteral("testRatio"), d.testRatio).toDouble();
    splitSeed = s.value(QStringLiteral("splitSeed"), d.splitSeed).toInt();
    baseModel = s.value(QStringLiteral("baseModel"), d.baseModel).toString();
    trainPromptEncoder =
        s.value(QStringLiteral("trainPromptEncoder"), d.trainPromptEncoder).toBool();
    device = s.value(QStringLiteral("device"), d.device).toString();
    precision = s.value(QStringLiteral("precision"), d.precision).toString();
    tf32 = s.value(QStringLiteral("tf32"), d.tf32).toBool();
    threads = s.value(QStringLiteral("threads"), d.threads).toInt();
    epochs = s.value(QStringLiteral("epochs"), d.epochs).toInt();
    learningRate = s.value(QStringLiteral("learningRate"), d.learningRate).toDouble();
    batchSize = s.value(QStringLiteral("batchSize"), d.batchSize).toInt();
    boxJitter = s.value(QStringLiteral("boxJitter"), d.boxJitter).toDouble();
    patience = s.value(QStringLiteral("patience"), d.patience).toInt();
    seed = s.value(QStringLiteral("seed"), d.seed).toInt();
    outputFolder = s.value(QStringLiteral("outputFolder"), d.outputFolder).toString();
    testPrompt = s.value(QStringLiteral("testPrompt"), d.testPrompt).toString();
    s.endGroup();
    if (baseModel.isEmpty())
        baseModel = d.baseModel;
    if (device != QLatin1String("auto") && device != QLatin1String("cpu") &&
        device != QLatin1String("cuda"))
        device = d.device;
    if (precision != QLatin1String("float32") && precision != QLatin1String("bfloat16"))
        precision = d.precision;
    if (testPrompt != QLatin1String("box") && testPrompt != QLatin1String("jitter") &&
        testPrompt != QLatin1String("center"))
        testPrompt = d.testPrompt;
}

void FineTuneWizardSettings::save(QSettings& s) const {
    s.beginGroup(QStringLiteral("finetune"));
    s.setValue(QStringLiteral("dataFolder"), dataFolder);
    s.setValue(QStringLiteral("splitFile"), splitFile);
    s.setValue(QStringLiteral("useSplitFile"), useSplitFile);
    s.setValue(QStringLiteral("trainRatio"), trainRatio);
    s.setValue(QStringLiteral("valRatio"), valRatio);
    s.setValue(QStringLiteral("testRatio"), testRatio);
    s.setValue(QStringLiteral("splitSeed"), splitSeed);
    s.setValue(QStringLiteral("baseModel"), baseModel);
    s.setValue(QStringLiteral("trainPromptEncoder"), trainPromptEncoder);
    s.setValue(QStringLiteral("device"), device);
    s.setValue(QStringLiteral("precision"), precision);
    s.setValue(QStringLiteral("tf32"), tf32);
    s.setValue(QStringLiteral("threads"), threads);
    s.setValue(QStringLiteral("epochs"), epochs);
    s.setValue(QStringLiteral("learningRate"), learningRate);
    s.setValue(QStringLiteral("batchSize"), batchSize);
    s.setValue(QStringLiteral("boxJitter"), boxJitter);
    s.setValue(QStringLiteral("patience"), patience);
    s.setValue(QStringLiteral("seed"), seed);
    s.setValue(QStringLiteral("outputFolder"), outputFolder);
    s.setValue(QStringLiteral("testPrompt"), testPrompt);
    s.endGroup();
    s.sync();
}

QString FineTuneWizardSettings::checkpointPath() const {
    return QDir(outputFolder).filePath(QStringLiteral("finetuned.safetensors"));
}

QString FineTuneWizardSettings::splitPath() const {
    return QDir(outputFolder).filePath(QStringLiteral("splits.txt"));
}

QString FineTuneWizardSettings::reportBase() const {
    return QDir(outputFolder).filePath(QStringLiteral("compare"));
}

QString FineTuneWizardSettings::htmlReportPath() const {
    return QDir(outputFolder).filePath(QStringLiteral("report.html"));
}

} // namespace dermsam
