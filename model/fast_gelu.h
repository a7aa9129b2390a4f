#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace dermsam {

// GELU in place (the exact, erf form), for inference.
//
// LibTorch 1.13's CPU GELU evaluates erf with Sleef's 1-ulp AVX2 routine: in a LiteMedSAM
// encode its 23 calls over 137 million values took 233 ms of 792 (29 %) on the 2-core machine.
// This one is a branch-free polynomial form (model/simd/gelu_kernel.inc) compiled for AVX-512,
// AVX2 and baseline x86-64 and picked by the CPU, within 1.2e-6 of the exact value, over
// LibTorch's threads. Float32 CPU tensors whose elements fill their storage span (any dense
// memory format) take it; anything else, and tensors that need a gradient, go to at::gelu_.
at::Tensor& geluInPlace(at::Tensor& x);

// The kernel alone over n contiguous values, on this thread (for tests and benchmarks).
void geluInPlace(float* data, int64_t n);

// Which kernel this CPU runs: "avx512", "avx2" or "baseline".
const char* geluKernelName();

// One kernel by name, if this build has it and this CPU can run it (false: nothing done).
bool geluInPlaceWith(const char* kernelName, float* data, int64_t n);

} // namespace dermsam
