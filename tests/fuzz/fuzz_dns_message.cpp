// libFuzzer target for net/dns_message.h. data[0] picks what the rest is:
// - any bytes read as the response to a query for www.example.com: never
//   read past, and an answer is consistent (addresses only with ok, each of
//   the family asked);
// - a name for write_dns_query: a name taken comes back from the query's
//   bytes by a question reader written here, and the query turned into an
//   empty response (QR set) reads back as ok; a name refused breaks a rule;
// - records chosen by the data (A, AAAA, CNAME between a few names, other
//   types; owners and targets written out, compressed whole, or as a label
//   and a pointer; letters in either case) built into a response, which must
//   read back as the addresses a model of the CNAME chain says.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/dns_message.h"
#include "require.h"

using namespace wshub::net;
using fuzz::require;
using Status = DnsAnswer::Status;

namespace {

constexpr uint16_t kId = 0x5a17;
constexpr const char* kQuestion = "www.example.com";
constexpr size_t kNames = 6;  // name 0 is the question; the others c1.example.com ...

void put16(std::string& out, uint16_t v) {
    out.push_back(char(v >> 8));
    out.push_back(char(v & 0xFF));
}

void check_any_bytes(std::string_view bytes, uint16_t qtype) {
    const std::span<const uint8_t> msg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    const DnsAnswer a = read_dns_response(msg, kId, kQuestion, qtype);
    require(a.status == Status::ok || a.addresses.empty(), "addresses with a status other than ok");
    for (const auto& address : a.addresses) {
        const bool mapped = std::all_of(address.begin(), address.begin() + 10, [](uint8_t b) { return b == 0; }) &&
                            address[10] == 0xFF && address[11] == 0xFF;
        require(qtype != kDnsTypeA || mapped, "an A address not kept IPv4-mapped");
    }
}

// Whether `name` is what write_dns_query promises to take, written
// independently of it.
bool valid_host_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253) return false;
    size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!allowed || ++label > 63) return false;
    }
    return label > 0;
}

void check_query(std::string_view name, uint16_t id, uint16_t qtype) {
    std::string query;
    const bool taken = write_dns_query(query, id, name, qtype);
    require(taken == valid_host_name(name), "write_dns_query disagrees on what a host name is");
    if (!taken) return;
    const auto byte = [&](size_t i) { return uint8_t(query[i]); };
    require(query.size() >= 12 + 1 + 4, "a query too short");
    require((byte(0) << 8 | byte(1)) == id && byte(2) == 1 && byte(3) == 0, "header id or flags");
    require(byte(5) == 1 && byte(4) == 0 && std::all_of(query.begin() + 6, query.begin() + 12, [](char c) { return c == 0; }),
            "header counts");
    std::string dotted;
    size_t pos = 12;
    while (pos < query.size() && byte(pos) != 0) {
        if (!dotted.empty()) dotted += '.';
        dotted.append(query, pos + 1, byte(pos));
        pos += 1 + byte(pos);
    }
    require(pos + 5 == query.size(), "the question does not end the query");
    require((byte(pos + 1) << 8 | byte(pos + 2)) == qtype && byte(pos + 3) == 0 && byte(pos + 4) == 1, "type or class");
    std::string_view bare = name;
    if (bare.back() == '.') bare.remove_suffix(1);
    require(dotted == bare, "the question's name is not the name");

    std::string response = query;
    response[2] = char(byte(2) | 0x80);
    const std::span<const uint8_t> msg(reinterpret_cast<const uint8_t*>(response.data()), response.size());
    const DnsAnswer a = read_dns_response(msg, id, name, qtype);
    require(a.status == Status::ok && a.addresses.empty(), "our own question, answered empty, is not ok");
}

// Writes name `index` at the end of `msg` in the way `how` picks, and
// remembers where its whole form sits for later pointers.
void put_name(std::string& msg, size_t index, uint8_t how, std::array<size_t, kNames>& whole_at) {
    const bool upper = how & 4;
    std::string first = index == 0 ? "www" : "c" + std::to_string(index);
    if (upper) std::transform(first.begin(), first.end(), first.begin(), [](char c) { return char(std::toupper(c)); });
    if ((how & 3) == 1 && whole_at[index] != 0) {
        put16(msg, uint16_t(0xC000 | whole_at[index]));
        return;
    }
    if (whole_at[index] == 0 && msg.size() < 0x3FFF) whole_at[index] = msg.size();
    msg.push_back(char(first.size()));
    msg += first;
    if ((how & 3) == 2) {
        put16(msg, 0xC000 | 16);  // "example.com" inside the question
        return;
    }
    msg += upper ? "\x07" "EXAMPLE\x03" "COM" : "\x07" "example\x03" "com";
    msg.push_back('\0');
}

