#include "model/embedding_cache.h"

#include "io/files.h"
#include "io/sha256.h"
#include "model/model_error.h"
#include "model/serialization/npy.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>

namespace dermsam {

namespace {

struct CacheFile {
    std::filesystem::path path;
    uint64_t bytes = 0;
    std::filesystem::file_time_type used;
};

bool isEntryName(const std::string& name) {
    if (name.size() != 64 + 4 || name.compare(64, 4, ".npy") != 0)
        return false;
    return std::all_of(name.begin(), name.begin() + 64,
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The entries of dir, newest use first. Errors (a file removed meanwhile by another process
// sharing the folder) skip that file.
std::vector<CacheFile> entries(const std::string& dir) {
    std::vector<CacheFile> out;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!isEntryName(it->path().filename().string()))
            continue;
        std::error_code fileError;
        CacheFile f;
        f.path = it->path();
        f.bytes = it->file_size(fileError);
        if (!fileError)
            f.used = it->last_write_time(fileError);
        if (!fileError)
            out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(),
              [](const CacheFile& a, const CacheFile& b) { return a.used > b.used; });
    return out;
}

} // namespace

EmbeddingCache::EmbeddingCache(std::string dir)
    : m_dir(std::move(dir)) {
    if (m_dir.empty())
        return;
    try {
        io::makeDirectories(m_dir);
    } catch (const io::FileError&) {
        // A cache is optional: a folder that cannot be made shows as store()'s write error.
    }
}

std::string EmbeddingCache::key(const std::string& modelHash, const std::string& profile,
                                const at::Tensor& image, c10::ScalarType modelDtype) {
    const at::Tensor c = image.contiguous().cpu();
    std::string header = modelHash + "|" + profile + "|" + c10::toString(c.scalar_type());
    if (modelDtype != c10::kFloat)
        header += "|model " + std::string(c10::toString(modelDtype));
    for (int64_t s : c.sizes())
        header += "|" + std::to_string(s);
    io::Sha256 h;
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
    const std::string file = path(key);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        return {};
    try {
        at::Tensor t = readNpy(file);
        if (t.sizes().vec() != expectedShape || t.scalar_type() != at::kHalf)
            return {};
        // Marks the use for prune(); a read-only folder just keeps the old time.
        ::utimensat(AT_FDCWD, file.c_str(), nullptr, 0);
        return t;
    } catch (const ModelError&) {
        return {}; // corrupt entry: recomputed and overwritten by the caller
    }
}

void EmbeddingCache::store(const std::string& key, const at::Tensor& embedding) const {
    if (m_dir.empty())
        return;
    // A cache entry can always be made again: no fsync per entry.
    writeNpy(path(key), embedding.to(at::kCPU, at::kHalf), io::Durability::Unsynced);
}

uint64_t EmbeddingCache::prune(uint64_t maxBytes) const {
    if (m_dir.empty())
        return 0;
    uint64_t kept = 0, removed = 0;
    for (const CacheFile& f : entries(m_dir)) {
        if (kept + f.bytes <= maxBytes) {
            kept += f.bytes;
            continue;
        }
        std::error_code ec;
        if (std::filesystem::remove(f.path, ec))
            removed += f.bytes;
    }
    return removed;
}

uint64_t EmbeddingCache::sizeBytes() const {
    uint64_t total = 0;
    if (!m_dir.empty()) {
        for (const CacheFile& f : entries(m_dir))
            total += f.bytes;
    }
    return total;
}

} // namespace dermsam
