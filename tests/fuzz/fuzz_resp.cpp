// libFuzzer target for the redis module's RESP codec. The first four bytes
// pick tight limits (depth, string, elements, reply size); the rest is read
// as a reply under those and under roomy ones. Besides crashes and UB (each
// prefix is copied into a buffer of its own size, so ASan sees a read past
// it), it traps on broken invariants:
// - a complete reply lies within the input and the reply limit, its walk
//   finds every value its aggregates declare, and no value breaks a limit;
//   limits exactly at what it needs accept it, one short of any refuse it
//   with that limit's error;
// - every proper prefix of a complete reply is incomplete, and the answer
//   (status, error, length, value) is the same whether the bytes come at
//   once, resumed after a split, or a byte at a time;
// - a command built from the data (length-prefixed arguments) written by
//   append_command reads back as those arguments, in command_size bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../resp_text.h"
#include "redis/command.h"
#include "redis/resp.h"
#include "require.h"

using namespace wshub::redis;

namespace {

using fuzz::require;

constexpr Limits kRoomy{kMaxDepthCap, 1 << 16, 1 << 12, 1 << 20};

// status, error, length and value, as one comparable line.
std::string answer(const Reply& r) { return resp_text::describe(r); }

// The bytes [0, n) in a heap block of exactly n bytes.
std::string answer_on_copy(std::string_view bytes, size_t n, const Limits& limits, Parser& parser) {
    std::unique_ptr<char[]> copy(new char[n ? n : 1]);
    if (n) std::memcpy(copy.get(), bytes.data(), n);
    return answer(parser.parse(std::string_view(copy.get(), n), limits));
}

// Every aggregate, attributes included, yields as many values as it declares.
void walk_whole(const Value& v) {
    std::string_view rest = v.attributes;
    Value attribute, child;
    while (next_attribute(rest, attribute)) walk_whole(attribute);
    require(rest.empty(), "attributes left unread");
    Elements values(v);
    while (values.next(child)) walk_whole(child);
    require(values.left() == 0, "an aggregate walked short");
}

void check_within_limits(const Reply& r, std::string_view input, const Limits& limits) {
    require(r.length <= input.size() && r.length <= limits.max_reply, "reply longer than input or limit");
    const resp_text::Measure m = resp_text::measure(r.value);
    const unsigned depth = limits.max_depth < kMaxDepthCap ? limits.max_depth : kMaxDepthCap;
    require(m.depth <= depth, "depth limit broken");
    require(m.longest_string <= limits.max_string, "string limit broken");
    require(m.most_elements <= limits.max_elements, "element limit broken");
    walk_whole(r.value);

    Limits exact{m.depth, m.longest_string, m.most_elements, r.length};
    const std::string whole = answer(parse_reply(input.substr(0, r.length), exact));
    require(whole == answer(r), "exact limits refuse the reply");
    auto refused = [&](Limits l, const char* want) {
        require(answer(parse_reply(input, l)) == std::string("error ") + want, want);
    };
    if (m.depth > 0) refused(Limits{m.depth - 1, exact.max_string, exact.max_elements, exact.max_reply}, "too_deep");
    if (m.longest_string > 0)
        refused(Limits{exact.max_depth, m.longest_string - 1, exact.max_elements, exact.max_reply}, "string_too_long");
    if (m.most_elements > 0)
        refused(Limits{exact.max_depth, exact.max_string, m.most_elements - 1, exact.max_reply}, "too_many_elements");
    refused(Limits{exact.max_depth, exact.max_string, exact.max_elements, r.length - 1}, "reply_too_large");
}

void check_splits(std::string_view input, const Limits& limits, const Reply& whole, size_t split) {
    const std::string want = answer(whole);
    // Prefixes of a complete reply: all of them when short, else a few.
    if (whole.status == Status::complete) {
        const size_t step = whole.length <= 256 ? 1 : whole.length / 7 + 1;
        for (size_t k = 0; k < whole.length; k += step) {
            Parser fresh;
            require(answer_on_copy(input, k, limits, fresh) == "incomplete", "a prefix is not incomplete");
        }
        Parser alone;
        require(answer_on_copy(input, whole.length, limits, alone) == want, "the reply alone differs");
    }
    // Resumed after a split.
    Parser parser;
    const std::string first = answer_on_copy(input, split, limits, parser);
    if (first == "incomplete") require(answer_on_copy(input, input.size(), limits, parser) == want, "resumed differs");
    else require(first == want, "a split answers differently");
    // A byte at a time.
    if (input.size() > 512) return;
    Parser bytewise;
    std::string got = "incomplete";
    for (size_t k = 1; k <= input.size() && got == "incomplete"; ++k) got = answer_on_copy(input, k, limits, bytewise);
    if (whole.status == Status::incomplete) require(got == "incomplete", "bytewise finished early");
    else require(got == want, "bytewise differs");
}

void check_command(std::string_view data) {
    std::vector<std::string_view> args;
    while (!data.empty() && args.size() < 64) {
        const size_t n = static_cast<uint8_t>(data[0]) < data.size() - 1 ? static_cast<uint8_t>(data[0]) : data.size() - 1;
        args.push_back(data.substr(1, n));
        data.remove_prefix(1 + n);
    }
    std::string wire = "junk";
    append_command(wire, args.data(), args.size());
    const std::string_view encoded = std::string_view(wire).substr(4);
    require(encoded.size() == command_size(args.data(), args.size()), "command_size differs");
    const Reply r = parse_reply(encoded, kRoomy);
    require(r.status == Status::complete && r.length == encoded.size(), "command does not parse whole");
    require(r.value.type == Type::array && r.value.size == args.size(), "command is not its arguments");
    Elements values(r.value);
    Value v;
    for (const std::string_view arg : args) {
        require(values.next(v) && v.type == Type::bulk_string && v.text == arg, "argument differs");
    }
    require(!values.next(v), "extra argument");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    const Limits tight{data[0] % 12u, data[1] * 3u, data[2] % 40u, 16u + data[3] * 32u};
    const std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);
    const size_t split = (data[0] * 257u + data[1]) % (input.size() + 1);
    for (const Limits& limits : {tight, kRoomy}) {
        const Reply whole = parse_reply(input, limits);
        if (whole.status == Status::complete) check_within_limits(whole, input, limits);
        if (whole.status != Status::complete) require(whole.length == 0, "length without a reply");
        check_splits(input, limits, whole, split);
    }
    check_command(input);
    return 0;
}
