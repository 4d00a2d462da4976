// --redis URL forms: what each gives, and what is refused with which words
// (never the password's).
#include <string>

#include "check.h"
#include "config/redis_url.h"

using wshub::config::parse_redis_url;
using wshub::config::RedisTarget;

namespace {

std::string parsed(const char* url) {
    RedisTarget t;
    std::string why;
    if (!parse_redis_url(url, t, why)) return "refused: " + why;
    return t.address.to_string() + " user=" + t.user + " password=" + t.password + " db=" + std::to_string(t.db);
}

}  // namespace

TEST(redis_url_forms) {
    CHECK_EQ(parsed("redis://127.0.0.1"), "127.0.0.1:6379 user= password= db=0");
    CHECK_EQ(parsed("redis://127.0.0.1:7000/3"), "127.0.0.1:7000 user= password= db=3");
    CHECK_EQ(parsed("redis://localhost:6380/"), "127.0.0.1:6380 user= password= db=0");
    CHECK_EQ(parsed("redis://[::1]:6379/15"), "[::1]:6379 user= password= db=15");
    CHECK_EQ(parsed("redis://[::1]"), "[::1]:6379 user= password= db=0");
    CHECK_EQ(parsed("redis://:s3cret@127.0.0.1:6379"), "127.0.0.1:6379 user= password=s3cret db=0");
    CHECK_EQ(parsed("redis://app:p%40ss%3Aw0rd@127.0.0.1"), "127.0.0.1:6379 user=app password=p@ss:w0rd db=0");
    CHECK_EQ(parsed("redis://:a@b@127.0.0.1"), "127.0.0.1:6379 user= password=a@b db=0");  // the last '@' ends it
}

TEST(redis_url_refusals) {
    const struct {
        const char* url;
        const char* starts;
    } cases[] = {
        {"127.0.0.1:6379", "refused: expected redis://"},
        {"http://127.0.0.1", "refused: expected redis://"},
        {"rediss://127.0.0.1", "refused: rediss:// (TLS) is not supported"},
        {"redis://", "refused: expected a numeric HOST"},
        {"redis://redis.internal:6379", "refused: expected a numeric HOST"},
        {"redis://127.0.0.1:0", "refused: expected a numeric HOST"},
        {"redis://127.0.0.1:65536", "refused: expected a numeric HOST"},
        {"redis://*:6379", "refused: expected a numeric HOST"},
        {"redis://:6379", "refused: expected a numeric HOST"},
        {"redis://[::1:6379", "refused: expected a numeric HOST"},
        {"redis://127.0.0.1/x", "refused: expected a database number"},
        {"redis://127.0.0.1/1000001", "refused: expected a database number"},
        {"redis://127.0.0.1/-1", "refused: expected a database number"},
        {"redis://s3cret@127.0.0.1", "refused: expected USER:PASSWORD"},
        {"redis://:bad%zz@127.0.0.1", "refused: expected USER:PASSWORD"},
        {"redis://:bad%4@127.0.0.1", "refused: expected USER:PASSWORD"},
    };
    for (const auto& c : cases) {
        const std::string got = parsed(c.url);
        CHECK_EQ(std::string(c.url) + " -> " + got.substr(0, std::string(c.starts).size()),
                 std::string(c.url) + " -> " + c.starts);
        CHECK_EQ(got.find("s3cret"), std::string::npos);
    }
}
