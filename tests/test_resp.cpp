// RESP replies that parse: every type in its RESP2 and RESP3 forms, one named
// case per line, each read at once, on every proper prefix (incomplete), on
// every split of its bytes through a resumed Parser, a byte at a time, with
// the next reply behind it, and under limits exactly at and one short of what
// it needs. Then walking replies the way the bus will (pushes, CLUSTER SHARDS)
// and commands written by the encoder read back.
#include <string>
#include <vector>

#include "check.h"
#include "redis/command.h"
#include "redis/resp.h"
#include "resp_text.h"

using namespace wshub::redis;
using namespace std::string_view_literals;
using resp_text::describe;

namespace {

struct Case {
    const char* name;
    std::string_view wire;
    const char* want;  // describe() of the value
};

constexpr Limits kRoomy{kMaxDepthCap, 1 << 20, 1 << 20, 1 << 24};

const Case kReplies[] = {
    // RESP2
    {"simple_ok", "+OK\r\n", R"(+"OK")"},
    {"simple_empty", "+\r\n", R"(+"")"},
    {"simple_error", "-ERR unknown command 'FOO'\r\n", R"(-"ERR unknown command 'FOO'")"},
    {"moved", "-MOVED 3999 127.0.0.1:6381\r\n", R"(-"MOVED 3999 127.0.0.1:6381")"},
    {"integer_zero", ":0\r\n", ":0"},
    {"integer_negative", ":-1\r\n", ":-1"},
    {"integer_plus", ":+42\r\n", ":42"},
    {"integer_minus_zero", ":-0\r\n", ":0"},
    {"integer_max", ":9223372036854775807\r\n", ":9223372036854775807"},
    {"integer_min", ":-9223372036854775808\r\n", ":-9223372036854775808"},
    {"bulk", "$5\r\nhello\r\n", R"($"hello")"},
    {"bulk_empty", "$0\r\n\r\n", R"($"")"},
    {"bulk_binary", "$6\r\na\r\n\0\rb\r\n"sv, R"($"a\x0d\x0a\x00\x0db")"},
    {"bulk_null", "$-1\r\n", "_"},
    {"array_null", "*-1\r\n", "_"},
    {"array_empty", "*0\r\n", "*[]"},
    {"array_mixed", "*4\r\n:1\r\n$1\r\nx\r\n+y\r\n$-1\r\n", R"(*[:1, $"x", +"y", _])"},
    {"array_nested", "*2\r\n*2\r\n:1\r\n*0\r\n*1\r\n*1\r\n:2\r\n", "*[*[:1, *[]], *[*[:2]]]"},
    {"array_with_error", "*2\r\n-ERR a\r\n:3\r\n", R"(*[-"ERR a", :3])"},
    {"subscribe", "*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n", R"(*[$"subscribe", $"room", :1])"},
    {"message", "*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nhello\r\n", R"(*[$"message", $"room", $"hello"])"},
    {"pmessage", "*4\r\n$8\r\npmessage\r\n$2\r\nr*\r\n$2\r\nr1\r\n$0\r\n\r\n", R"(*[$"pmessage", $"r*", $"r1", $""])"},
    {"cluster_slots",
     "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:7000\r\n$4\r\nabcd\r\n*0\r\n",
     R"(*[*[:0, :16383, *[$"127.0.0.1", :7000, $"abcd", *[]]]])"},
    // RESP3
    {"null", "_\r\n", "_"},
    {"true", "#t\r\n", "#t"},
    {"false", "#f\r\n", "#f"},
    {"double", ",1.23\r\n", ",1.23=1.23"},
    {"double_integral", ",10\r\n", ",10=10"},
    {"double_exponent", ",-1.5e10\r\n", ",-1.5e10=-1.5e+10"},
    {"double_exponent_signs", ",+2E-3\r\n", ",+2E-3=0.002"},
    {"double_inf", ",inf\r\n", ",inf=inf"},
    {"double_minus_inf", ",-inf\r\n", ",-inf=-inf"},
    {"double_nan", ",nan\r\n", ",nan=nan"},
    {"double_overflow", ",1e400\r\n", ",1e400=inf"},
    {"double_negative_overflow", ",-123.4e308\r\n", ",-123.4e308=-inf"},
    {"double_underflow", ",0.00001e-400\r\n", ",0.00001e-400=0"},
    {"big_number", "(3492890328409238509324850943850943825024385\r\n",
     "(3492890328409238509324850943850943825024385"},
    {"big_number_negative", "(-1\r\n", "(-1"},
    {"bulk_error", "!21\r\nSYNTAX invalid syntax\r\n", R"(!"SYNTAX invalid syntax")"},
    {"bulk_error_empty", "!0\r\n\r\n", R"(!"")"},
    {"verbatim", "=15\r\ntxt:Some string\r\n", R"(=txt:"Some string")"},
    {"verbatim_empty_text", "=4\r\nmkd:\r\n", R"(=mkd:"")"},
    {"map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", R"(%{+"first": :1, +"second": :2})"},
    {"map_empty", "%0\r\n", "%{}"},
    {"set", "~3\r\n+a\r\n:1\r\n#f\r\n", R"(~[+"a", :1, #f])"},
    {"push_message", ">3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nhello\r\n", R"(>[$"message", $"room", $"hello"])"},
    {"push_smessage", ">3\r\n$8\r\nsmessage\r\n$5\r\n{a}bc\r\n$1\r\nx\r\n", R"(>[$"smessage", $"{a}bc", $"x"])"},
    {"push_ssubscribe", ">3\r\n$10\r\nssubscribe\r\n$2\r\nch\r\n:1\r\n", R"(>[$"ssubscribe", $"ch", :1])"},
    {"attribute", "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
     R"(|{+"key-popularity": %{$"a": ,0.1923=0.1923, $"b": ,0.0012=0.0012}} *[:2039123, :9543892])"},
    {"attribute_empty", "|0\r\n:1\r\n", "|{} :1"},
    {"attribute_twice", "|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n+OK\r\n", R"(|{+"a": :1} |{+"b": :2} +"OK")"},
    {"attribute_inside", "*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n", R"(*[|{+"ttl": :3600} :1, :2])"},
    {"attribute_on_aggregate", "%1\r\n|1\r\n+k\r\n_\r\n+key\r\n|1\r\n+v\r\n#t\r\n~1\r\n:1\r\n",
     R"(%{|{+"k": _} +"key": |{+"v": #t} ~[:1]})"},
    {"hello3_shape", "%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n",
     R"(%{$"server": $"redis", $"proto": :3, $"modules": *[]})"},
};

std::string at_once(std::string_view wire, const Limits& limits = kRoomy) {
    return describe(parse_reply(wire, limits));
}

std::string complete(const Case& c) { return "complete " + std::to_string(c.wire.size()) + " " + c.want; }

}  // namespace

