#include "ui/session/app_settings.h"

#include <QSettings>
#include <QStandardPaths>

#include <algorithm>

namespace dermsam {

void AppSettings::load(QSettings& s) {
    const AppSettings d;
    checkpoint = s.value(QStringLiteral("model/checkpoint"), d.checkpoint).toString();
    profile = s.value(QStringLiteral("model/profile"), d.profile).toString();
    device = s.value(QStringLiteral("model/device"), d.device).toString();
    precision = s.value(QStringLiteral("model/precision"), d.precision).toString();
    threads = s.value(QStringLiteral("model/threads"), d.threads).toInt();
    language = s.value(QStringLiteral("ui/language"), d.language).toString();
    recentFiles = s.value(QStringLiteral("ui/recentFiles")).toStringList();
    while (recentFiles.size() > kMaxRecentFiles)
        recentFiles.removeLast();
    overlayColor =
        QColor(s.value(QStringLiteral("overlay/color"), d.overlayColor.name()).toString());
    if (!overlayColor.isValid())
        overlayColor = d.overlayColor;
    overlayOpacity = s.value(QStringLiteral("overlay/opacity"), d.overlayOpacity).toDouble();
    showContour = s.value(QStringLiteral("overlay/contour"), d.showContour).toBool();
    brushRadius = s.value(QStringLiteral("edit/brushRadius"), d.brushRadius).toDouble();
    maxMegapixels = std::clamp(s.value(QStringLiteral("ui/maxMegapixels"), d.maxMegapixels).toInt(),
                               1, kMaxMegapixelsLimit);
    operatorName = s.value(QStringLiteral("ui/operator"), d.operatorName).toString().trimmed();
    followUpAreaThresholdPercent = std::clamp(
        s.value(QStringLiteral("followUp/areaThresholdPercent"), d.followUpAreaThresholdPercent)
            .toDouble(),
        1.0, 500.0);
    embeddingCacheMb =
        std::clamp(s.value(QStringLiteral("model/embeddingCacheMb"), d.embeddingCacheMb).toInt(), 0,
                   kMaxEmbeddingCacheMb);
    if (device != QLatin1String("auto") && device != QLatin1String("cpu") &&
        device != QLatin1String("cuda"))
        device = d.device;
    if (!precisionNames().contains(precision))
        precision = d.precision;
    autoOutlineOnOpen =
        s.value(QStringLiteral("model/autoOutlineOnOpen"), d.autoOutlineOnOpen).toBool();
    tta = s.value(QStringLiteral("model/tta"), d.tta).toString();
    if (!ttaNames().contains(tta))
        tta = d.tta;
}

QString AppSettings::defaultOperatorName() {
    QString name = qEnvironmentVariable("USER");
    if (name.isEmpty())
        name = qEnvironmentVariable("LOGNAME");
    return name;
}

QString AppSettings::embeddingCacheDir() {
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
           QStringLiteral("/viewer-embeddings");
}

QStringList AppSettings::ttaNames() {
    return {QStringLiteral("off"), QStringLiteral("hflip"), QStringLiteral("flips"),
            QStringLiteral("d4")};
}

QStringList AppSettings::precisionNames() {
    return {QStringLiteral("float32"), QStringLiteral("tf32"), QStringLiteral("bfloat16"),
            QStringLiteral("float16")};
}

void AppSettings::save(QSettings& s) const {
    s.setValue(QStringLiteral("model/checkpoint"), checkpoint);
    s.setValue(QStringLiteral("model/profile"), profile);
    s.setValue(QStringLiteral("model/device"), device);
    s.setValue(QStringLiteral("model/precision"), precision);
    s.setValue(QStringLiteral("model/threads"), threads);
    s.setValue(QStringLiteral("ui/language"), language);
    s.setValue(QStringLiteral("ui/recentFiles"), recentFiles);
    s.setValue(QStringLiteral("overlay/color"), overlayColor.name());
    s.setValue(QStringLiteral("overlay/opacity"), overlayOpacity);
    s.setValue(QStringLiteral("overlay/contour"), showContour);
    s.setValue(QStringLiteral("edit/brushRadius"), brushRadius);
    s.setValue(QStringLiteral("model/embeddingCacheMb"), embeddingCacheMb);
    s.setValue(QStringLiteral("ui/operator"), operatorName);
    s.setValue(QStringLiteral("ui/maxMegapixels"), maxMegapixels);
    s.setValue(QStringLiteral("followUp/areaThresholdPercent"), followUpAreaThresholdPercent);
    s.setValue(QStringLiteral("model/autoOutlineOnOpen"), autoOutlineOnOpen);
    s.setValue(QStringLiteral("model/tta"), tta);
    s.sync();
}

void AppSettings::addRecentFile(const QString& path) {
    recentFiles.removeAll(path);
    recentFiles.prepend(path);
    while (recentFiles.size() > kMaxRecentFiles)
        recentFiles.removeLast();
}

bool AppSettings::operator==(const AppSettings& o) const {
    return checkpoint == o.checkpoint && profile == o.profile && device == o.device &&
           precision == o.precision && threads == o.threads && language == o.language &&
           recentFiles == o.recentFiles && overlayColor == o.overlayColor &&
           qFuzzyCompare(overlayOpacity, o.overlayOpacity) && showContour == o.showContour &&
           qFuzzyCompare(brushRadius, o.brushRadius) && embeddingCacheMb == o.embeddingCacheMb &&
           operatorName == o.operatorName && maxMegapixels == o.maxMegapixels &&
           followUpAreaThresholdPercent == o.followUpAreaThresholdPercent &&
           autoOutlineOnOpen == o.autoOutlineOnOpen && tta == o.tta;
}

} // namespace dermsam
