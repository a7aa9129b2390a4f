#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dermsam {

// On-disk cache of image embeddings: one float16 .npy per (model hash, profile, image content
// hash). Safe to delete; unreadable or wrongly shaped entries are ignored and rewritten.
class EmbeddingCache {
public:
    explicit EmbeddingCache(std::string dir);

    // modelDtype: the precision the encoder runs in. Reduced-precision embeddings get keys of
    // their own; float32 keys are those of earlier versions (TF32 shares them: its embeddings
    // differ from float32 by about 6e-4 relative on ViT-B).
    static std::string key(const std::string& modelHash, const std::string& profile,
                           const at::Tensor& image, c10::ScalarType modelDtype = c10::kFloat);
    // Undefined tensor when absent or corrupt. A hit marks the entry as used (its time), which
    // is what prune() goes by.
    at::Tensor load(const std::string& key, const std::vector<int64_t>& expectedShape) const;
    void store(const std::string& key, const at::Tensor& embedding) const;
    bool enabled() const { return !m_dir.empty(); }

    // Removes the least recently used entries until those left take at most maxBytes. Only
    // this cache's own entries (a SHA-256 key + ".npy") are counted or removed, so a folder
    // shared with other files is safe. Returns the bytes removed.
    uint64_t prune(uint64_t maxBytes) const;
    // The bytes its entries take.
    uint64_t sizeBytes() const;

private:
    std::string path(const std::string& key) const;
    std::string m_dir;
};

} // namespace dermsam
