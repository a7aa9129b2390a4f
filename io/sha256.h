#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dermsam::io {

// SHA-256 (FIPS 180-4), streaming. Uses the x86 SHA extensions where the processor has them:
// a 358 MB MedSAM checkpoint is hashed on every load, about 1.1 s in portable code on the
// 2-core development machine.
class Sha256 {
public:
    // allowHardware false: the portable code only (tests compare the two).
    explicit Sha256(bool allowHardware = true);
    // Whether this processor has the SHA extensions the hardware path needs.
    static bool hardwareAvailable();
    void update(const void* data, size_t size);
    void update(const std::string& bytes) { update(bytes.data(), bytes.size()); }
    std::array<uint8_t, 32> finish(); // the object must not be updated afterwards
    std::string finishHex();          // lower-case hex

    static std::string hex(const std::string& bytes);

private:
    void block(const uint8_t* p);

    void blocks(const uint8_t* p, size_t count);

    bool m_hardware;
    uint32_t m_state[8];
    uint8_t m_buffer[64];
    size_t m_buffered = 0;
    uint64_t m_length = 0; // bytes
};

// Lower-case hex SHA-256 of a file's bytes, read in chunks (the model file hash that masks,
// caches and fine-tuned checkpoints refer to). Throws FileError(NotFound / Unreadable).
std::string fileSha256(const std::string& path);

} // namespace dermsam::io
