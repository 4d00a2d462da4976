// net/dns_message.h: query bytes against RFC 1035 4.1 written out by hand,
// and responses built byte by byte here (not by the code under test).
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "check.h"
#include "net/dns_message.h"

using namespace wshub::net;
using Status = DnsAnswer::Status;

namespace {

constexpr uint16_t kId = 0x4d2e;
constexpr uint16_t kResponseFlags = 0x8180;  // QR, RD, RA, rcode 0
constexpr uint16_t kTruncatedFlags = 0x8380;  // the same with TC
constexpr uint16_t kPointerToQuestion = 0xc00c;

// A message written out field by field.
struct Msg {
    std::vector<uint8_t> b;
    Msg& u8(uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Msg& u16(uint16_t v) { return u8(uint8_t(v >> 8)).u8(uint8_t(v)); }
    Msg& u32(uint32_t v) { return u16(uint16_t(v >> 16)).u16(uint16_t(v)); }
    // Labels of a dotted name, then the root's zero byte if `end`.
    Msg& labels(const std::string& dotted, bool end = true) {
        size_t start = 0;
        while (start < dotted.size()) {
            size_t dot = dotted.find('.', start);
            if (dot == std::string::npos) dot = dotted.size();
            u8(uint8_t(dot - start));
            for (size_t i = start; i < dot; ++i) u8(uint8_t(dotted[i]));
            start = dot + 1;
        }
        return end ? u8(0) : *this;
    }
    Msg& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an) { return u16(id).u16(flags).u16(qd).u16(an).u32(0); }
    Msg& question(const std::string& name, uint16_t type) { return labels(name).u16(type).u16(kDnsClassIn); }
    // Type, class IN, TTL and data length; the owner is written before.
    Msg& fixed(uint16_t type, uint32_t ttl, uint16_t rdlength) { return u16(type).u16(kDnsClassIn).u32(ttl).u16(rdlength); }
    Msg& a_record(uint16_t owner_pointer, uint32_t ttl, uint8_t a, uint8_t b_, uint8_t c, uint8_t d) {
        return u16(owner_pointer).fixed(kDnsTypeA, ttl, 4).u8(a).u8(b_).u8(c).u8(d);
    }
    size_t size() const { return b.size(); }
};

Msg response_head(uint16_t an, const std::string& qname = "www.example.com", uint16_t type = kDnsTypeA,
                  uint16_t flags = kResponseFlags) {
    Msg m;
    m.header(kId, flags, 1, an).question(qname, type);
    return m;
}

std::array<uint8_t, 16> v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

DnsAnswer read(const Msg& m, const char* name = "www.example.com", uint16_t type = kDnsTypeA) {
    return read_dns_response(m.b, kId, name, type);
}

// www.example.com CNAME edge.example.com ("edge", then a pointer into the
// question); edge.example.com CNAME cdn.example.com (its owner a pointer to
// the first target, its target "cdn" and a pointer); cdn.example.com A
// 192.0.2.7 and A 192.0.2.8 (owners pointing at a name that itself ends in a
// pointer); other.example.com A 198.51.100.1, not on the chain.
Msg cname_chain_response() {
    Msg m = response_head(5);
    const uint16_t edge = uint16_t(m.size() + 12);  // where the first CNAME's data starts
    m.u16(kPointerToQuestion).fixed(kDnsTypeCname, 300, 7).labels("edge", false).u16(0xc010);
    const uint16_t cdn = uint16_t(m.size() + 12);
    m.u16(uint16_t(0xc000 | edge)).fixed(kDnsTypeCname, 300, 6).labels("cdn", false).u16(0xc010);
    m.a_record(uint16_t(0xc000 | cdn), 60, 192, 0, 2, 7);
    m.a_record(uint16_t(0xc000 | cdn), 30, 192, 0, 2, 8);
    m.labels("other", false).u16(0xc010).fixed(kDnsTypeA, 5, 4).u32(0xc6336401);
    return m;
}

template <size_t N>
std::string bytes(const char (&literal)[N]) {
    return std::string(literal, N - 1);
}

}  // namespace

