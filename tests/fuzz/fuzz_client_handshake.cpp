// libFuzzer target for the client's opening handshake (http/client_handshake.h).
// The first byte picks the subprotocols offered, the second the head limit;
// the rest is read three ways:
// - as a server's answer, from a heap buffer of exactly its size (so ASan
//   catches a read past it), trapping on broken contracts: head_len within
//   the input and the limit, views inside the input, each outcome with the
//   fields it promises (accepted: 101 and an offered subprotocol or none;
//   refused: another status and the why its class gives), an answer that
//   bytes past the head do not change, a decision a prefix reached that
//   the whole input keeps, and prefixes of a complete head that are
//   incomplete (or invalid, under an invalid whole);
// - as choices for a 101 built from pieces around the right accept value
//   (reason phrase, names' case, lists around the tokens, whitespace, other
//   header lines, their order, frames behind), which must be accepted with
//   the subprotocol chosen, invalid under a limit one byte short, and
//   invalid with the accept value altered;
// - as choices for an upgrade request (host, target, key) that the server's
//   parse_request and check_upgrade take, whose switching_protocols answer
//   the client accepts with the subprotocol the server picked.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/client_handshake.h"
#include "http/request.h"
#include "http/upgrade.h"
#include "require.h"

using namespace wshub::http;
using fuzz::require;
using Outcome = UpgradeResponse::Outcome;

namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kOfferedTable[] = {"", "chat", "chat, superchat", "a ,b,\tc", "x,,y, "};

