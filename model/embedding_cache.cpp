#include "model/embedding_cache.h"

#include "model/model_error.h"
#include "model/npy.h"
#include "model/sha256.h"

#include <ATen/ATen.h>

#include <sys/stat.h>

namespace dermsam {

EmbeddingCache::EmbeddingCache(std::string dir)
    : m_dir(std::move(dir)) {
    if (!m_dir.empty())
        ::mkdir(m_dir.c_str(), 0755);
}

std::string EmbeddingCache::key(const std::string& modelHash, const std::string& profile,
                                const at::Tensor& image, c10::ScalarType modelDtype) {
    const at::Tensor c = image.contiguous().cpu();
    std::string header = modelHash + "|" + profile + "|" + c10::toString(c.scalar_type());
    if (modelDtype != c10::kFloat)
        header += "|model " + std::string(c10::toString(modelDtype));
    for (int64_t s : c.sizes())
        header += "|" + std::to_string(s);
    Sha256 h;
    h.update(header.data(), header.size());
    h.update(c.data_ptr(), static_cast<size_t>(c.nbytes()));
    return h.finishHex();
}

std::string EmbeddingCache::path(const std::string& key) const {
    return m_dir + "/" + key + ".npy";
}

at::Tensor EmbeddingCache::load(const std::string& key,
                                const std::vector<int64_t>& expectedShape) const {
    if (m_dir.empty())
        return {};
    struct stat st {};
    if (::stat(path(key).c_str(), &st) != 0)
        return {};
    try {
        at::Tensor t = readNpy(path(key));
        if (t.sizes().vec() != expectedShape || t.scalar_type() != at::kHalf)
            return {};
        return t;
    } catch (const ModelError&) {
        return {}; // corrupt entry: recomputed and overwritten by the caller
    }
}

void EmbeddingCache::store(const std::string& key, const at::Tensor& embedding) const {
    if (m_dir.empty())
        return;
    // A cache entry can always be made again: no fsync per entry.
    writeNpy(path(key), embedding.to(at::kCPU, at::kHalf), Durability::Unsynced);
}

} // namespace dermsam
