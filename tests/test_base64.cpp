// Base64 and base64url: RFC 4648 section 10 vectors both ways, binary round
// trips, and every way a strict decoder must say no.
#include <algorithm>
#include <iterator>
#include <string>

#include "check.h"
#include "crypto/base64.h"

using wshub::crypto::base64_decode;
using wshub::crypto::base64_encode;
using wshub::crypto::base64_encoded_size;

namespace {

struct Vector {
    std::string_view plain, encoded;
};

constexpr Vector kRfc4648[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list) s += static_cast<char>(b);
    return s;
}

}  // namespace

TEST(base64_rfc4648_encode) {
    for (const Vector& v : kRfc4648) CHECK_EQ(base64_encode(v.plain), v.encoded);
}

TEST(base64_rfc4648_decode) {
    for (const Vector& v : kRfc4648) {
        auto got = base64_decode(v.encoded);
        CHECK(got.has_value());
        if (got) CHECK_EQ(*got, v.plain);
    }
}

TEST(base64_encoded_size_values) {
    CHECK_EQ(base64_encoded_size(0), size_t{0});
    CHECK_EQ(base64_encoded_size(1), size_t{4});
    CHECK_EQ(base64_encoded_size(3), size_t{4});
    CHECK_EQ(base64_encoded_size(4), size_t{8});
    CHECK_EQ(base64_encoded_size(20), size_t{28});
}

TEST(base64_raw_encode_returns_count_and_no_terminator) {
    const uint8_t in[] = {'f', 'o', 'o', 'b'};
    char out[16];
    std::fill(std::begin(out), std::end(out), '#');
    CHECK_EQ(base64_encode(in, sizeof in, out), size_t{8});
    CHECK_EQ(std::string_view(out, 9), "Zm9vYg==#");
}

TEST(base64_binary_bytes) {
    CHECK_EQ(base64_encode(bytes({0x00})), "AA==");
    CHECK_EQ(base64_encode(bytes({0xff})), "/w==");
    CHECK_EQ(base64_encode(bytes({0xff, 0xff, 0xff})), "////");
    CHECK_EQ(base64_encode(bytes({0x00, 0x00, 0x00})), "AAAA");
    CHECK_EQ(base64_encode(bytes({0xfb, 0xff})), "+/8=");
    CHECK_EQ(base64_encode(bytes({0x00, 0xff, 0xfe})), "AP/+");
    auto d = base64_decode("AP/+");
    CHECK(d.has_value());
    if (d) CHECK_EQ(*d, bytes({0x00, 0xff, 0xfe}));
}

TEST(base64_every_byte_round_trips) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    CHECK_EQ(base64_encode(all).substr(0, 40), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
    for (size_t len = 0; len <= all.size(); ++len) {
        std::string plain = all.substr(all.size() - len);  // ends with 0xff
        auto back = base64_decode(base64_encode(plain));
        CHECK(back.has_value());
        if (back) CHECK_EQ(*back, plain);
    }
}

TEST(base64_strict_rejects) {
    const std::string_view bad[] = {
        "Z", "Zg", "Zg=", "Zm9vY", "Zm9vYg=",  // length not a multiple of 4
        "Zm9v!A==", "Zm9\x80", "Zm.v", "Zm9v*m9v",     // outside the alphabet
        " Zm9", "Zm9 ", "Zm\t9", "Zm9v\r\nZm", "Zm9\n",  // whitespace, aligned to 4
        " Zm9v", "Zm9v\n",                             // whitespace, unaligned
        "Zg==Zm9v", "Z=9v", "Zm=v", "=Zm9",           // '=' not at the end
        "Z===", "====", "Zm9v====",                     // too much padding
        "Zh==", "Zm9=", "Zm/=", "AB==",                 // non-zero unused bits
        "Zm-v", "Zm_v", "-w==", "_w==",                 // URL-safe alphabet
    };
    for (std::string_view s : bad) {
        if (base64_decode(s).has_value()) CHECK_EQ(std::string(s), "rejected");
    }
    // Their canonical twins are fine.
    CHECK(base64_decode("Zg==").has_value());
    CHECK(base64_decode("Zm8=").has_value());
    CHECK(base64_decode("+/8=").has_value());
    CHECK(base64_decode("/w==").has_value());
}

