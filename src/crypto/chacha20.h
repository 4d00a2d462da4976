// The ChaCha20 block function (RFC 8439 section 2.3): 20 rounds over a
// 256-bit key, a 32-bit block counter and a 96-bit nonce, giving 64 bytes of
// keystream per block. wshub uses it as a generator of unpredictable values
// (ws::MaskSource's masking keys), not as a cipher.
#pragma once

#include <cstdint>

namespace wshub::crypto {

// The 16 words of block `counter` of the keystream for `key` and `nonce`
// (each as RFC 8439 reads them: little-endian words), in `out`; their bytes
// in little-endian order are the block's serialisation.
void chacha20_block(const uint32_t (&key)[8], uint32_t counter, const uint32_t (&nonce)[3],
                    uint32_t (&out)[16]) noexcept;

}  // namespace wshub::crypto
