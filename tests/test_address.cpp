#include "check.h"
#include "net/address.h"

using wshub::net::parse_address;

TEST(address_parse_forms) {
    struct Case {
        const char* text;
        const char* shown;  // nullptr: rejected
    } cases[] = {
        {"127.0.0.1:8080", "127.0.0.1:8080"},
        {"localhost:1", "127.0.0.1:1"},
        {":9000", "0.0.0.0:9000"},
        {"*:9000", "0.0.0.0:9000"},
        {"[::1]:443", "[::1]:443"},
        {"[::]:0", "[::]:0"},
        {"127.0.0.1", nullptr},
        {"127.0.0.1:", nullptr},
        {"127.0.0.1:65536", nullptr},
        {"127.0.0.1:-1", nullptr},
        {"127.0.0.1:80x", nullptr},
        {"300.0.0.1:80", nullptr},
        {"::1:80", nullptr},
        {"[::1:80", nullptr},
        {"example.com:80", nullptr},
    };
    for (const auto& k : cases) {
        auto a = parse_address(k.text);
        if (k.shown) {
            CHECK(a.has_value());
            if (a) CHECK_EQ(a->to_string(), std::string(k.shown));
        } else {
            CHECK(!a.has_value());
        }
    }
}
