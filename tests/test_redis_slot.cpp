// Redis Cluster key slots: CRC16-XMODEM's published check value, the cluster
// specification's hash-tag rules one case per line, and MOVED / ASK
// redirections read from error text.
#include <string>

#include "check.h"
#include "redis/redirect.h"
#include "redis/slot.h"

using namespace wshub::redis;

TEST(redis_crc16_known_answers) {
    // The CRC catalogue's check value for CRC-16/XMODEM, which the cluster
    // specification also gives for "123456789".
    CHECK_EQ(crc16_xmodem("123456789"), uint16_t{0x31C3});
    CHECK_EQ(crc16_xmodem(""), uint16_t{0});
    CHECK_EQ(crc16_xmodem("A"), uint16_t{0x58E5});
    CHECK_EQ(crc16_xmodem(std::string_view("\0", 1)), uint16_t{0});
    CHECK_EQ(crc16_xmodem("\xff"), uint16_t{0x1EF0});
}

TEST(redis_key_slot_known_answers) {
    CHECK_EQ(key_slot("123456789"), uint16_t{0x31C3 % 16384});
    CHECK_EQ(key_slot("123456789"), uint16_t{12739});
    // Slots redis-cli CLUSTER KEYSLOT gives for these.
    CHECK_EQ(key_slot("foo"), uint16_t{12182});
    CHECK_EQ(key_slot("bar"), uint16_t{5061});
    CHECK_EQ(key_slot("hello"), uint16_t{866});
    CHECK_EQ(key_slot(""), uint16_t{0});
    for (const char* key : {"a", "user:1000", "\xff\xfe", "{", "}{"}) CHECK_LT(key_slot(key), kSlotCount);
}

struct TagCase {
    const char* key;
    const char* hashed;
};

// The cluster specification's examples of hash tags, and the edges around them.
const TagCase kTags[] = {
    {"{user1000}.following", "user1000"},
    {"{user1000}.followers", "user1000"},
    {"foo{}{bar}", "foo{}{bar}"},      // the first tag is empty: the whole key
    {"foo{{bar}}zap", "{bar"},          // from the first '{' to the first '}' after it
    {"foo{bar}{zap}", "bar"},           // the first tag only
    {"{}", "{}"},
    {"{", "{"},
    {"}", "}"},
    {"}{a}", "a"},
    {"a{b", "a{b"},                      // no '}' after the '{'
    {"a}b{c", "a}b{c"},                  // the '}' is before the '{'
    {"{a}", "a"},
    {"x{ }y", " "},
    {"plain", "plain"},
};

TEST(redis_hash_tags) {
    for (const TagCase& c : kTags) {
        CHECK_EQ(hashed_part(c.key), c.hashed);
        CHECK_EQ(key_slot(c.key), key_slot(c.hashed));
    }
    CHECK_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
    CHECK_EQ(key_slot("room{42}"), key_slot("{42}other"));
    // A tag's slot is its content's: "{123456789}" lands where "123456789" does.
    CHECK_EQ(key_slot("{123456789}xyz"), uint16_t{12739});
}

namespace {

std::string redirect(std::string_view text) {
    Redirect r;
    if (!parse_redirect(text, r)) return "none";
    return std::string(r.kind == Redirect::Kind::moved ? "moved " : "ask ") + std::to_string(r.slot) + " [" +
           std::string(r.host) + "] " + std::to_string(r.port);
}

}  // namespace

TEST(redis_redirects) {
    CHECK_EQ(redirect("MOVED 3999 127.0.0.1:6381"), "moved 3999 [127.0.0.1] 6381");
    CHECK_EQ(redirect("ASK 3999 127.0.0.1:6381"), "ask 3999 [127.0.0.1] 6381");
    CHECK_EQ(redirect("MOVED 0 redis-0.example:7000"), "moved 0 [redis-0.example] 7000");
    CHECK_EQ(redirect("MOVED 16383 ::1:6379"), "moved 16383 [::1] 6379");
    CHECK_EQ(redirect("MOVED 12182 :6380"), "moved 12182 [] 6380");  // unknown endpoint: this connection's host
    CHECK_EQ(redirect("MOVED 16384 127.0.0.1:6381"), "none");
    CHECK_EQ(redirect("MOVED 3999 127.0.0.1:0"), "none");
    CHECK_EQ(redirect("MOVED 3999 127.0.0.1:65536"), "none");
    CHECK_EQ(redirect("MOVED 3999 127.0.0.1"), "none");
    CHECK_EQ(redirect("MOVED 3999 127.0.0.1:"), "none");
    CHECK_EQ(redirect("MOVED 3999"), "none");
    CHECK_EQ(redirect("MOVED  3999 a:1"), "none");
    CHECK_EQ(redirect("MOVED 3999 a b:1"), "none");
    CHECK_EQ(redirect("MOVED -1 a:1"), "none");
    CHECK_EQ(redirect("MOVED 3999 a:1x"), "none");
    CHECK_EQ(redirect("moved 3999 a:1"), "none");
    CHECK_EQ(redirect("ERR unknown command"), "none");
    CHECK_EQ(redirect("ASKING"), "none");
    CHECK_EQ(redirect(""), "none");
}