TEST(base64_nul_inside_rejected) {
    CHECK(!base64_decode(std::string_view("Zm9\0", 4)).has_value());
    CHECK(!base64_decode(std::string_view("\0\0\0\0", 4)).has_value());
}

TEST(base64_decode_into_buffer_respects_cap) {
    uint8_t out[8] = {};
    auto n = base64_decode("Zm9vYmFy", out, 6);
    CHECK(n.has_value());
    if (n) CHECK_EQ(*n, size_t{6});
    CHECK_EQ(std::string_view(reinterpret_cast<char*>(out), 6), "foobar");

    uint8_t small[5];
    CHECK(!base64_decode("Zm9vYmFy", small, sizeof small).has_value());
    CHECK(base64_decode("Zm9vYmE=", small, sizeof small).has_value());
    CHECK(!base64_decode("Zm9vYmE", small, sizeof small).has_value());
    auto zero = base64_decode("", small, 0);
    CHECK(zero.has_value());
    if (zero) CHECK_EQ(*zero, size_t{0});
}

// base64url (RFC 4648 section 5) without padding, as JWTs use it (RFC 7515
// section 2): the section 10 vectors with the '=' removed.
namespace {

using wshub::crypto::base64url_decode;
using wshub::crypto::base64url_encode;
using wshub::crypto::base64url_encoded_size;

constexpr Vector kRfc4648Url[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

}  // namespace

TEST(base64url_rfc4648_encode) {
    for (const Vector& v : kRfc4648Url) CHECK_EQ(base64url_encode(v.plain), v.encoded);
}

TEST(base64url_rfc4648_decode) {
    for (const Vector& v : kRfc4648Url) {
        auto got = base64url_decode(v.encoded);
        CHECK(got.has_value());
        if (got) CHECK_EQ(*got, v.plain);
    }
}

TEST(base64url_encoded_size_values) {
    const size_t want[] = {0, 2, 3, 4, 6, 7, 8, 10};
    for (size_t n = 0; n < std::size(want); ++n) CHECK_EQ(base64url_encoded_size(n), want[n]);
    CHECK_EQ(base64url_encoded_size(32), size_t{43});  // an HS256 signature
    for (size_t n = 0; n < 100; ++n) CHECK_EQ(base64url_encode(std::string(n, 'x')).size(), base64url_encoded_size(n));
}

TEST(base64url_raw_encode_returns_count_and_no_terminator) {
    const uint8_t in[] = {'f', 'o', 'o', 'b'};
    char out[16];
    std::fill(std::begin(out), std::end(out), '#');
    CHECK_EQ(wshub::crypto::base64url_encode(in, sizeof in, out), size_t{6});
    CHECK_EQ(std::string_view(out, 7), "Zm9vYg#");
}

// The two symbols where the alphabets differ, in every position of a group.
TEST(base64url_url_safe_symbols) {
    CHECK_EQ(base64url_encode(bytes({0xfb, 0xff})), "-_8");
    CHECK_EQ(base64url_encode(bytes({0xff})), "_w");
    CHECK_EQ(base64url_encode(bytes({0xfb})), "-w");
    CHECK_EQ(base64url_encode(bytes({0xff, 0xff, 0xff})), "____");
    CHECK_EQ(base64url_encode(bytes({0xfb, 0xef, 0xbe})), "----");
    CHECK_EQ(base64url_encode(bytes({0x00, 0xff, 0xfe})), "AP_-");
    auto d = base64url_decode("AP_-");
    CHECK(d.has_value());
    if (d) CHECK_EQ(*d, bytes({0x00, 0xff, 0xfe}));
}

// Every length of binary data round-trips, and agrees with base64 once the
// two symbols are swapped and the padding is added back.
TEST(base64url_every_byte_round_trips_and_matches_base64) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (size_t len = 0; len <= all.size(); ++len) {
        const std::string plain = all.substr(all.size() - len);
        const std::string url = base64url_encode(plain);
        std::string std_form = url;
        for (char& c : std_form) c = c == '-' ? '+' : c == '_' ? '/' : c;
        std_form.resize(base64_encoded_size(len), '=');
        CHECK_EQ(std_form, base64_encode(plain));
        auto back = base64url_decode(url);
        CHECK(back.has_value());
        if (back) CHECK_EQ(*back, plain);
    }
}

