// auth::RoomPasswords: which password lets a client into which room, and the
// whole set replaced while other threads check.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/room_passwords.h"
#include "check.h"

using wshub::auth::RoomPassword;
using wshub::auth::RoomPasswords;

TEST(room_passwords_allow_only_the_rooms_password) {
    const std::vector<RoomPassword> list{{"vip", "s3cret"}, {"ops", "p w"}};
    const RoomPasswords p(list);
    CHECK_EQ(p.size(), 2u);
    CHECK(p.allows("vip", "s3cret"));
    CHECK(!p.allows("vip", "S3cret"));
    CHECK(!p.allows("vip", ""));
    CHECK(!p.allows("vip", "p w"));  // another room's password
    CHECK(p.allows("ops", "p w"));
    CHECK(p.allows("lobby", ""));  // no password: anyone
    CHECK(p.allows("lobby", "anything"));
    CHECK(!p.allows("vip", "s3cret\n"));
    const RoomPasswords none;
    CHECK_EQ(none.size(), 0u);
    CHECK(none.allows("vip", ""));
}

TEST(room_passwords_replaced_whole) {
    RoomPasswords p(std::vector<RoomPassword>{{"vip", "old"}, {"gone", "x"}});
    p.replace(std::vector<RoomPassword>{{"vip", "new"}, {"added", "y"}});
    CHECK_EQ(p.size(), 2u);
    CHECK(!p.allows("vip", "old"));
    CHECK(p.allows("vip", "new"));
    CHECK(p.allows("gone", ""));  // no password any more
    CHECK(!p.allows("added", ""));
    CHECK(p.allows("added", "y"));
    p.replace({});
    CHECK_EQ(p.size(), 0u);
    CHECK(p.allows("vip", ""));
}

// Threads check while another replaces the set over and over: each check
// sees one set or the other, never a mix (the room both sets hold keeps its
// password), and nothing is freed under a reader (ASan in `make asan`).
TEST(room_passwords_replace_while_checking) {
    const std::vector<RoomPassword> a{{"kept", "k"}, {"moving", "one"}}, b{{"moving", "two"}, {"kept", "k"}};
    RoomPasswords p(a);
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0}, checks{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t)
        readers.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
                if (!p.allows("kept", "k") || p.allows("kept", "one")) wrong.fetch_add(1);
                if (p.allows("moving", "three") || p.size() != 2) wrong.fetch_add(1);
                checks.fetch_add(1);
            }
        });
    // Until the readers have been at it for a while, however late they start.
    for (int i = 0; i < 2000 || checks.load() < 300; ++i) p.replace(i % 2 ? a : b);
    stop = true;
    for (auto& t : readers) t.join();
    CHECK_EQ(wrong.load(), 0);
}
