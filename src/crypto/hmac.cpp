// HMAC per RFC 2104 section 2: H((K0 ^ opad) || H((K0 ^ ipad) || text)).
#include "crypto/hmac.h"

#include <cstdint>
#include <cstring>

namespace wshub::crypto {
namespace {

constexpr uint8_t kInnerPad = 0x36;
constexpr uint8_t kOuterPad = 0x5c;

// Plain memset on a buffer that is about to die may be removed as a dead
// store; writing through a volatile pointer may not.
void wipe(uint8_t* p, size_t n) noexcept {
    volatile uint8_t* v = p;
    for (size_t i = 0; i < n; ++i) v[i] = 0;
}

void xor_all(uint8_t* p, size_t n, uint8_t with) noexcept {
    for (size_t i = 0; i < n; ++i) p[i] ^= with;
}

}  // namespace

HmacSha256::HmacSha256(std::string_view key) noexcept {
    // K0: the key, or its digest when longer than a block, zero-padded to a block.
    uint8_t pad[Sha256::kBlockSize] = {};
    if (key.size() > sizeof pad) {
        Sha256Digest d = sha256(key);
        std::memcpy(pad, d.data(), d.size());
        wipe(d.data(), d.size());
    } else if (!key.empty()) {
        std::memcpy(pad, key.data(), key.size());
    }

    xor_all(pad, sizeof pad, kInnerPad);
    inner_.update(pad, sizeof pad);
    // (K0 ^ ipad) ^ (ipad ^ opad) = K0 ^ opad, without a second copy of the key.
    xor_all(pad, sizeof pad, kInnerPad ^ kOuterPad);
    outer_.update(pad, sizeof pad);
    wipe(pad, sizeof pad);
}

void HmacSha256::update(const void* data, size_t len) noexcept { inner_.update(data, len); }

Sha256Digest HmacSha256::finish() noexcept {
    const Sha256Digest inner = inner_.finish();
    outer_.update(inner.data(), inner.size());
    return outer_.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) noexcept {
    HmacSha256 h(key);
    h.update(message.data(), message.size());
    return h.finish();
}

}  // namespace wshub::crypto
