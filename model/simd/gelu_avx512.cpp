// GELU for CPUs with AVX512; flags in model/CMakeLists.txt.
#define DERMSAM_GELU_KERNEL geluKernelAvx512
#include "model/simd/gelu_kernel.inc"