TEST(dns_query_bytes_are_rfc1035_exactly) {
    std::string out = "prefix";
    CHECK(write_dns_query(out, 0xbeef, "www.Example.com", kDnsTypeA));
    const std::string expected = "prefix" + bytes("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"  // id, RD, one question
                                                  "\x03www\x07" "Example\x03" "com\x00"
                                                  "\x00\x01\x00\x01");  // type A, class IN
    CHECK_EQ(out, expected);

    std::string aaaa;
    CHECK(write_dns_query(aaaa, 0x0102, "db.", kDnsTypeAaaa));
    CHECK_EQ(aaaa, bytes("\x01\x02\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x02" "db\x00\x00\x1c\x00\x01"));
}

TEST(dns_query_refuses_what_is_not_a_host_name) {
    const std::string label63(63, 'a');
    const std::string long253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
    struct Case {
        std::string name;
        bool ok;
    } cases[] = {
        {"backend", true},        {"my_service-1.ns.svc", true}, {"backend.", true},
        {label63, true},          {long253, true},               {long253 + ".", true},
        {"", false},              {".", false},                  {"a..b", false},
        {".a", false},            {"a.b..", false},              {"a b", false},
        {"ex%ample", false},      {label63 + "a", false},        {long253 + "b", false},
        {std::string("a\0b", 3), false}, {"caf\xc3\xa9", false},
    };
    for (const auto& k : cases) {
        std::string out = "x";
        CHECK_EQ(write_dns_query(out, 1, k.name, kDnsTypeA), k.ok);
        if (!k.ok) CHECK_EQ(out, std::string("x"));
    }
}

TEST(dns_response_a_records_with_the_smallest_ttl) {
    Msg m = response_head(2);
    m.a_record(kPointerToQuestion, 300, 192, 0, 2, 1).a_record(kPointerToQuestion, 120, 192, 0, 2, 2);
    const DnsAnswer a = read(m);
    CHECK_EQ(a.status, Status::ok);
    CHECK_EQ(a.addresses.size(), size_t(2));
    if (a.addresses.size() == 2) {
        CHECK(a.addresses[0] == v4(192, 0, 2, 1));
        CHECK(a.addresses[1] == v4(192, 0, 2, 2));
    }
    CHECK_EQ(a.ttl, uint32_t(120));
}

TEST(dns_response_aaaa_record) {
    Msg m = response_head(1, "db.internal", kDnsTypeAaaa);
    m.u16(kPointerToQuestion).fixed(kDnsTypeAaaa, 77, 16);
    const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
    for (uint8_t byte : ip) m.u8(byte);
    const DnsAnswer a = read(m, "DB.Internal.", kDnsTypeAaaa);
    CHECK_EQ(a.status, Status::ok);
    CHECK_EQ(a.addresses.size(), size_t(1));
    if (!a.addresses.empty()) CHECK(std::equal(a.addresses[0].begin(), a.addresses[0].end(), ip));
    CHECK_EQ(a.ttl, uint32_t(77));
    // Asked for A, the same message is another question.
    CHECK_EQ(read(m, "db.internal", kDnsTypeA).status, Status::mismatch);
}

TEST(dns_response_follows_the_cname_chain_through_pointers) {
    const Msg m = cname_chain_response();
    const DnsAnswer a = read(m, "WWW.example.COM");
    CHECK_EQ(a.status, Status::ok);
    CHECK_EQ(a.addresses.size(), size_t(2));  // not other.example.net's
    if (a.addresses.size() == 2) {
        CHECK(a.addresses[0] == v4(192, 0, 2, 7));
        CHECK(a.addresses[1] == v4(192, 0, 2, 8));
    }
    CHECK_EQ(a.ttl, uint32_t(30));
}