TEST(resp_replies_parse) {
    for (const Case& c : kReplies) {
        const Reply r = parse_reply(c.wire, kRoomy);
        if (describe(r) != complete(c)) std::fprintf(stderr, "  case %s\n", c.name);
        CHECK_EQ(describe(r), complete(c));
    }
}

TEST(resp_values_are_views_into_the_input) {
    const std::string wire = "*2\r\n$5\r\nhello\r\n=7\r\ntxt:abc\r\n";
    const Reply r = parse_reply(wire, kRoomy);
    Value v[2];
    CHECK_EQ(take(r.value, v, 2), size_t{2});
    CHECK(v[0].text.data() == wire.data() + 8);
    CHECK(v[1].format.data() == wire.data() + 19);
    CHECK(v[1].text.data() == wire.data() + 23);
    CHECK(r.value.children.data() == wire.data() + 4);
    CHECK_EQ(r.value.children.size(), wire.size() - 4);
}

// picohttpparser's discipline: a proper prefix of a reply is incomplete, never an error or a value.
TEST(resp_every_prefix_is_incomplete) {
    for (const Case& c : kReplies) {
        for (size_t k = 0; k < c.wire.size(); ++k) {
            const std::string got = at_once(c.wire.substr(0, k));
            if (got != "incomplete") std::fprintf(stderr, "  case %s, prefix %zu\n", c.name, k);
            CHECK_EQ(got, "incomplete");
        }
    }
}

// A Parser resumed after a prefix, then given the whole reply (in a moved
// buffer), answers as if it had the whole reply at once.
TEST(resp_every_split_resumes) {
    for (const Case& c : kReplies) {
        for (size_t k = 0; k <= c.wire.size(); ++k) {
            Parser parser;
            const std::string first(c.wire.substr(0, k));
            const Reply r1 = parser.parse(first, kRoomy);
            const std::string whole(c.wire);
            const std::string got = k == c.wire.size() ? describe(r1) : describe(parser.parse(whole, kRoomy));
            if (got != complete(c)) std::fprintf(stderr, "  case %s, split %zu\n", c.name, k);
            CHECK_EQ(got, complete(c));
        }
    }
}

