// GELU for CPUs with AVX2; flags in model/CMakeLists.txt.
#define DERMSAM_GELU_KERNEL geluKernelAvx2
#include "model/simd/gelu_kernel.inc"