TEST(base64url_strict_rejects) {
    const std::string_view bad[] = {
        "Z", "Zm9vY", "Zm9vYmFyZ",                       // length 1 mod 4: 6 bits, no byte
        "Zg==", "Zm8=", "Zg=", "Zm9vYg==", "=", "====",  // padding of any kind
        "Zm9v=", "Z=9v", "=Zm9", "Zm9v====",
        "Zm+v", "Zm/v", "+w", "/w", "Zm9vYmF+", "AP/+",  // the standard alphabet's symbols
        "Zm9v!A", "Zm.v", "Zm9v*m9v", "Zm9\x80", "\xff\xff", "Zm%3D",  // outside the alphabet
        " Zm9", "Zm9 ", "Zm\t9", "Zm9v\r\n", "Zm9\n", " Zg", "Zg ",  // whitespace
        "Zh", "Zm9", "AB", "AAB", "Zm9vYh", "Zm9vYmF", "_x", "__9", "AAAAAAB",  // unused bits set
    };
    for (std::string_view s : bad) {
        if (base64url_decode(s).has_value()) CHECK_EQ(std::string(s), "rejected");
        uint8_t out[16];
        if (base64url_decode(s, out, sizeof out).has_value()) CHECK_EQ(std::string(s), "rejected");
    }
    // Their canonical twins are fine.
    for (std::string_view s : {"Zg", "Zm8", "AA", "AAA", "_w", "__8", "AAAAAAA"}) {
        if (!base64url_decode(s).has_value()) CHECK_EQ(std::string(s), "accepted");
    }
}

TEST(base64url_nul_inside_rejected) {
    CHECK(!base64url_decode(std::string_view("Zm9\0", 4)).has_value());
    CHECK(!base64url_decode(std::string_view("Zg\0", 3)).has_value());
    CHECK(!base64url_decode(std::string_view("\0\0", 2)).has_value());
}

TEST(base64url_decode_into_buffer_respects_cap) {
    uint8_t out[8] = {};
    auto n = base64url_decode("Zm9vYmFy", out, 6);
    CHECK(n.has_value());
    if (n) CHECK_EQ(*n, size_t{6});
    CHECK_EQ(std::string_view(reinterpret_cast<char*>(out), 6), "foobar");

    // "Zm9vYmE" is 5 bytes, "Zm9vYg" 4: the cap counts the decoded size, tail included.
    uint8_t small[5];
    CHECK(!base64url_decode("Zm9vYmFy", small, sizeof small).has_value());
    CHECK(base64url_decode("Zm9vYmE", small, sizeof small).has_value());
    CHECK(!base64url_decode("Zm9vYmE", small, 4).has_value());
    CHECK(base64url_decode("Zm9vYg", small, 4).has_value());
    CHECK(!base64url_decode("Zm9vYg", small, 3).has_value());
    auto zero = base64url_decode("", small, 0);
    CHECK(zero.has_value());
    if (zero) CHECK_EQ(*zero, size_t{0});
    CHECK(!base64url_decode("Zg", small, 0).has_value());
}

// A cap that is too small must stop the decoder before it writes: a guard
// byte after the buffer stays untouched.
TEST(base64url_never_writes_past_cap) {
    uint8_t buf[8];
    std::fill(std::begin(buf), std::end(buf), 0xee);
    CHECK(!base64url_decode("Zm9vYmFy", buf, 5).has_value());
    CHECK_EQ(buf[5], uint8_t{0xee});
    CHECK(!base64url_decode("Zm9vYmE", buf, 4).has_value());
    CHECK_EQ(buf[4], uint8_t{0xee});
}
