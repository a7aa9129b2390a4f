#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace dermsam {

// On-disk cache of image embeddings: one float16 .npy per (model hash, profile, image content
// hash). Safe to delete; unreadable or wrongly shaped entries are ignored and rewritten.
class EmbeddingCache {
public:
    explicit EmbeddingCache(std::string dir);

    static std::string key(const std::string& modelHash, const std::string& profile,
                           const at::Tensor& image);
    // Undefined tensor when absent or corrupt.
    at::Tensor load(const std::string& key, const std::vector<int64_t>& expectedShape) const;
    void store(const std::string& key, const at::Tensor& embedding) const;
    bool enabled() const { return !m_dir.empty(); }

private:
    std::string path(const std::string& key) const;
    std::string m_dir;
};

} // namespace dermsam
