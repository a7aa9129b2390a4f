#include "io/sha256.h"

#include "io/file_error.h"
#include "io/files.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace dermsam::io {
namespace {

constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DERMSAM_SHA_EXTENSIONS 1

bool cpuHasShaExtensions() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    return ssse3 && sse41 && (b & (1u << 29));
}

// `count` 64-byte blocks with the SHA extensions. The state is kept as the instructions want
// it, (A, B, E, F) and (C, D, G, H); each sha256rnds2 does two rounds, and the message schedule
// runs four words at a time (sha256msg1 adds sigma0 of the words three groups back,
// sha256msg2 adds sigma1, the words seven back come from an alignr of the last two groups).
__attribute__((target("sha,sse4.1,ssse3"))) void
shaExtensionBlocks(uint32_t state[8], const uint8_t* p, size_t count) {
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
    __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
    abcd = _mm_shuffle_epi32(abcd, 0xB1);             // b a d c
    efgh = _mm_shuffle_epi32(efgh, 0x1B);             // h g f e
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);    // f e b a (A in the top lane)
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0); // h g d c
    for (; count > 0; --count, p += 64) {
        const __m128i abefStart = abef, cdghStart = cdgh;
        __m128i w[4];
        for (int i = 0; i < 16; ++i) {
            __m128i& cur = w[i % 4];
            if (i < 4) {
                cur = _mm_shuffle_epi8(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), byteSwap);
            } else {
                const __m128i& prev = w[(i + 3) % 4]; // words 4i-4 .. 4i-1
                const __m128i sevenBack = _mm_alignr_epi8(prev, w[(i + 2) % 4], 4);
                cur = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(cur, w[(i + 1) % 4]), sevenBack), prev);
            }
            __m128i msg = _mm_add_epi32(
                cur, _mm_loadu_si128(reinterpret_cast<const __m128i*>(kRound + 4 * i)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, msg);
        }
        abef = _mm_add_epi32(abef, abefStart);
        cdgh = _mm_add_epi32(cdgh, cdghStart);
    }
    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B); // a b e f
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1); // g h c d
    abcd = _mm_blend_epi16(feba, dchg, 0xF0);           // a b c d
    efgh = _mm_alignr_epi8(dchg, feba, 8);              // e f g h
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state), abcd);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), efgh);
}
#endif

} // namespace

bool Sha256::hardwareAvailable() {
#ifdef DERMSAM_SHA_EXTENSIONS
    static const bool available = cpuHasShaExtensions();
    return available;
#else
    return false;
#endif
}

Sha256::Sha256(bool allowHardware)
    : m_hardware(allowHardware && hardwareAvailable())
    , m_state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
    , m_buffer{} {}

void Sha256::blocks(const uint8_t* p, size_t count) {
#ifdef DERMSAM_SHA_EXTENSIONS
    if (m_hardware) {
        shaExtensionBlocks(m_state, p, count);
        return;
    }
#endif
    for (; count > 0; --count, p += 64)
        block(p);
}

void Sha256::block(const uint8_t* p) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = (static_cast<uint32_t>(p[4 * i]) << 24) |
               (static_cast<uint32_t>(p[4 * i + 1]) << 16) |
               (static_cast<uint32_t>(p[4 * i + 2]) << 8) | static_cast<uint32_t>(p[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
        const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = m_state[0], b = m_state[1], c = m_state[2], d = m_state[3];
    uint32_t e = m_state[4], f = m_state[5], g = m_state[6], h = m_state[7];
    for (int i = 0; i < 64; ++i) {
        const uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const uint32_t ch = (e & f) ^ (~e & g);
        const uint32_t t1 = h + s1 + ch + kRound[i] + w[i];
        const uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        const uint32_t t2 = s0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    m_state[0] += a;
    m_state[1] += b;
    m_state[2] += c;
    m_state[3] += d;
    m_state[4] += e;
    m_state[5] += f;
    m_state[6] += g;
    m_state[7] += h;
}

void Sha256::update(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    m_length += size;
    if (m_buffered) {
        const size_t take = std::min(size, 64 - m_buffered);
        std::memcpy(m_buffer + m_buffered, p, take);
        m_buffered += take;
        p += take;
        size -= take;
        if (m_buffered < 64)
            return;
        blocks(m_buffer, 1);
        m_buffered = 0;
    }
    if (size >= 64) {
        const size_t whole = size / 64;
        blocks(p, whole);
        p += whole * 64;
        size -= whole * 64;
    }
    if (size) {
        std::memcpy(m_buffer, p, size);
        m_buffered = size;
    }
}

std::array<uint8_t, 32> Sha256::finish() {
    const uint64_t bits = m_length * 8;
    const uint8_t one = 0x80;
    update(&one, 1);
    const uint8_t zero = 0;
    while (m_buffered != 56)
        update(&zero, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
    update(len, 8);
    std::array<uint8_t, 32> out{};
    for (int i = 0; i < 8; ++i)
        for (int k = 0; k < 4; ++k)
            out[4 * i + k] = static_cast<uint8_t>(m_state[i] >> (24 - 8 * k));
    return out;
}

std::string Sha256::finishHex() {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : finish()) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

std::string Sha256::hex(const std::string& bytes) {
    Sha256 h;
    h.update(bytes);
    return h.finishHex();
}

std::string fileSha256(const std::string& path) {
    Sha256 h;
    readChunks(path, std::size_t(1) << 20,
               [&h](const char* data, std::size_t n) { h.update(data, n); });
    return h.finishHex();
}

} // namespace dermsam::io
