// A tiny test harness: TEST(name) registers a case; CHECK* record a failure with
// both sides printed and let the case continue, so one run shows every mismatch.
// The runner (tests/main.cpp) prints "N passed, M failed" as its last line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace check {

using TestFn = void (*)();

struct Registrar {
    Registrar(const char* name, TestFn fn);
};

// Marks the running case failed and prints where and why.
void fail(const char* file, int line, const std::string& what);

template <typename T>
std::string show(const T& v) {
    std::ostringstream os;
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view> ||
                  std::is_convertible_v<T, std::string_view>) {
        std::string_view s(v);
        os << '"';
        for (unsigned char c : s) {
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                os << c;
            } else {
                static const char* hex = "0123456789abcdef";
                os << "\\x" << hex[c >> 4] << hex[c & 15];
            }
        }
        os << '"';
    } else if constexpr (std::is_same_v<T, bool>) {
        os << (v ? "true" : "false");
    } else if constexpr (std::is_enum_v<T>) {
        os << static_cast<long long>(v);
    } else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t> ||
                         std::is_same_v<T, char>) {
        os << static_cast<int>(v);
    } else {
        os << v;
    }
    return os.str();
}

}  // namespace check

#define CHECK_CONCAT2(a, b) a##b
#define CHECK_CONCAT(a, b) CHECK_CONCAT2(a, b)

#define TEST(name)                                                           \
    static void name();                                                      \
    static ::check::Registrar CHECK_CONCAT(check_reg_, name)(#name, &name);  \
    static void name()

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) ::check::fail(__FILE__, __LINE__, "CHECK(" #cond ")");  \
    } while (0)

#define CHECK_OP(a, op, b)                                                   \
    do {                                                                     \
        const auto& check_a_ = (a);                                          \
        const auto& check_b_ = (b);                                          \
        if (!(check_a_ op check_b_))                                         \
            ::check::fail(__FILE__, __LINE__,                                \
                          std::string(#a " " #op " " #b ": ") +              \
                              ::check::show(check_a_) + " vs " +             \
                              ::check::show(check_b_));                      \
    } while (0)

#define CHECK_EQ(a, b) CHECK_OP(a, ==, b)
#define CHECK_NE(a, b) CHECK_OP(a, !=, b)
#define CHECK_LT(a, b) CHECK_OP(a, <, b)
#define CHECK_LE(a, b) CHECK_OP(a, <=, b)
#define CHECK_GT(a, b) CHECK_OP(a, >, b)
#define CHECK_GE(a, b) CHECK_OP(a, >=, b)
