#pragma once

#include "ui/session/inference_types.h"

#include <QString>

namespace dermsam {

// Translated sentences for the machine-readable error codes of core/ and model/.
QString errorCodeText(const QString& code, const QString& path);
QString inferenceErrorText(const InferenceError& error);

} // namespace dermsam