struct Built {
    uint8_t type;  // 0 A, 1 AAAA, 2 CNAME, 3 TXT
    size_t owner, target;
    uint32_t ttl;
    std::array<uint8_t, 16> address;
};

// The addresses the model expects: follow the first CNAME of each name on
// the chain (at most 16 links, stopping at a loop), then take the records of
// the asked type owned by a name on it, in order.
void expect(const std::vector<Built>& records, uint8_t asked_type, DnsAnswer& want) {
    std::vector<size_t> chain{0};
    for (int link = 0; link < 16; ++link) {
        const auto next = std::find_if(records.begin(), records.end(),
                                       [&](const Built& r) { return r.type == 2 && r.owner == chain.back(); });
        if (next == records.end() || std::count(chain.begin(), chain.end(), next->target)) break;
        chain.push_back(next->target);
    }
    for (const Built& r : records) {
        if (r.type != asked_type || !std::count(chain.begin(), chain.end(), r.owner)) continue;
        want.ttl = want.addresses.empty() ? r.ttl : std::min(want.ttl, r.ttl);
        want.addresses.push_back(r.address);
    }
}

void check_built_response(std::string_view choices, bool ask_aaaa) {
    std::string msg;
    put16(msg, kId);
    put16(msg, 0x8180);
    put16(msg, 1);
    put16(msg, uint16_t(choices.size() / 4));
    put16(msg, 0);
    put16(msg, 0);
    std::array<size_t, kNames> whole_at{};
    put_name(msg, 0, 0, whole_at);  // at 12: www.example.com, so "example.com" is at 16
    put16(msg, ask_aaaa ? kDnsTypeAaaa : kDnsTypeA);
    put16(msg, kDnsClassIn);
    std::vector<Built> records;
    for (size_t i = 0; i + 4 <= choices.size(); i += 4) {
        const auto c = [&](size_t k) { return uint8_t(choices[i + k]); };
        Built r{uint8_t(c(0) & 3), c(1) % kNames, c(2) % kNames, c(3), {}};
        put_name(msg, r.owner, uint8_t(c(0) >> 2), whole_at);
        put16(msg, r.type == 0 ? kDnsTypeA : r.type == 1 ? kDnsTypeAaaa : r.type == 2 ? kDnsTypeCname : 16);
        put16(msg, kDnsClassIn);
        put16(msg, 0);
        put16(msg, uint16_t(r.ttl));
        const size_t length_at = msg.size();
        put16(msg, 0);
        if (r.type == 2) {
            put_name(msg, r.target, uint8_t(c(0) >> 5), whole_at);
        } else if (r.type == 0) {
            r.address = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, c(2), uint8_t(i)};
            msg.append(reinterpret_cast<const char*>(r.address.data()) + 12, 4);
        } else {
            r.address = {0x20, 0x01, 0x0d, 0xb8, c(2), c(3), 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(i)};
            msg.append(reinterpret_cast<const char*>(r.address.data()), r.type == 1 ? 16 : 5);
        }
        const size_t length = msg.size() - length_at - 2;
        msg[length_at] = char(length >> 8);
        msg[length_at + 1] = char(length);
        records.push_back(r);
    }
    DnsAnswer want;
    expect(records, ask_aaaa ? 1 : 0, want);
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
    const DnsAnswer got = read_dns_response(bytes, kId, "WWW.Example.com.", ask_aaaa ? kDnsTypeAaaa : kDnsTypeA);
    require(got.status == Status::ok, "a well-formed response is not ok");
    require(got.addresses == want.addresses, "addresses differ from the model's");
    require(got.ttl == want.ttl, "the ttl differs from the model's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);
    const uint16_t qtype = data[0] & 0x80 ? kDnsTypeAaaa : kDnsTypeA;
    switch (data[0] % 3) {
        case 0: check_any_bytes(rest, qtype); break;
        case 1: check_query(rest, uint16_t(data[1] << 8 | data[2]), qtype); break;
        default: check_built_response(rest.substr(0, 4 * 64), qtype == kDnsTypeAaaa); break;
    }
    return 0;
}
