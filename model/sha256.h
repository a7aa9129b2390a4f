#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dermsam {

// SHA-256 (FIPS 180-4), streaming.
class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    void update(const std::string& bytes) { update(bytes.data(), bytes.size()); }
    std::array<uint8_t, 32> finish(); // the object must not be updated afterwards
    std::string finishHex();          // lower-case hex

    static std::string hex(const std::string& bytes);

private:
    void block(const uint8_t* p);

    uint32_t m_state[8];
    uint8_t m_buffer[64];
    size_t m_buffered = 0;
    uint64_t m_length = 0; // bytes
};

// Lower-case hex SHA-256 of a file's bytes, read in chunks (the model file hash that masks,
// caches and fine-tuned checkpoints refer to). Throws ModelError(FileNotFound / FileUnreadable).
std::string fileSha256(const std::string& path);

} // namespace dermsam
