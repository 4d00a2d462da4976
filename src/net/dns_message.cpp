#include "net/dns_message.h"

#include <algorithm>
#include <cstring>

namespace wshub::net {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kFlagResponse = 0x8000;
constexpr uint16_t kFlagTruncated = 0x0200;
constexpr uint16_t kFlagRecursionDesired = 0x0100;
constexpr unsigned kOpcodeShift = 11;
constexpr uint16_t kOpcodeMask = 0xF;
constexpr uint16_t kRcodeMask = 0xF;
constexpr uint16_t kRcodeNoError = 0;
constexpr uint16_t kRcodeNameError = 3;

constexpr size_t kMaxHostName = 253;  // characters, without a trailing dot
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxWireName = 255;  // bytes of a name in wire form (RFC 1035 2.3.4)
// A name of 255 bytes has at most 127 labels, each reachable through one
// pointer; more jumps than that can only be a loop.
constexpr int kMaxPointers = 128;
constexpr int kMaxChainLinks = 16;

using Bytes = std::span<const uint8_t>;

bool host_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

char fold_case(uint8_t c) { return char(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c); }

// Appends `name` in wire form (length-prefixed labels, then the root's zero
// byte), lowercased when `fold`. False if it is not a valid host name.
bool append_wire_name(std::string& wire, std::string_view name, bool fold) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > kMaxHostName) return false;
    size_t start = 0;
    for (;;) {
        const size_t dot = name.find('.', start);
        const std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || label.size() > kMaxLabel) return false;
        wire.push_back(char(label.size()));
        for (char c : label) {
            if (!host_name_char(c)) return false;
            wire.push_back(fold ? fold_case(uint8_t(c)) : c);
        }
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    wire.push_back('\0');
    return true;
}

void append_u16(std::string& out, uint16_t v) {
    out.push_back(char(v >> 8));
    out.push_back(char(v & 0xFF));
}

bool read_u16(Bytes msg, size_t pos, uint16_t& v) {
    if (pos > msg.size() || msg.size() - pos < 2) return false;
    v = uint16_t(msg[pos] << 8 | msg[pos + 1]);
    return true;
}

bool read_u32(Bytes msg, size_t pos, uint32_t& v) {
    uint16_t high, low;
    if (!read_u16(msg, pos, high) || !read_u16(msg, pos + 2, low)) return false;
    v = uint32_t(high) << 16 | low;
    return true;
}

// Reads the name at `pos`, following compression pointers (4.1.4), into
// `wire`: lowercased, uncompressed wire form ending with the root's zero
// byte. `end` receives where the name ends in place (after its first
// pointer, if it has one). False if it runs outside `msg`, uses the reserved
// label types 01 and 10, passes kMaxWireName bytes or kMaxPointers pointers.
bool read_name(Bytes msg, size_t pos, std::string& wire, size_t& end) {
    wire.clear();
    int pointers = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= msg.size()) return false;
        const uint8_t length = msg[pos];
        if ((length & 0xC0) == 0xC0) {
            if (pos + 1 >= msg.size() || ++pointers > kMaxPointers) return false;
            if (!jumped) end = pos + 2;
            jumped = true;
            pos = size_t(length & 0x3F) << 8 | msg[pos + 1];
            continue;
        }
        if (length & 0xC0) return false;
        if (msg.size() - pos - 1 < length || wire.size() + 1 + length > kMaxWireName) return false;
        wire.push_back(char(length));
        for (size_t i = 0; i < length; ++i) wire.push_back(fold_case(msg[pos + 1 + i]));
        if (length == 0) {
            if (!jumped) end = pos + 1;
            return true;
        }
        pos += 1 + length;
    }
}

struct Record {
    std::string owner;   // wire form, lowercased
    std::string target;  // a CNAME's target, the same way; empty otherwise
    uint16_t type = 0;
    uint16_t klass = 0;
    uint32_t ttl = 0;
    size_t rdata = 0;
    uint16_t rdlength = 0;
};

// Reads the resource record at `pos` and moves `pos` past it. False if it
// does not fit in `msg`, or is a CNAME whose data is not one name.
bool read_record(Bytes msg, size_t& pos, Record& r) {
    size_t at = 0;
    if (!read_name(msg, pos, r.owner, at)) return false;
    if (!read_u16(msg, at, r.type) || !read_u16(msg, at + 2, r.klass) || !read_u32(msg, at + 4, r.ttl) ||
        !read_u16(msg, at + 8, r.rdlength))
        return false;
    r.rdata = at + 10;
    if (msg.size() - r.rdata < r.rdlength) return false;
    pos = r.rdata + r.rdlength;
    r.target.clear();
    if (r.type != kDnsTypeCname || r.klass != kDnsClassIn) return true;
    size_t target_end = 0;
    return read_name(msg, r.rdata, r.target, target_end) && target_end == pos;
}

