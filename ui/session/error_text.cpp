#include "ui/session/error_text.h"

#include <QCoreApplication>
#include <QDir>

namespace dermsam {

namespace {
// Translation context for the sentences below (lupdate reads the macro).
struct ErrorText {
    Q_DECLARE_TR_FUNCTIONS(dermsam::ErrorText)
public:
    static QString codeText(const QString& code, const QString& pathIn);
    static QString inferenceText(const InferenceError& e);
};
} // namespace

QString errorCodeText(const QString& code, const QString& path) {
    return ErrorText::codeText(code, path);
}

QString inferenceErrorText(const InferenceError& e) {
    return ErrorText::inferenceText(e);
}

QString ErrorText::codeText(const QString& code, const QString& pathIn) {
    const QString path = QDir::toNativeSeparators(pathIn);
    if (code == QLatin1String("file-not-found"))
        return tr("The file %1 does not exist.").arg(path);
    if (code == QLatin1String("file-unreadable"))
        return tr("The file %1 cannot be read (check its permissions).").arg(path);
    if (code == QLatin1String("file-write-failed"))
        return tr("Could not write %1 (check the folder's permissions and free space). "
                  "Existing files were left as they were.")
            .arg(path);
    if (code == QLatin1String("unsupported-format"))
        return tr("%1 is not an image format DermSAM can read.").arg(path);
    if (code == QLatin1String("corrupt-file") || code == QLatin1String("truncated-file"))
        return tr("%1 is damaged or incomplete.").arg(path);
    if (code == QLatin1String("image-too-large"))
        return tr("%1 has more pixels than DermSAM opens (Edit > Settings > Largest image, 200 "
                  "megapixels unless changed there); it was not opened.")
            .arg(path);
    if (code == QLatin1String("unsupported-dicom"))
        return tr("%1 is a DICOM file DermSAM cannot display (no pixel data, several frames or "
                  "an unsupported compression).")
            .arg(path);
    if (code == QLatin1String("dicom-dictionary-missing"))
        return tr("The DICOM data dictionary is missing: set DCMDICTPATH to dicom.dic.");
    if (code == QLatin1String("bad-mask"))
        return tr("The mask is empty or has an unusable format.");
    if (code == QLatin1String("not-a-zip-archive") || code == QLatin1String("bad-pickle") ||
        code == QLatin1String("bad-safetensors"))
        return tr("%1 is not a model checkpoint DermSAM can read (.pth or .safetensors).")
            .arg(path);
    if (code == QLatin1String("forbidden-global"))
        return tr("%1 contains code, not only weights; it was refused for safety.").arg(path);
    if (code == QLatin1String("missing-keys") || code == QLatin1String("unexpected-keys") ||
        code == QLatin1String("shape-mismatch") || code == QLatin1String("unknown-architecture"))
        return tr("%1 is not a SAM or MedSAM model checkpoint.").arg(path);
    if (code == QLatin1String("device-unavailable"))
        return tr("CUDA is not available on this computer: choose CPU or Automatic in Settings.");
    if (code == QLatin1String("bad-prompt"))
        return tr("The prompt lies outside the image.");
    if (code == QLatin1String("no-model"))
        return tr("No model is loaded. Choose a checkpoint (MedSAM or SAM .pth, .safetensors) "
                  "in Settings.");
    return tr("Unexpected error (%1).").arg(code);
}

QString ErrorText::inferenceText(const InferenceError& e) {
    switch (e.kind) {
    case InferenceError::Kind::NoModel:
        return errorCodeText(QStringLiteral("no-model"), {});
    case InferenceError::Kind::ModelLoad:
        return tr("The model could not be loaded: %1").arg(errorCodeText(e.code, e.path));
    case InferenceError::Kind::Encode:
        return tr("The image could not be encoded: %1").arg(errorCodeText(e.code, e.path));
    case InferenceError::Kind::Decode:
        return tr("The mask could not be computed: %1").arg(errorCodeText(e.code, e.path));
    }
    return {};
}

} // namespace dermsam
