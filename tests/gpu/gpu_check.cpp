// GPU checks that need only LibTorch (built on the GPU machine too): skips without CUDA.
#include <torch/cuda.h>

#include <cstdio>

int main() {
    if (!torch::cuda::is_available()) {
        std::printf("dermsam-gpu-check: SKIP: no CUDA device\n");
        return 0;
    }
    std::printf("dermsam-gpu-check: CUDA devices: %d\n",
                static_cast<int>(torch::cuda::device_count()));
    return 0;
}
