#include "model/fast_gelu.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cstring>
#include <vector>

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
    bool (*supported)();
};

// The AVX kernels are built for x86-64 with GCC or Clang (model/CMakeLists.txt).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
bool cpuHasAvx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

bool cpuHasAvx2Fma() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

bool anyCpu() {
    return true;
}

// Best first; the last runs anywhere.
const std::vector<GeluKernel>& geluKernels() {
    static const std::vector<GeluKernel> kernels = {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        {simd::geluKernelAvx512, "avx512", cpuHasAvx512},
        {simd::geluKernelAvx2, "avx2", cpuHasAvx2Fma},
#endif
        {simd::geluKernelBaseline, "baseline", anyCpu},
    };
    return kernels;
}

const GeluKernel& chosenGeluKernel() {
    // The CPU does not change while we run.
    static const GeluKernel& k = *std::find_if(geluKernels().begin(), geluKernels().end(),
                                               [](const GeluKernel& g) { return g.supported(); });
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
    for (const GeluKernel& k : geluKernels())
        if (std::strcmp(k.name, kernelName) == 0 && k.supported()) {
            k.run(data, n);
            return true;
        }
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
