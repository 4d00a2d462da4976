// Constant-time equality: correct answers for every position and bit of a
// difference. (That the time does not depend on the data is a property of
// the code's shape, not something a unit test can measure reliably.)
#include <string>

#include "check.h"
#include "crypto/constant_time.h"

using wshub::crypto::equal_constant_time;

TEST(constant_time_equal_and_empty) {
    CHECK(equal_constant_time("abc", "abc", 3));
    CHECK(equal_constant_time("abc", "xyz", 0));
    CHECK(equal_constant_time(nullptr, nullptr, 0));
    CHECK(equal_constant_time(std::string_view(), std::string_view()));
    CHECK(equal_constant_time(std::string_view("abc"), std::string_view("abc")));
}

TEST(constant_time_every_byte_and_bit) {
    std::string a(33, '\0');
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<char>(i * 37 + 1);
    for (size_t i = 0; i < a.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string b = a;
            b[i] = static_cast<char>(b[i] ^ (1 << bit));
            if (equal_constant_time(a.data(), b.data(), a.size())) {
                CHECK_EQ(i * 8 + static_cast<size_t>(bit), size_t{9999});  // names the miss
            }
            CHECK(!equal_constant_time(std::string_view(a), std::string_view(b)));
        }
    }
    CHECK(equal_constant_time(a.data(), std::string(a).data(), a.size()));
}

// A difference of 0xff in a byte, or in every byte, still reads as different.
TEST(constant_time_all_bits_differ) {
    const std::string zeros(32, '\0'), ones(32, '\xff');
    CHECK(!equal_constant_time(zeros.data(), ones.data(), 32));
    std::string one_byte = zeros;
    one_byte[31] = '\xff';
    CHECK(!equal_constant_time(zeros.data(), one_byte.data(), 32));
    CHECK(equal_constant_time(zeros.data(), one_byte.data(), 31));  // only n bytes are read
}

// Lengths are public: different lengths are unequal even when one is a prefix.
TEST(constant_time_string_view_lengths) {
    CHECK(!equal_constant_time(std::string_view("abc"), std::string_view("abcd")));
    CHECK(!equal_constant_time(std::string_view(""), std::string_view("a")));
    CHECK(!equal_constant_time(std::string_view("abc\0", 4), std::string_view("abc")));
    CHECK(equal_constant_time(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}
