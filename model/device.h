#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace dermsam {

// "auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N". Throws
// ModelError(DeviceUnavailable) for CUDA on a machine without it.
c10::Device resolveDevice(const std::string& name);
// "float32", "bfloat16", "float16"; reduced precisions only on CUDA.
c10::ScalarType resolveDtype(const std::string& name, const c10::Device& device);
std::string dtypeName(c10::ScalarType t);
// Whether LibTorch sees a CUDA device (a CPU-only LibTorch never does).
bool cudaAvailable();

// LibTorch starts with one intra-op thread on some machines: use all cores unless told
// otherwise (threads <= 0 means all).
int configureThreads(int threads);

// TF32 tensor-core maths for float32 matrix products and convolutions on CUDA (off = exact
// float32), and cuDNN autotuning for fixed shapes.
void configureCuda(bool tf32, bool benchmark = true);

} // namespace dermsam
