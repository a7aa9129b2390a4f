// dermsam: the desktop application. Everything but argument handling lives in ui/.
#include "model/cpu_threading.h"
#include "ui/application.h"

int main(int argc, char** argv) {
    // Before Qt starts: may restart the program once with the OpenMP settings it needs.
    dermsam::ensureCpuThreadingEnvironment(argc, argv);
    dermsam::flushDenormalsToZero();
    return dermsam::runApplication(argc, argv);
}
