// HMAC-SHA256: RFC 4231 section 4 test cases 1-7 (case 5 truncated to 128
// bits, as the RFC gives it), keys at the block-size boundary, and streaming.
#include <string>

#include "check.h"
#include "crypto/hmac.h"
#include "crypto/sha256.h"

using wshub::crypto::HmacSha256;
using wshub::crypto::hmac_sha256;
using wshub::crypto::Sha256Digest;

namespace {

std::string hex(const Sha256Digest& d, size_t bytes = 32) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes; ++i) {
        out += digits[d[i] >> 4];
        out += digits[d[i] & 15];
    }
    return out;
}

std::string repeat(int byte, size_t n) { return std::string(n, static_cast<char>(byte)); }

std::string key_0x01_to_0x19() {
    std::string k;
    for (int b = 1; b <= 0x19; ++b) k += static_cast<char>(b);
    return k;
}

}  // namespace

TEST(hmac_rfc4231_case1) {
    CHECK_EQ(hex(hmac_sha256(repeat(0x0b, 20), "Hi There")),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// A key shorter than the digest.
TEST(hmac_rfc4231_case2) {
    CHECK_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac_rfc4231_case3) {
    CHECK_EQ(hex(hmac_sha256(repeat(0xaa, 20), repeat(0xdd, 50))),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(hmac_rfc4231_case4) {
    CHECK_EQ(hex(hmac_sha256(key_0x01_to_0x19(), repeat(0xcd, 50))),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(hmac_rfc4231_case5_truncated_128) {
    CHECK_EQ(hex(hmac_sha256(repeat(0x0c, 20), "Test With Truncation"), 16),
             "a3b6167473100ee06e0c796c2955552b");
}

// Keys longer than a block are hashed first.
TEST(hmac_rfc4231_case6) {
    CHECK_EQ(hex(hmac_sha256(repeat(0xaa, 131), "Test Using Larger Than Block-Size Key - Hash Key First")),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(hmac_rfc4231_case7) {
    CHECK_EQ(hex(hmac_sha256(repeat(0xaa, 131),
                             "This is a test using a larger than block-size key and a larger than "
                             "block-size data. The key needs to be hashed before being used by the "
                             "HMAC algorithm.")),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// RFC 2104: a key longer than the block is replaced by its digest, a shorter
// one is zero-padded. So a 65-byte key equals its own SHA-256 used as a key,
// and a key with trailing zero bytes up to the block equals the key without.
TEST(hmac_key_length_boundaries) {
    const std::string long_key = repeat(0x5a, 65);
    const Sha256Digest kd = wshub::crypto::sha256(long_key);
    const std::string digest_key(reinterpret_cast<const char*>(kd.data()), kd.size());
    CHECK_EQ(hex(hmac_sha256(long_key, "m")), hex(hmac_sha256(digest_key, "m")));

    std::string padded = "key";
    padded.resize(64, '\0');
    CHECK_EQ(hex(hmac_sha256(padded, "m")), hex(hmac_sha256("key", "m")));
    // At 65 bytes the same trick no longer holds: that key gets hashed.
    std::string over = padded + '\0';
    CHECK_NE(hex(hmac_sha256(over, "m")), hex(hmac_sha256("key", "m")));
    CHECK_EQ(hex(hmac_sha256("", "m")), hex(hmac_sha256(std::string(64, '\0'), "m")));
}

TEST(hmac_streaming_every_split) {
    const std::string key = repeat(0xaa, 131);
    const std::string msg =
        "This is a test using a larger than block-size key and a larger than "
        "block-size data. The key needs to be hashed before being used by the "
        "HMAC algorithm.";
    const std::string expected = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
    for (size_t split = 0; split <= msg.size(); ++split) {
        HmacSha256 h(key);
        h.update(msg.data(), split);
        h.update(msg.data() + split, msg.size() - split);
        CHECK_EQ(hex(h.finish()), expected);
    }
}

TEST(hmac_key_and_message_both_matter) {
    CHECK_NE(hex(hmac_sha256("key", "message")), hex(hmac_sha256("kez", "message")));
    CHECK_NE(hex(hmac_sha256("key", "message")), hex(hmac_sha256("key", "messagf")));
    CHECK_NE(hex(hmac_sha256("key", "")), hex(hmac_sha256("", "key")));
}