// The names the answer's addresses may be owned by: the name asked, then
// each CNAME target along the chain from it, stopping at a loop.
std::vector<const std::string*> cname_chain(const std::string& asked, const std::vector<Record>& records) {
    std::vector<const std::string*> chain{&asked};
    for (int link = 0; link < kMaxChainLinks; ++link) {
        const auto next = std::find_if(records.begin(), records.end(), [&](const Record& r) {
            return r.type == kDnsTypeCname && r.klass == kDnsClassIn && r.owner == *chain.back();
        });
        if (next == records.end()) break;
        const bool seen = std::any_of(chain.begin(), chain.end(), [&](const std::string* n) { return *n == next->target; });
        if (seen) break;
        chain.push_back(&next->target);
    }
    return chain;
}

// Takes the records of type `qtype` owned by a name on the chain into `a`.
// False if one of them has data of the wrong size for its type.
bool collect_addresses(Bytes msg, const std::vector<Record>& records, const std::string& asked, uint16_t qtype,
                       DnsAnswer& a) {
    const size_t size = qtype == kDnsTypeA ? 4 : qtype == kDnsTypeAaaa ? 16 : 0;
    if (size == 0) return true;
    const std::vector<const std::string*> chain = cname_chain(asked, records);
    for (const Record& r : records) {
        if (r.type != qtype || r.klass != kDnsClassIn) continue;
        if (std::none_of(chain.begin(), chain.end(), [&](const std::string* n) { return *n == r.owner; })) continue;
        if (r.rdlength != size) return false;
        std::array<uint8_t, 16> address{};
        if (size == 4) {
            address[10] = address[11] = 0xFF;  // IPv4-mapped
        }
        std::memcpy(address.data() + 16 - size, msg.data() + r.rdata, size);
        a.ttl = a.addresses.empty() ? r.ttl : std::min(a.ttl, r.ttl);
        a.addresses.push_back(address);
    }
    return true;
}

// Where the question section ends if it is exactly our question; 0 if the
// message asks something else, npos if it does not parse.
size_t end_of_our_question(Bytes msg, const std::string& asked, uint16_t qtype) {
    std::string qname;
    size_t end = 0;
    uint16_t type = 0, klass = 0;
    if (!read_name(msg, kHeaderSize, qname, end) || !read_u16(msg, end, type) || !read_u16(msg, end + 2, klass))
        return std::string::npos;
    if (qname != asked || type != qtype || klass != kDnsClassIn) return 0;
    return end + 4;
}

}  // namespace

bool write_dns_query(std::string& out, uint16_t id, std::string_view name, uint16_t qtype) {
    std::string query;
    append_u16(query, id);
    append_u16(query, kFlagRecursionDesired);
    append_u16(query, 1);  // QDCOUNT
    append_u16(query, 0);  // ANCOUNT
    append_u16(query, 0);  // NSCOUNT
    append_u16(query, 0);  // ARCOUNT
    if (!append_wire_name(query, name, false)) return false;
    append_u16(query, qtype);
    append_u16(query, kDnsClassIn);
    out += query;
    return true;
}

DnsAnswer read_dns_response(Bytes msg, uint16_t id, std::string_view name, uint16_t qtype) {
    using Status = DnsAnswer::Status;
    DnsAnswer a;
    std::string asked;
    if (!append_wire_name(asked, name, true)) {
        a.status = Status::mismatch;  // not a name a query of ours can carry
        return a;
    }
    uint16_t got_id = 0, flags = 0, questions = 0, answers = 0;
    if (!read_u16(msg, 0, got_id)) return a;  // malformed
    if (got_id != id) {
        a.status = Status::mismatch;  // whatever else it is, it does not answer our query
        return a;
    }
    if (msg.size() < kHeaderSize) return a;  // malformed
    read_u16(msg, 2, flags);
    read_u16(msg, 4, questions);
    read_u16(msg, 6, answers);
    if (!(flags & kFlagResponse) || ((flags >> kOpcodeShift) & kOpcodeMask) != 0 || questions != 1) {
        a.status = Status::mismatch;
        return a;
    }
    size_t pos = end_of_our_question(msg, asked, qtype);
    if (pos == 0 || pos == std::string::npos) {
        a.status = pos == 0 ? Status::mismatch : Status::malformed;
        return a;
    }
    const uint16_t rcode = flags & kRcodeMask;
    if (rcode != kRcodeNoError) {
        a.status = rcode == kRcodeNameError ? Status::name_error : Status::failure;
        return a;
    }
    // A truncated message ends where the sender cut it: the records that fit
    // are usable, the rest is missing rather than broken.
    const bool truncated = flags & kFlagTruncated;
    std::vector<Record> records;
    for (uint16_t i = 0; i < answers; ++i) {
        Record r;
        if (!read_record(msg, pos, r)) {
            if (truncated) break;
            return a;  // malformed
        }
        records.push_back(std::move(r));
    }
    if (!collect_addresses(msg, records, asked, qtype, a)) {
        a.addresses.clear();
        return a;  // malformed
    }
    a.status = truncated && a.addresses.empty() ? Status::truncated : Status::ok;
    return a;
}

}  // namespace wshub::net