TEST(resp_byte_at_a_time) {
    for (const Case& c : kReplies) {
        Parser parser;
        std::string got;
        for (size_t k = 1; k <= c.wire.size(); ++k) {
            got = describe(parser.parse(c.wire.substr(0, k), kRoomy));
            if (k < c.wire.size() && got != "incomplete") break;
        }
        if (got != complete(c)) std::fprintf(stderr, "  case %s\n", c.name);
        CHECK_EQ(got, complete(c));
    }
}

// Bytes after a reply belong to the next one: not looked at, not consumed;
// consuming the first reply's length leaves the next one whole.
TEST(resp_reply_then_the_next) {
    for (const Case& c : kReplies) {
        const std::string two = std::string(c.wire) + "+next\r\n" + "\r\n\x01";
        Parser parser;
        const Reply r = parser.parse(two, kRoomy);
        CHECK_EQ(describe(r), complete(c));
        CHECK_EQ(describe(parser.parse(std::string_view(two).substr(r.length), kRoomy)),
                 R"(complete 7 +"next")");
    }
}

// Limits exactly at what a reply needs let it through; one short of any of
// them refuses it with that limit's error (the depth, the longest string, the
// largest aggregate, the reply's size), whichever part of the reply needs it.
TEST(resp_limits_at_and_past_what_each_reply_needs) {
    for (const Case& c : kReplies) {
        const resp_text::Measure m = resp_text::measure(parse_reply(c.wire, kRoomy).value);
        const Limits exact{m.depth, m.longest_string, m.most_elements, c.wire.size()};
        const std::string at = at_once(c.wire, exact);
        if (at != complete(c)) std::fprintf(stderr, "  case %s\n", c.name);
        CHECK_EQ(at, complete(c));
        if (m.depth > 0) {
            Limits l = exact;
            l.max_depth = m.depth - 1;
            CHECK_EQ(at_once(c.wire, l), "error too_deep");
        }
        if (m.longest_string > 0) {
            Limits l = exact;
            l.max_string = m.longest_string - 1;
            CHECK_EQ(at_once(c.wire, l), "error string_too_long");
        }
        if (m.most_elements > 0) {
            Limits l = exact;
            l.max_elements = m.most_elements - 1;
            CHECK_EQ(at_once(c.wire, l), "error too_many_elements");
        }
        Limits l = exact;
        l.max_reply = c.wire.size() - 1;
        const std::string past = at_once(c.wire, l);
        if (past != "error reply_too_large") std::fprintf(stderr, "  case %s\n", c.name);
        CHECK_EQ(past, "error reply_too_large");
    }
}

// What the bus does with a push: three values, by position.
TEST(resp_push_read_by_position) {
    const Reply r = parse_reply(">3\r\n$8\r\nsmessage\r\n$4\r\nroom\r\n$7\r\npayload\r\n", kRoomy);
    Value v[3];
    CHECK(r.value.type == Type::push);
    CHECK_EQ(r.value.size, uint64_t{3});
    CHECK_EQ(take(r.value, v, 3), size_t{3});
    CHECK_EQ(v[0].text, "smessage");
    CHECK_EQ(v[1].text, "room");
    CHECK_EQ(v[2].text, "payload");
    CHECK(v[2].is_string());
    CHECK_EQ(take(r.value, v, 2), size_t{2});
    Value scalar;
    scalar.type = Type::integer;
    CHECK_EQ(take(scalar, v, 3), size_t{0});
}

// CLUSTER SHARDS (RESP3): an array of maps {"slots": [start, end, ...],
// "nodes": [maps of "endpoint", "port", "role", ...]} walked with cursors into
// the slot ranges and each shard's master.
TEST(resp_walk_cluster_shards) {
    const std::string wire =
        "*2\r\n"
        "%2\r\n$5\r\nslots\r\n*4\r\n:0\r\n:99\r\n:200\r\n:5460\r\n"
        "$5\r\nnodes\r\n*2\r\n"
        "%3\r\n$8\r\nendpoint\r\n$8\r\n10.0.0.1\r\n$4\r\nport\r\n:7000\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        "%3\r\n$8\r\nendpoint\r\n$8\r\n10.0.0.4\r\n$4\r\nport\r\n:7003\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
        "%2\r\n$5\r\nslots\r\n*2\r\n:5461\r\n:16383\r\n"
        "$5\r\nnodes\r\n*1\r\n"
        "%3\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$8\r\nendpoint\r\n$8\r\n10.0.0.2\r\n$4\r\nport\r\n:7001\r\n";
    const Reply r = parse_reply(wire, Limits{4, 64, 16, 4096});
    CHECK(r.status == Status::complete);
    std::string found;
    Elements shards(r.value);
    Value shard;
    while (shards.next(shard)) {
        Elements fields(shard);
        Value key, value;
        while (fields.next(key) && fields.next(value)) {
            if (key.text == "slots") {
                Elements bounds(value);
                Value lo, hi;
                while (bounds.next(lo) && bounds.next(hi))
                    found += std::to_string(lo.integer) + "-" + std::to_string(hi.integer) + " ";
            } else if (key.text == "nodes") {
                Elements nodes(value);
                Value node;
                while (nodes.next(node)) {
                    std::string endpoint, port, role;
                    Elements props(node);
                    Value name, prop;
                    while (props.next(name) && props.next(prop)) {
                        if (name.text == "endpoint") endpoint = prop.text;
                        if (name.text == "port") port = std::to_string(prop.integer);
                        if (name.text == "role") role = prop.text;
                    }
                    if (role == "master") found += endpoint + ":" + port + "; ";
                }
            }
        }
    }
    CHECK_EQ(found, "0-99 200-5460 10.0.0.1:7000; 5461-16383 10.0.0.2:7001; ");
}