TEST(dns_response_cname_chain_in_any_order_and_loops_end) {
    // The address first, then the CNAME that leads to it.
    Msg m = response_head(2);
    const uint16_t alias = uint16_t(m.size());
    m.labels("alias.example.org").fixed(kDnsTypeA, 9, 4).u32(0x0a000001);
    m.u16(kPointerToQuestion).fixed(kDnsTypeCname, 9, 2).u16(uint16_t(0xc000 | alias));
    DnsAnswer a = read(m);
    CHECK_EQ(a.status, Status::ok);
    CHECK_EQ(a.addresses.size(), size_t(1));
    if (!a.addresses.empty()) CHECK(a.addresses[0] == v4(10, 0, 0, 1));

    // www CNAME loop.example.org CNAME www: no address, and an end.
    Msg loop = response_head(2);
    const uint16_t target = uint16_t(loop.size() + 12);
    loop.u16(kPointerToQuestion).fixed(kDnsTypeCname, 9, 18).labels("loop.example.org");
    loop.u16(uint16_t(0xc000 | target)).fixed(kDnsTypeCname, 9, 2).u16(kPointerToQuestion);
    a = read(loop);
    CHECK_EQ(a.status, Status::ok);
    CHECK(a.addresses.empty());
}

TEST(dns_response_ignores_records_not_for_the_question) {
    Msg m = response_head(3);
    m.labels("elsewhere.example").fixed(kDnsTypeA, 9, 4).u32(0x01020304);  // another owner
    m.u16(kPointerToQuestion).u16(kDnsTypeA).u16(3).u32(9).u16(4).u32(0x05060708);  // class CH
    m.u16(kPointerToQuestion).fixed(16, 9, 3).u8(2).u8('h').u8('i');  // TXT
    const DnsAnswer a = read(m);
    CHECK_EQ(a.status, Status::ok);  // the name exists, without an A record
    CHECK(a.addresses.empty());
}

TEST(dns_response_pointer_loops_and_bad_labels_are_malformed) {
    // The answer's owner points at itself.
    Msg self = response_head(1);
    const uint16_t here = uint16_t(self.size());
    self.u16(uint16_t(0xc000 | here)).fixed(kDnsTypeA, 1, 4).u32(1);
    CHECK_EQ(read(self).status, Status::malformed);

    // Two pointers pointing at each other.
    Msg pair = response_head(1);
    const uint16_t first = uint16_t(pair.size());
    pair.u16(uint16_t(0xc000 | (first + 2))).u16(uint16_t(0xc000 | first)).fixed(kDnsTypeA, 1, 4).u32(1);
    CHECK_EQ(read(pair).status, Status::malformed);

    // The question's name is a pointer to itself.
    Msg question;
    question.header(kId, kResponseFlags, 1, 0).u16(kPointerToQuestion).u16(kDnsTypeA).u16(kDnsClassIn);
    CHECK_EQ(read(question).status, Status::malformed);

    // A pointer past the end, and the reserved label types 01 and 10.
    Msg past = response_head(1);
    past.u16(0xcfff).fixed(kDnsTypeA, 1, 4).u32(1);
    CHECK_EQ(read(past).status, Status::malformed);
    for (uint8_t reserved : {uint8_t(0x40), uint8_t(0x80)}) {
        Msg m = response_head(1);
        m.u8(reserved).u8(0).fixed(kDnsTypeA, 1, 4).u32(1);
        CHECK_EQ(read(m).status, Status::malformed);
    }
}

TEST(dns_response_wrong_sizes_are_malformed) {
    Msg short_a = response_head(1);
    short_a.u16(kPointerToQuestion).fixed(kDnsTypeA, 1, 3).u8(1).u8(2).u8(3);
    CHECK_EQ(read(short_a).status, Status::malformed);

    Msg long_rdata = response_head(1);
    long_rdata.u16(kPointerToQuestion).fixed(kDnsTypeA, 1, 8).u32(1);  // says 8, has 4
    CHECK_EQ(read(long_rdata).status, Status::malformed);

    Msg bad_cname = response_head(1);  // the name inside is shorter than the data
    bad_cname.u16(kPointerToQuestion).fixed(kDnsTypeCname, 1, 4).u16(kPointerToQuestion).u16(0);
    CHECK_EQ(read(bad_cname).status, Status::malformed);
}

