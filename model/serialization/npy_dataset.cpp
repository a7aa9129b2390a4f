#include "model/serialization/npy_dataset.h"

#include "io/files.h"
#include "model/model_error.h"
#include "model/serialization/npy.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <set>
#include <sstream>

namespace dermsam {
namespace {

std::set<std::string> npyStems(const std::string& dir) {
    std::set<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return out;
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
            out.insert(name.substr(0, name.size() - 4));
    }
    ::closedir(d);
    return out;
}

} // namespace

std::map<std::string, std::string> readSplitFile(const std::string& path) {
    std::istringstream in(rethrowAsModelError([&] { return io::readFile(path); }));
    std::map<std::string, std::string> out;
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        const auto hash = line.find('#');
        if (hash != std::string::npos)
            line.resize(hash);
        std::istringstream ss(line);
        std::string id, split, extra;
        if (!(ss >> id))
            continue;
        if (!(ss >> split) || (ss >> extra) ||
            (split != "train" && split != "val" && split != "test"))
            throw ModelError(ErrorCode::BadArgument, path,
                             "line " + std::to_string(lineNo) + ": expected 'id train|val|test'");
        out[id] = split;
    }
    return out;
}

std::vector<std::string> listNpyDataset(const std::string& dir) {
    const std::set<std::string> imgs = npyStems(dir + "/imgs");
    const std::set<std::string> gts = npyStems(dir + "/gts");
    std::vector<std::string> ids;
    std::set_intersection(imgs.begin(), imgs.end(), gts.begin(), gts.end(),
                          std::back_inserter(ids));
    return ids;
}

ImageMaskPair readNpyPair(const std::string& dir, const std::string& id) {
    ImageMaskPair p;
    p.id = id;
    p.image = readNpy(dir + "/imgs/" + id + ".npy");
    p.mask = readNpy(dir + "/gts/" + id + ".npy");
    if (p.mask.dim() == 3 && p.mask.size(2) == 1)
        p.mask = p.mask.squeeze(2);
    if (p.image.dim() < 2 || p.mask.dim() != 2 || p.image.size(0) != p.mask.size(0) ||
        p.image.size(1) != p.mask.size(1))
        throw ModelError(ErrorCode::BadImage, dir + "/gts/" + id + ".npy",
                         "mask size does not match its image");
    p.mask = (p.mask != 0).to(at::kByte);
    if (p.image.scalar_type() != at::kByte && p.image.scalar_type() != at::kInt)
        p.image = p.image.to(at::kFloat).clamp(0, 255).to(at::kByte);
    return p;
}

} // namespace dermsam