// Elements over bytes that are not a validated reply stop where they stop
// making sense, and never read outside them.
TEST(resp_elements_over_bad_bytes_stop) {
    Value fake;
    fake.type = Type::array;
    fake.size = 3;
    fake.children = ":1\r\n$5\r\nab";
    Elements values(fake);
    Value v;
    CHECK(values.next(v));
    CHECK_EQ(v.integer, int64_t{1});
    CHECK(!values.next(v));
    CHECK_EQ(values.left(), uint64_t{0});
    fake.children = "*2\r\n:1\r\n";  // an aggregate child cut short
    fake.size = 1;
    Elements nested(fake);
    CHECK(!nested.next(v));
    std::string_view not_attributes = "+OK\r\n";
    CHECK(!next_attribute(not_attributes, v));
    CHECK_EQ(not_attributes, "+OK\r\n");
}

TEST(resp_type_names) {
    CHECK_EQ(std::string(type_name(Type::simple_string)), "simple_string");
    CHECK_EQ(std::string(type_name(Type::push)), "push");
    CHECK_EQ(std::string(type_name(Type::verbatim_string)), "verbatim_string");
    CHECK_EQ(std::string(error_name(Error::reply_too_large)), "reply_too_large");
}

namespace {

const std::vector<std::vector<std::string>> kCommands = {
    {"PING"},
    {"SPUBLISH", "{room}1", "payload"},
    {"PUBLISH", "", ""},
    {"SET", std::string("k\0\r\n", 4), std::string("\r\n\r\n$3\r\n*1\r\n", 12)},
    {"SUBSCRIBE", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"},
    {"PUBLISH", "room", std::string(100000, 'x')},
};

std::string encode(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string out;
    append_command(out, views.data(), views.size());
    CHECK_EQ(out.size(), command_size(views.data(), views.size()));
    return out;
}

}  // namespace

TEST(resp_command_wire_form) {
    std::string out;
    append_command(out, {"SPUBLISH", "room", "hi"});
    CHECK_EQ(out, "*3\r\n$8\r\nSPUBLISH\r\n$4\r\nroom\r\n$2\r\nhi\r\n");
    append_command(out, {"PING"});
    CHECK_EQ(out, "*3\r\n$8\r\nSPUBLISH\r\n$4\r\nroom\r\n$2\r\nhi\r\n*1\r\n$4\r\nPING\r\n");
    out.clear();
    append_command(out, {});
    CHECK_EQ(out, "*0\r\n");
}

// Every command read back is an array of bulk strings equal to its arguments.
TEST(resp_command_round_trip) {
    for (const auto& args : kCommands) {
        const std::string wire = encode(args);
        const Reply r = parse_reply(wire, kRoomy);
        CHECK(r.status == Status::complete);
        CHECK_EQ(r.length, wire.size());
        CHECK(r.value.type == Type::array);
        CHECK_EQ(r.value.size, uint64_t(args.size()));
        Elements values(r.value);
        Value v;
        for (const std::string& arg : args) {
            CHECK(values.next(v));
            CHECK(v.type == Type::bulk_string);
            CHECK_EQ(v.text, arg);
        }
        CHECK(!values.next(v));
    }
}

// Once the buffer has grown to a command's size, writing it again after
// clear() does not reallocate.
TEST(resp_command_reuses_the_buffer) {
    std::string out;
    const std::string payload(3000, 'p');
    append_command(out, {"SPUBLISH", "{room}", payload});
    const char* data = out.data();
    const size_t capacity = out.capacity();
    for (int i = 0; i < 3; ++i) {
        out.clear();
        append_command(out, {"SPUBLISH", "{room}", payload});
        CHECK(out.data() == data);
        CHECK_EQ(out.capacity(), capacity);
    }
}
