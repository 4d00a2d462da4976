// redact_target: token and room_password values never reach a log, however
// they are spelled (encoded, repeated, empty, in a fragment, in a malformed
// query), and every other byte of the target is kept.
#include <cstdio>
#include <string>

#include "check.h"
#include "http/redact.h"

using wshub::http::redact_target;

namespace {

struct Case {
    const char* name;
    const char* target;
    const char* logged;
};

void check_cases(const Case* begin, const Case* end) {
    for (const Case* c = begin; c != end; ++c) {
        const std::string got = redact_target(c->target);
        if (got != c->logged) {
            std::fprintf(stderr, "  case: %s\n", c->name);
            CHECK_EQ(got, std::string(c->logged));
        }
    }
}

}  // namespace

TEST(redact_leaves_other_targets_alone) {
    const Case cases[] = {
        {"path only", "/ws", "/ws"},
        {"root", "/", "/"},
        {"empty", "", ""},
        {"empty query", "/ws?", "/ws?"},
        {"plain params", "/ws?room=a&room=b&x=1", "/ws?room=a&room=b&x=1"},
        {"param without value", "/ws?flag", "/ws?flag"},
        {"name is a longer word", "/ws?tokens=a&token_x=b&xtoken=c", "/ws?tokens=a&token_x=b&xtoken=c"},
        {"name is a prefix", "/ws?toke=a&room_passwor=b&room=c", "/ws?toke=a&room_passwor=b&room=c"},
        {"token as a value", "/ws?room=token&name=room_password", "/ws?room=token&name=room_password"},
        {"encoded value kept as is", "/ws?room=a%20b+c&x=%E2%82%AC", "/ws?room=a%20b+c&x=%E2%82%AC"},
        {"bad escape in a value", "/ws?room=%zz", "/ws?room=%zz"},
        {"token in the path", "/token=abc", "/token=abc"},
        {"encoded separators in a name", "/ws?%26token=a&tok%3Den=b", "/ws?%26token=a&tok%3Den=b"},
        {"plus makes a space", "/ws?+token=a&token+=b", "/ws?+token=a&token+=b"},
        {"encoded NUL", "/ws?token%00=a", "/ws?token%00=a"},
        {"long name", "/ws?room_password_and_more=a", "/ws?room_password_and_more=a"},
        {"empty pairs", "/ws?&&room=a&&", "/ws?&&room=a&&"},
    };
    check_cases(std::begin(cases), std::end(cases));
}

TEST(redact_token_and_room_password) {
    const Case cases[] = {
        {"token", "/ws?token=abc.def.ghi", "/ws?token=REDACTED"},
        {"room_password", "/ws?room_password=s3cret", "/ws?room_password=REDACTED"},
        {"among others", "/ws?room=a&token=abc&x=1", "/ws?room=a&token=REDACTED&x=1"},
        {"first", "/ws?token=abc&room=a", "/ws?token=REDACTED&room=a"},
        {"last", "/ws?room=a&room_password=pw", "/ws?room=a&room_password=REDACTED"},
        {"both", "/ws?token=t&room=a&room_password=p", "/ws?token=REDACTED&room=a&room_password=REDACTED"},
        {"repeated token", "/ws?token=a&token=b&token=c", "/ws?token=REDACTED&token=REDACTED&token=REDACTED"},
        {"repeated password", "/ws?room_password=a&room=r&room_password=b",
         "/ws?room_password=REDACTED&room=r&room_password=REDACTED"},
        {"value with '='", "/ws?token=a=b==", "/ws?token=REDACTED"},
        {"value with escapes", "/ws?token=%41%42+c", "/ws?token=REDACTED"},
        {"value with a bad escape", "/ws?token=%zz&room=a", "/ws?token=REDACTED&room=a"},
        {"value with '?'", "/ws?token=a?b&room=a", "/ws?token=REDACTED&room=a"},
        {"after empty pairs", "/ws?&&token=a&&", "/ws?&&token=REDACTED&&"},
        {"absolute-form target", "http://h/ws?token=abc", "http://h/ws?token=REDACTED"},
        {"question mark in a value", "/ws?next=/x?token=abc", "/ws?next=/x?token=REDACTED"},
    };
    check_cases(std::begin(cases), std::end(cases));
}