// The comma-separated tokens of an offer, trimmed, empty ones skipped.
std::vector<std::string_view> tokens_of(std::string_view offered) {
    std::vector<std::string_view> out;
    while (true) {
        const size_t comma = offered.find(',');
        std::string_view t = offered.substr(0, comma);
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        if (!t.empty()) out.push_back(t);
        if (comma == std::string_view::npos) return out;
        offered.remove_prefix(comma + 1);
    }
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool same(const UpgradeResponse& a, const UpgradeResponse& b) {
    return a.outcome == b.outcome && a.status == b.status && a.head_len == b.head_len && a.reason == b.reason &&
           a.protocol == b.protocol && a.why == b.why;
}

// Reads the fuzzer's choices, one byte at a time; zeros once they run out.
struct Choices {
    std::string_view bytes;
    uint8_t next() {
        if (bytes.empty()) return 0;
        const auto b = static_cast<uint8_t>(bytes.front());
        bytes.remove_prefix(1);
        return b;
    }
    bool flip() { return next() & 1; }
    // Up to max bytes, each made one `allowed` accepts (else 'x').
    template <typename Pred>
    std::string text(size_t max, Pred allowed) {
        std::string out(next() % (max + 1), 'x');
        for (char& c : out) {
            const auto b = static_cast<char>(next());
            if (allowed(b)) c = b;
        }
        return out;
    }
};

bool is_field_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return c == '\t' || (u >= 0x20 && u != 0x7f);
}
bool is_visible(char c) { return c > 0x20 && c < 0x7f; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// What each outcome promises about the other fields.
void check_outcome(const UpgradeResponse& r, std::string_view input, std::string_view offered, size_t max_head) {
    require(r.head_len <= input.size() && r.head_len <= max_head, "head_len within the input and the limit");
    require(inside(r.reason, input) && inside(r.protocol, input), "views inside the input");
    if (r.head_len != 0) require(input.substr(r.head_len - 4, 4) == "\r\n\r\n", "the head ends in a blank line");
    if (r.outcome != Outcome::accepted) require(r.protocol.empty(), "a subprotocol only when accepted");
    switch (r.outcome) {
    case Outcome::incomplete:
        require(r.status == 0 && r.head_len == 0 && r.why.empty(), "incomplete has nothing else");
        require(input.size() <= max_head, "incomplete within the limit");
        break;
    case Outcome::accepted: {
        require(r.status == 101 && r.head_len != 0 && r.why.empty(), "accepted is a complete 101");
        const auto offers = tokens_of(offered);
        require(r.protocol.empty() || std::find(offers.begin(), offers.end(), r.protocol) != offers.end(),
                "the subprotocol accepted was offered");
        break;
    }
    case Outcome::refused:
        require(r.status >= 100 && r.status <= 599 && r.status != 101 && r.head_len != 0, "refused is complete");
        require(r.why == (r.status / 100 == 3 ? "redirect refused" : "upgrade refused"), "refusal's why");
        break;
    case Outcome::invalid:
        require(!r.why.empty(), "invalid says why");
        break;
    }
}

// The answer does not depend on how much of the input has arrived once it
// is decided, nor on anything past the head.
void check_prefixes(const UpgradeResponse& r, std::string_view input, std::string_view offered, size_t max_head) {
    if (r.head_len != 0)
        require(same(read_upgrade_response(input.substr(0, r.head_len), kKey, offered, max_head), r),
                "bytes past the head change nothing");
    for (const size_t len : {size_t{0}, input.size() / 3, input.size() / 2, input.size() - 1}) {
        if (len >= input.size()) continue;
        const UpgradeResponse p = read_upgrade_response(input.substr(0, len), kKey, offered, max_head);
        if (p.outcome != Outcome::incomplete) require(same(p, r), "a decision stays");
        if (len < r.head_len && r.outcome != Outcome::invalid)
            require(p.outcome == Outcome::incomplete, "a prefix of a good head is incomplete");
    }
}

void check_reading(std::string_view bytes, std::string_view offered, size_t max_head) {
    std::unique_ptr<char[]> copy(new char[bytes.size()]);
    std::memcpy(copy.get(), bytes.data(), bytes.size());
    const std::string_view input(copy.get(), bytes.size());
    const UpgradeResponse r = read_upgrade_response(input, kKey, offered, max_head);
    check_outcome(r, input, offered, max_head);
    check_prefixes(r, input, offered, max_head);
}

// "name: value" with the name in a chosen case and whitespace around the value.
std::string field_line(Choices& in, std::string_view name, std::string_view value) {
    std::string line(name);
    for (char& c : line)
        if (is_alnum(c) && in.flip()) c = static_cast<char>(c ^ 0x20 * (c >= 'A'));
    line += ':';
    line += std::string(in.next() % 3, in.flip() ? '\t' : ' ');
    line += value;
    line += std::string(in.next() % 3, in.flip() ? '\t' : ' ');
    return line + "\r\n";
}

// A list holding `token` among others, in a chosen case.
std::string list_with(Choices& in, std::string_view token) {
    static constexpr std::string_view kOthers[] = {"keep-alive", "h2c", "TLS/1.3", "close", ""};
    std::string t(token);
    for (char& c : t)
        if (in.flip()) c = static_cast<char>(c & ~0x20);
    std::string list;
    for (int i = in.next() % 3; i > 0; --i) list += std::string(kOthers[in.next() % 5]) + ",";
    list += (in.flip() ? " " : "") + t;
    for (int i = in.next() % 3; i > 0; --i) list += std::string(", ") + std::string(kOthers[in.next() % 5]);
    return list;
}

// The header lines of a 101 that passes every check, in a chosen order.
std::vector<std::string> upgrade_lines(Choices& in, std::string_view chosen) {
    std::vector<std::string> lines;
    lines.push_back(field_line(in, "Upgrade", list_with(in, "websocket")));
    lines.push_back(field_line(in, "Connection", list_with(in, "upgrade")));
    lines.push_back(field_line(in, "Sec-WebSocket-Accept", accept_key(kKey)));
    if (!chosen.empty()) lines.push_back(field_line(in, "Sec-WebSocket-Protocol", chosen));
    static constexpr std::string_view kOtherNames[] = {"Server", "Date", "Set-Cookie", "Via", "Upgrade", "Connection"};
    for (int i = in.next() % 4; i > 0; --i) {
        const std::string name = in.flip() ? std::string(kOtherNames[in.next() % 6]) : "X-" + in.text(8, is_alnum) + "y";
        lines.push_back(field_line(in, name, in.text(24, is_visible)));
    }
    for (size_t i = lines.size(); i > 1; --i) std::swap(lines[i - 1], lines[in.next() % i]);
    return lines;
}

void check_built_response(Choices& in, std::string_view offered) {
    const auto offers = tokens_of(offered);
    const size_t pick = in.next() % (offers.size() + 1);
    const std::string_view chosen = pick < offers.size() ? offers[pick] : std::string_view{};
    std::string head = "HTTP/1.1 101";
    if (in.flip()) head += " " + in.text(20, is_field_byte);
    head += "\r\n";
    for (const std::string& line : upgrade_lines(in, chosen)) head += line;
    head += "\r\n";
    const std::string bytes = head + std::string(in.bytes);

    const UpgradeResponse r = read_upgrade_response(bytes, kKey, offered, head.size() + in.next());
    require(r.outcome == Outcome::accepted, "a built 101 is accepted");
    require(r.protocol == chosen && r.head_len == head.size(), "with the subprotocol chosen and its head");
    const UpgradeResponse short_limit = read_upgrade_response(bytes, kKey, offered, head.size() - 1);
    require(short_limit.outcome == Outcome::invalid, "a byte over the limit is invalid");
    std::string altered = bytes;
    const size_t at = altered.find(accept_key(kKey));
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    const UpgradeResponse wrong = read_upgrade_response(altered, kKey, offered, altered.size());
    require(wrong.outcome == Outcome::invalid && wrong.status == 101, "another accept value is invalid");
}

// The client's request, taken by the server, answered, and the answer accepted.
void check_round_trip(Choices& in, std::string_view offered) {
    uint8_t nonce[16];
    for (uint8_t& b : nonce) b = in.next();
    const std::string key = client_key(nonce);
    const std::string host = "h" + in.text(16, [](char c) { return is_alnum(c) || c == '.' || c == ':'; });
    const std::string target = "/" + in.text(24, is_visible);
    std::string request;
    write_client_request(request, ClientOffer{host, target, key, offered, "Origin: http://o.example\r\n"});

    static Request req;
    require(parse_request(request, req) == ParseStatus::ok, "the request parses");
    std::vector<std::string> supported;
    for (std::string_view t : tokens_of(offered)) supported.emplace_back(t);
    const UpgradeDecision d = check_upgrade(req, true, supported);
    require(d.status == 101 && d.key == key && req.target == target, "the server takes the request");
    const std::string answer = switching_protocols(d.key, d.protocol);
    const UpgradeResponse r = read_upgrade_response(answer, key, offered, answer.size());
    require(r.outcome == Outcome::accepted && r.protocol == d.protocol, "the client accepts the answer");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const std::string_view offered = kOfferedTable[data[0] % 5];
    const size_t max_head = data[1] == 255 ? SIZE_MAX : 16 + size_t{data[1]} * 64;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
    check_reading(rest, offered, max_head);
    Choices built{rest};
    check_built_response(built, offered);
    Choices trip{rest};
    check_round_trip(trip, offered);
    return 0;
}
