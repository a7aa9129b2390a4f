// dermsam: the desktop application. Everything but argument handling lives in ui/.
#include "ui/application.h"

int main(int argc, char** argv) {
    return dermsam::runApplication(argc, argv);
}
