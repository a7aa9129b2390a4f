#pragma once

#include "model/sam_architecture.h"
#include "model/sam_model.h"

#include <memory>

namespace dermsam::test {

// A randomly initialised SAM with a one-block 256-pixel encoder: encode takes milliseconds.
// window > 0 uses windowed attention in every block (cheap at a 1024 input).
inline std::shared_ptr<SamModel> tinySamModel(int imgSize = 256, int embedDim = 32, int depth = 1,
                                              int window = 0) {
    SamArchitecture arch;
    arch.encoder = "vit";
    arch.imgSize = imgSize;
    arch.patchSize = 16;
    arch.embedDim = embedDim;
    arch.depth = depth;
    arch.numHeads = 2;
    arch.windowSize = window;
    arch.globalAttnIndexes.clear();
    for (int i = 0; i < depth && window == 0; ++i)
        arch.globalAttnIndexes.push_back(i);
    arch.mlpDim = embedDim * 2;
    arch.outChans = 256;
    return std::make_shared<SamModel>(arch);
}

} // namespace dermsam::test