TEST(redact_encoded_names) {
    const Case cases[] = {
        {"%74oken", "/ws?%74oken=abc", "/ws?%74oken=REDACTED"},
        {"all encoded", "/ws?%74%6f%6b%65%6e=abc", "/ws?%74%6f%6b%65%6e=REDACTED"},
        {"upper-case hex", "/ws?%74%6F%6B%65%6E=abc", "/ws?%74%6F%6B%65%6E=REDACTED"},
        {"encoded underscore", "/ws?room%5Fpassword=pw", "/ws?room%5Fpassword=REDACTED"},
        {"last letter encoded", "/ws?room_passwor%64=pw", "/ws?room_passwor%64=REDACTED"},
        {"upper case name", "/ws?TOKEN=abc", "/ws?TOKEN=REDACTED"},
        {"mixed case name", "/ws?Room_Password=pw", "/ws?Room_Password=REDACTED"},
        {"encoded upper case", "/ws?%54oken=abc", "/ws?%54oken=REDACTED"},
    };
    check_cases(std::begin(cases), std::end(cases));
}

TEST(redact_empty_and_valueless) {
    const Case cases[] = {
        {"empty token", "/ws?token=", "/ws?token="},
        {"empty token then more", "/ws?token=&room=a", "/ws?token=&room=a"},
        {"token without '='", "/ws?token", "/ws?token"},
        {"token without '=' then more", "/ws?token&room_password&x=1", "/ws?token&room_password&x=1"},
        {"empty then given", "/ws?token=&token=abc", "/ws?token=&token=REDACTED"},
    };
    check_cases(std::begin(cases), std::end(cases));
}

TEST(redact_other_separators_and_fragments) {
    const Case cases[] = {
        {"semicolon separates names", "/ws?room=a;token=abc", "/ws?room=a;token=REDACTED"},
        {"the value runs to '&'", "/ws?token=abc;def&room=a", "/ws?token=REDACTED&room=a"},
        {"fragment after the query", "/ws?room=a#token=abc", "/ws?room=a#token=REDACTED"},
        {"fragment without query", "/ws#token=abc", "/ws#token=REDACTED"},
        {"fragment with other params", "/ws#x=1&room_password=p&y=2", "/ws#x=1&room_password=REDACTED&y=2"},
        {"token value swallows a fragment", "/ws?token=abc#frag", "/ws?token=REDACTED"},
        {"token value with '#' and more", "/ws?token=abc#x&room=a", "/ws?token=REDACTED&room=a"},
        {"fragment before '?'", "/ws#x?token=abc", "/ws#x?token=REDACTED"},
        {"plain fragment kept", "/ws?room=a#top", "/ws?room=a#top"},
        {"empty fragment", "/ws#", "/ws#"},
        {"second question mark", "/ws??token=abc", "/ws??token=REDACTED"},
    };
    check_cases(std::begin(cases), std::end(cases));
}

TEST(redact_malformed_names_hide_the_whole_query) {
    const Case cases[] = {
        {"bad escape in a name", "/ws?%7token=abc", "/ws?REDACTED"},
        {"truncated escape at the end", "/ws?room=a&token=abc&%7", "/ws?REDACTED"},
        {"lone percent", "/ws?%=1&token=abc", "/ws?REDACTED"},
        {"non-hex escape", "/ws?t%zzoken=abc", "/ws?REDACTED"},
        {"bad name after the token", "/ws?token=abc&%g1=x", "/ws?REDACTED"},
        {"bad name in a fragment", "/ws#%q=1&token=abc", "/ws#REDACTED"},
        {"bad name after ';'", "/ws?room=a;%=x", "/ws?REDACTED"},
    };
    check_cases(std::begin(cases), std::end(cases));
}

TEST(redact_never_leaks_a_marked_value) {
    // Whatever surrounds it, the secret's bytes are gone from the result.
    const char* secret = "S3CRETVALUE";
    for (const char* prefix : {"", "a=1&", "%41=1&", "&", ";", "x#", "?", "a=%zz&", "token&"}) {
        for (const char* name : {"token", "room_password", "%74oken", "TOKEN", "room%5fpassword"}) {
            for (const char* suffix : {"", "&b=2", "#f", ";c=3", "&%7"}) {
                const std::string target = std::string("/ws?") + prefix + name + "=" + secret + suffix;
                const std::string got = redact_target(target);
                if (got.find(secret) != std::string::npos) CHECK_EQ(got, "no " + std::string(secret));
            }
        }
    }
}
