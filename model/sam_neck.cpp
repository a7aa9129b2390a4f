#include "model/sam_neck.h"

#include <memory>

namespace dermsam {

SamNeck SamNeck::create(torch::nn::Module& owner, int64_t inChans, int64_t outChans) {
    SamNeck n;
    n.conv0 = torch::nn::Conv2d(torch::nn::Conv2dOptions(inChans, outChans, 1).bias(false));
    n.norm1 = LayerNorm2d(outChans);
    n.conv2 =
        torch::nn::Conv2d(torch::nn::Conv2dOptions(outChans, outChans, 3).padding(1).bias(false));
    n.norm3 = LayerNorm2d(outChans);
    auto neck = std::make_shared<torch::nn::Module>();
    neck->register_module("0", n.conv0);
    neck->register_module("1", n.norm1);
    neck->register_module("2", n.conv2);
    neck->register_module("3", n.norm3);
    owner.register_module("neck", neck);
    return n;
}

at::Tensor SamNeck::forward(const at::Tensor& x) {
    return norm3->forward(conv2->forward(norm1->forward(conv0->forward(x))));
}

} // namespace dermsam