TEST(dns_response_cut_at_every_length_is_malformed) {
    const Msg whole = cname_chain_response();
    CHECK_EQ(read(whole).status, Status::ok);
    for (size_t n = 0; n < whole.size(); ++n) {
        Msg cut;
        cut.b.assign(whole.b.begin(), whole.b.begin() + long(n));  // exactly n bytes: ASan sees a read past them
        const DnsAnswer a = read(cut);
        if (a.status != Status::malformed) CHECK_EQ(n, whole.size());  // prints the length that passed
        CHECK(a.addresses.empty());
    }
}

TEST(dns_response_not_ours_is_a_mismatch) {
    const Msg ok = cname_chain_response();
    CHECK_EQ(read_dns_response(ok.b, kId + 1, "www.example.com", kDnsTypeA).status, Status::mismatch);
    CHECK_EQ(read(ok, "www.example.org").status, Status::mismatch);
    CHECK_EQ(read(ok, "example.com").status, Status::mismatch);
    CHECK_EQ(read(ok, "www.example.com", kDnsTypeAaaa).status, Status::mismatch);

    Msg short_other;  // too short for a header, but another id: not ours whatever it is
    short_other.u16(kId ^ 0x8000).u8(0x81);
    CHECK_EQ(read(short_other).status, Status::mismatch);

    Msg query;  // QR clear: our own query echoed back
    query.header(kId, 0x0100, 1, 0).question("www.example.com", kDnsTypeA);
    CHECK_EQ(read(query).status, Status::mismatch);
    Msg notify;  // opcode 4
    notify.header(kId, 0x8000 | 4 << 11, 1, 0).question("www.example.com", kDnsTypeA);
    CHECK_EQ(read(notify).status, Status::mismatch);
    Msg chaos;  // class CH
    chaos.header(kId, kResponseFlags, 1, 0).labels("www.example.com").u16(kDnsTypeA).u16(3);
    CHECK_EQ(read(chaos).status, Status::mismatch);
    for (uint16_t questions : {uint16_t(0), uint16_t(2)}) {
        Msg m;
        m.header(kId, kResponseFlags, questions, 0).question("www.example.com", kDnsTypeA).question("www.example.com", kDnsTypeA);
        CHECK_EQ(read(m).status, Status::mismatch);
    }
}

TEST(dns_response_error_codes) {
    struct Case {
        uint16_t rcode;
        Status status;
    } cases[] = {{3, Status::name_error}, {2, Status::failure}, {5, Status::failure}, {1, Status::failure}, {4, Status::failure}};
    for (const auto& k : cases) {
        Msg m = response_head(1, "www.example.com", kDnsTypeA, uint16_t(kResponseFlags | k.rcode));
        m.a_record(kPointerToQuestion, 1, 192, 0, 2, 1);  // no address counts with an error
        const DnsAnswer a = read(m);
        CHECK_EQ(a.status, k.status);
        CHECK(a.addresses.empty());
    }
}

TEST(dns_response_truncated) {
    const Msg empty = response_head(0, "www.example.com", kDnsTypeA, kTruncatedFlags);
    CHECK_EQ(read(empty).status, Status::truncated);

    // Says two answers; the second is cut: the first is usable.
    Msg partial = response_head(2, "www.example.com", kDnsTypeA, kTruncatedFlags);
    partial.a_record(kPointerToQuestion, 5, 192, 0, 2, 1).u16(kPointerToQuestion).u16(kDnsTypeA);
    DnsAnswer a = read(partial);
    CHECK_EQ(a.status, Status::ok);
    CHECK_EQ(a.addresses.size(), size_t(1));

    // Says one answer, cut inside it: nothing usable.
    Msg cut = response_head(1, "www.example.com", kDnsTypeA, kTruncatedFlags);
    cut.u16(kPointerToQuestion).fixed(kDnsTypeA, 5, 4).u8(192);
    CHECK_EQ(read(cut).status, Status::truncated);

    // Without TC the same cut is malformed.
    Msg cut_plain = response_head(1);
    cut_plain.u16(kPointerToQuestion).fixed(kDnsTypeA, 5, 4).u8(192);
    CHECK_EQ(read(cut_plain).status, Status::malformed);
}
