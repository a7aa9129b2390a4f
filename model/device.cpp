#include "model/device.h"

#include "model/model_error.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <thread>

namespace dermsam {

c10::Device resolveDevice(const std::string& name) {
    if (name.empty() || name == "auto")
        return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    if (name == "cpu")
        return c10::kCPU;
    if (name.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw ModelError(ErrorCode::DeviceUnavailable, {}, "CUDA is not available");
        try {
            const c10::Device d(name);
            if (d.index() >= static_cast<int>(torch::cuda::device_count()))
                throw ModelError(ErrorCode::DeviceUnavailable, {}, "no device " + name);
            return d.has_index() ? d : c10::Device(c10::kCUDA, 0);
        } catch (const c10::Error&) {
            throw ModelError(ErrorCode::BadArgument, {}, "bad device '" + name + "'");
        }
    }
    throw ModelError(ErrorCode::BadArgument, {}, "unknown device '" + name + "'");
}

c10::ScalarType resolveDtype(const std::string& name, const c10::Device& device) {
    if (name.empty() || name == "float32" || name == "fp32")
        return c10::kFloat;
    c10::ScalarType t;
    if (name == "bfloat16" || name == "bf16")
        t = c10::kBFloat16;
    else if (name == "float16" || name == "fp16")
        t = c10::kHalf;
    else
        throw ModelError(ErrorCode::BadArgument, {}, "unknown precision '" + name + "'");
    if (!device.is_cuda())
        throw ModelError(ErrorCode::BadArgument, {}, name + " needs a CUDA device");
    return t;
}

bool cudaAvailable() {
    return torch::cuda::is_available();
}

std::string dtypeName(c10::ScalarType t) {
    switch (t) {
    case c10::kFloat:
        return "float32";
    case c10::kBFloat16:
        return "bfloat16";
    case c10::kHalf:
        return "float16";
    default:
        return c10::toString(t);
    }
}

void configureCuda(bool tf32, bool benchmark) {
    at::globalContext().setAllowTF32CuBLAS(tf32);
    at::globalContext().setAllowTF32CuDNN(tf32);
    at::globalContext().setBenchmarkCuDNN(benchmark);
}

int configureThreads(int threads) {
    if (threads <= 0)
        threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(threads);
    return at::get_num_threads();
}

} // namespace dermsam
