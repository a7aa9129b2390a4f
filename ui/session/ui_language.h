#pragma once

#include <QString>

namespace dermsam {

// Switches the application's language at run time: removes the translators an earlier call
// installed and installs DermSAM's and Qt's for `language` ("" = the system locale, "en",
// "de"). Qt then sends QEvent::LanguageChange to every widget, which retranslate themselves.
// The translators are children of the QCoreApplication, so they live exactly as long as it.
// Returns true when a DermSAM translation is now active (false for English).
bool applyUiLanguage(const QString& language);

} // namespace dermsam
