#include "model/fast_gelu.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <string>

namespace dermsam {
namespace simd {
void geluKernelBaseline(float* data, int64_t n);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
void geluKernelAvx512(float* data, int64_t n);
void geluKernelAvx2(float* data, int64_t n);
#endif
} // namespace simd

namespace {

struct GeluKernel {
    void (*run)(float*, int64_t);
    const char* name;
};

GeluKernel pickGeluKernel() {
// The AVX kernels are built for x86-64 with GCC or Clang (model/CMakeLists.txt).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return {simd::geluKernelAvx512, "avx512"};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return {simd::geluKernelAvx2, "avx2"};
#endif
    return {simd::geluKernelBaseline, "baseline"};
}

const GeluKernel& chosenGeluKernel() {
    static const GeluKernel k = pickGeluKernel(); // the CPU does not change while we run
    return k;
}

} // namespace

void geluInPlace(float* data, int64_t n) {
    chosenGeluKernel().run(data, n);
}

const char* geluKernelName() {
    return chosenGeluKernel().name;
}

bool geluInPlaceWith(const char* kernelName, float* data, int64_t n) {
    const std::string name(kernelName);
    if (name == "baseline") {
        simd::geluKernelBaseline(data, n);
        return true;
    }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (name == "avx512" && __builtin_cpu_supports("avx512f")) {
        simd::geluKernelAvx512(data, n);
        return true;
    }
    if (name == "avx2" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        simd::geluKernelAvx2(data, n);
        return true;
    }
#endif
    return false;
}

at::Tensor& geluInPlace(at::Tensor& x) {
    const bool wantsGrad = at::GradMode::is_enabled() && x.requires_grad();
    if (wantsGrad || !x.device().is_cpu() || x.scalar_type() != at::kFloat ||
        !x.is_non_overlapping_and_dense() || x.is_neg()) {
        at::gelu_(x);
        return x;
    }
    // Dense and non-overlapping: the elements are exactly the numel() floats from data_ptr(),
    // in whatever order the memory format puts them.
    float* data = x.data_ptr<float>();
    const GeluKernel& k = chosenGeluKernel();
    at::parallel_for(0, x.numel(), 16384,
                     [&](int64_t begin, int64_t end) { k.run(data + begin, end - begin); });
    return x;
}

} // namespace dermsam
