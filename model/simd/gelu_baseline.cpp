// GELU for any x86-64 (SSE2) or other CPU; flags in model/CMakeLists.txt.
#define DERMSAM_GELU_KERNEL geluKernelBaseline
#include "model/simd/gelu_kernel.inc"
