#pragma once

namespace dermsam {

// Sets up QApplication (name, version, translations, settings) and runs the main window.
int runApplication(int argc, char** argv);

} // namespace dermsam
