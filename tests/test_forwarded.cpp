// http::forwarded_client: the client behind trusted proxies, from
// X-Forwarded-For or Forwarded. A table case per line (address forms,
// ports, several header lines, quoted strings, garbage on either side of
// the client), then the same lists split into header lines at every comma
// and cut at every byte.
#include <string>
#include <vector>

#include "check.h"
#include "http/forwarded.h"
#include "net/cidr.h"

using wshub::http::ForwardedClient;
using wshub::http::ForwardedStatus;

namespace {

// The proxies these tests trust.
bool trusted(const wshub::net::IpKey& ip) {
    static const std::vector<wshub::net::Cidr> ranges = {*wshub::net::parse_cidr("10.0.0.0/8"),
                                                         *wshub::net::parse_cidr("::1"),
                                                         *wshub::net::parse_cidr("2001:db8:ffff::/48")};
    return wshub::net::in_any(ranges, ip);
}

std::string describe(const ForwardedClient& r) {
    switch (r.status) {
    case ForwardedStatus::absent:
        return "absent";
    case ForwardedStatus::found:
        return std::string(r.header) + " " + wshub::net::to_string(r.ip, r.port);
    case ForwardedStatus::unknown:
        return std::string(r.header) + " unknown";
    case ForwardedStatus::malformed:
        return std::string(r.header) + " malformed: " + std::string(r.why);
    }
    return "?";
}

// `header_lines`: whole header lines, each ending in CRLF.
std::string client_of(const std::string& header_lines) {
    const std::string head = "GET /ws HTTP/1.1\r\nHost: x\r\n" + header_lines + "\r\n";
    wshub::http::Request req;
    if (wshub::http::parse_request(head, req) != wshub::http::ParseStatus::ok) return "request refused";
    const auto is_trusted = [](const wshub::net::IpKey& ip) { return trusted(ip); };
    return describe(wshub::http::forwarded_client(req, is_trusted));
}

std::string xff(const std::string& value) { return client_of("X-Forwarded-For: " + value + "\r\n"); }
std::string fwd(const std::string& value) { return client_of("Forwarded: " + value + "\r\n"); }

constexpr const char* kXffBad = "X-Forwarded-For malformed: an X-Forwarded-For element is not an address";
constexpr const char* kFwdBad = "Forwarded malformed: a Forwarded element is not token=value pairs";
constexpr const char* kNodeBad = "Forwarded malformed: a Forwarded for= is not a node";

struct Case {
    const char* name;
    std::string value;
    std::string want;
};

void run_cases(std::string (*read)(const std::string&), const std::vector<Case>& cases) {
    for (const Case& k : cases) {
        const std::string name = std::string(k.name) + ": ";
        CHECK_EQ(name + read(k.value), name + k.want);
    }
}

}  // namespace

TEST(forwarded_x_forwarded_for_cases) {
    run_cases(xff, {
        {"one_client", "203.0.113.7", "X-Forwarded-For 203.0.113.7:0"},
        {"through_a_trusted_hop", "203.0.113.7, 10.0.0.2", "X-Forwarded-For 203.0.113.7:0"},
        {"forged_left_of_the_client", "1.1.1.1, 203.0.113.7, 10.0.0.2", "X-Forwarded-For 203.0.113.7:0"},
        {"forged_trusted_left_of_the_client", "10.9.9.9, 203.0.113.7", "X-Forwarded-For 203.0.113.7:0"},
        {"garbage_left_is_never_read", "<script>;\"', 203.0.113.7", "X-Forwarded-For 203.0.113.7:0"},
        {"every_hop_trusted_leftmost", "10.0.0.5, 10.0.0.3, 10.0.0.2", "X-Forwarded-For 10.0.0.5:0"},
        {"garbage_from_a_trusted_hop", "203.0.113.7, nonsense", kXffBad},
        {"garbage_behind_trusted_hops", "203.0.113.7, 10.0.0.3, 10.0.0.300", kXffBad},
        {"empty_elements_skipped", " , 203.0.113.7,, ,10.0.0.2,", "X-Forwarded-For 203.0.113.7:0"},
        {"only_empty_elements", " , ,", "X-Forwarded-For malformed: no address in the header"},
        {"tabs", "\t203.0.113.7\t,\t10.0.0.2", "X-Forwarded-For 203.0.113.7:0"},
        {"ipv4_port", "203.0.113.7:4711", "X-Forwarded-For 203.0.113.7:4711"},
        {"ipv4_port_0", "203.0.113.7:0", "X-Forwarded-For 203.0.113.7:0"},
        {"ipv4_port_max", "203.0.113.7:65535", "X-Forwarded-For 203.0.113.7:65535"},
        {"ipv4_port_over", "203.0.113.7:65536", kXffBad},
        {"ipv4_port_empty", "203.0.113.7:", kXffBad},
        {"ipv4_port_sign", "203.0.113.7:+80", kXffBad},
        {"ipv4_port_long", "203.0.113.7:000080", kXffBad},
        {"ipv6_bare", "2001:db8::7", "X-Forwarded-For [2001:db8::7]:0"},
        {"ipv6_bare_looks_like_a_port", "2001:db8::7:80", "X-Forwarded-For [2001:db8::7:80]:0"},
        {"ipv6_brackets", "[2001:db8::7]", "X-Forwarded-For [2001:db8::7]:0"},
        {"ipv6_brackets_port", "[2001:db8::7]:4711", "X-Forwarded-For [2001:db8::7]:4711"},
        {"ipv6_brackets_junk_after", "[2001:db8::7]4711", kXffBad},
        {"ipv6_bracket_unclosed", "[2001:db8::7", kXffBad},
        {"ipv4_in_brackets", "[203.0.113.7]", kXffBad},
        {"ipv6_zone", "fe80::1%eth0", kXffBad},
        {"ipv6_trusted_range", "203.0.113.7, 2001:db8:ffff::1", "X-Forwarded-For 203.0.113.7:0"},
        {"ipv6_loopback_trusted", "[2001:db8::9]:5, ::1", "X-Forwarded-For [2001:db8::9]:5"},
        {"ipv4_mapped_client", "::ffff:203.0.113.7", "X-Forwarded-For 203.0.113.7:0"},
        {"ipv4_mapped_trusted", "203.0.113.7, ::ffff:10.0.0.2", "X-Forwarded-For 203.0.113.7:0"},
        {"unknown", "unknown, 10.0.0.2", "X-Forwarded-For unknown"},
        {"quoted", "\"203.0.113.7\"", kXffBad},
        {"hostname", "client.example.com", kXffBad},
        {"leading_zero", "203.0.113.07", kXffBad},
        {"port_alone", ":80", kXffBad},
    });
}

TEST(forwarded_rfc7239_cases) {
    run_cases(fwd, {
        {"one_client", "for=203.0.113.7", "Forwarded 203.0.113.7:0"},
        {"other_pairs", "for=203.0.113.7;proto=https;by=10.0.0.2", "Forwarded 203.0.113.7:0"},
        {"name_case", "For=203.0.113.7", "Forwarded 203.0.113.7:0"},
        {"ipv6_quoted_port", "for=\"[2001:db8:cafe::17]:4711\"", "Forwarded [2001:db8:cafe::17]:4711"},
        {"ipv6_quoted", "for=\"[2001:db8:cafe::17]\"", "Forwarded [2001:db8:cafe::17]:0"},
        {"ipv4_quoted_port", "for=\"203.0.113.7:4711\"", "Forwarded 203.0.113.7:4711"},
        {"ipv4_quoted", "for=\"203.0.113.7\"", "Forwarded 203.0.113.7:0"},
        {"obfuscated_port", "for=\"203.0.113.7:_p1\"", "Forwarded 203.0.113.7:0"},
        {"bad_port", "for=\"203.0.113.7:http\"", kNodeBad},
        {"port_over", "for=\"203.0.113.7:70000\"", kNodeBad},
        {"escaped_node", "for=\"\\[2001:db8::1\\]\"", "Forwarded [2001:db8::1]:0"},
        {"unknown", "for=unknown", "Forwarded unknown"},
        {"unknown_case_and_port", "for=\"UNKNOWN:80\"", "Forwarded unknown"},
        {"obfuscated", "for=_hidden", "Forwarded unknown"},
        {"obfuscated_quoted", "for=\"_hid.den-1_\"", "Forwarded unknown"},
        {"underscore_alone", "for=_", kNodeBad},
        {"obfuscated_bad_char", "for=\"_a!b\"", kNodeBad},
        {"through_a_trusted_hop", "for=203.0.113.7, for=10.0.0.2", "Forwarded 203.0.113.7:0"},
        {"every_hop_trusted_leftmost", "for=10.0.0.5, for=\"[::1]:9\"", "Forwarded 10.0.0.5:0"},
        {"unknown_behind_a_trusted_hop", "for=unknown, for=10.0.0.2", "Forwarded unknown"},
        {"unknown_is_nearer_than_the_client", "for=203.0.113.7, for=unknown", "Forwarded unknown"},
        {"element_without_for", "for=203.0.113.7, proto=https", "Forwarded unknown"},
        {"ipv6_unquoted", "for=[2001:db8::1]", kFwdBad},
        {"ipv6_unbracketed", "for=\"2001:db8::1\"", kNodeBad},
        {"empty_quoted", "for=\"\"", kNodeBad},
        {"empty_value", "for=", kFwdBad},
        {"space_around_equals", "for = 203.0.113.7", kFwdBad},
        {"pairs_without_semicolon", "for=203.0.113.7 proto=http", kFwdBad},
        {"space_around_semicolon", "for=203.0.113.7 ; proto=http", "Forwarded 203.0.113.7:0"},
        {"empty_pairs", ";for=203.0.113.7;;", "Forwarded 203.0.113.7:0"},
        {"for_twice", "for=203.0.113.7;for=203.0.113.8", "Forwarded malformed: a Forwarded element has for= twice"},
        {"comma_and_semicolon_quoted", "for=203.0.113.9;note=\"a, b; for=1.2.3.4\"", "Forwarded 203.0.113.9:0"},
        {"escaped_quote", "for=203.0.113.9;note=\"say \\\"hi, there\\\"\"", "Forwarded 203.0.113.9:0"},
        {"escaped_backslash_ends_string", "for=203.0.113.9;note=\"a\\\\\", for=10.0.0.2", "Forwarded 203.0.113.9:0"},
        {"unclosed_quote_reached", "for=203.0.113.9;note=\"abc",
         "Forwarded malformed: a Forwarded element's quotes do not pair up"},
        {"unclosed_quote_left_of_the_client", "for=\"abc, for=203.0.113.9", "Forwarded 203.0.113.9:0"},
        {"garbage_left_of_the_client", "@@ \\\"x, for=203.0.113.9", "Forwarded 203.0.113.9:0"},
        {"garbage_from_a_trusted_hop", "for=203.0.113.9, @@", kFwdBad},
        {"escaped_quote_outside_a_string", "for=203.0.113.9;a=b\\\"",
         "Forwarded malformed: a Forwarded element's quotes do not pair up"},
        {"only_empty_elements", ", ,", "Forwarded malformed: no address in the header"},
        {"for_too_long", "for=\"_" + std::string(96, 'x') + "\"", kFwdBad},
        {"for_longest_taken", "for=\"_" + std::string(95, 'x') + "\"", "Forwarded unknown"},
        {"for_too_long_unquoted", "for=_" + std::string(96, 'x'), kFwdBad},
        {"long_other_value", "for=203.0.113.9;note=\"" + std::string(500, 'x') + "\"", "Forwarded 203.0.113.9:0"},
    });
}

TEST(forwarded_header_lines) {
    // Every line of the name, in order, as one list; other headers between them.
    CHECK_EQ(client_of("X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n"),
             "X-Forwarded-For 203.0.113.7:0");
    CHECK_EQ(client_of("X-Forwarded-For: 1.1.1.1\r\nOrigin: o\r\nx-forwarded-for: 203.0.113.9\r\n"),
             "X-Forwarded-For 203.0.113.9:0");
    CHECK_EQ(client_of("X-Forwarded-For: 203.0.113.7, 10.0.0.9\r\nX-FORWARDED-FOR: 10.0.0.2, 10.0.0.3\r\n"),
             "X-Forwarded-For 203.0.113.7:0");
    CHECK_EQ(client_of("X-Forwarded-For: bad!\r\nX-Forwarded-For: 203.0.113.7\r\n"), "X-Forwarded-For 203.0.113.7:0");
    CHECK_EQ(client_of("X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\n"), "X-Forwarded-For 10.0.0.1:0");
    CHECK_EQ(client_of("X-Forwarded-For:\r\n"), "X-Forwarded-For malformed: no address in the header");
    CHECK_EQ(client_of("Forwarded: for=203.0.113.7\r\nForwarded: for=10.0.0.2\r\n"), "Forwarded 203.0.113.7:0");
    CHECK_EQ(client_of("Forwarded: for=\"abc\r\nForwarded: for=203.0.113.7\r\n"), "Forwarded 203.0.113.7:0");
    CHECK_EQ(client_of("Forwarded: for=203.0.113.7\r\nForwarded: for=\"abc\r\n"),
             "Forwarded malformed: a Forwarded element's quotes do not pair up");
    // X-Forwarded-For first, whatever Forwarded says and even when it is broken.
    CHECK_EQ(client_of("Forwarded: for=203.0.113.1\r\nX-Forwarded-For: 203.0.113.2\r\n"),
             "X-Forwarded-For 203.0.113.2:0");
    CHECK_EQ(client_of("Forwarded: for=203.0.113.1\r\nX-Forwarded-For: nonsense\r\n"), kXffBad);
    CHECK_EQ(client_of("Forwarded-For: 203.0.113.1\r\nX-Real-IP: 203.0.113.2\r\n"), "absent");
    CHECK_EQ(client_of(""), "absent");
}

// What a list cut short may give: what the whole gives, an address of its
// own, a cut-short port or "::" (a cut "::1"), or no address.
bool possible_after_cut(const std::string& name, const std::string& got, const std::string& whole) {
    for (const char* kind : {"malformed", "unknown"})
        if (got.find(kind) != std::string::npos) return true;
    for (const char* address : {" 1.1.1.1:0", " 203.0.113.7:0", " [::]:0"})
        if (got == name + address) return true;
    return got == whole || got.find(name + " [2001:db8::5]:") == 0;
}

// A list gives the same client however it is split into header lines at its
// commas, and cutting a line at any byte neither reads past it nor finds an
// address that is not one of the list's.
TEST(forwarded_every_split_point) {
    const std::vector<std::pair<std::string, std::string>> lists = {
        {"X-Forwarded-For", "1.1.1.1, 203.0.113.7,[2001:db8::5]:80, 10.0.0.3 ,::1"},
        {"Forwarded", "for=1.1.1.1, for=\"[2001:db8::5]:80\";note=\"x,y\", for=10.0.0.3;by=_a, for=\"[::1]\""},
    };
    for (const auto& [name, list] : lists) {
        const std::string whole = client_of(name + ": " + list + "\r\n");
        CHECK_EQ(whole, name + " [2001:db8::5]:80");
        for (size_t comma = list.find(','); comma != std::string::npos; comma = list.find(',', comma + 1)) {
            // A comma inside the quoted note does not end an element: skip it.
            if (name == "Forwarded" && list.compare(comma - 1, 3, "x,y") == 0) continue;
            const std::string at = name + " split at " + std::to_string(comma) + ": ";
            const std::string split =
                name + ": " + list.substr(0, comma) + "\r\n" + name + ": " + list.substr(comma + 1) + "\r\n";
            CHECK_EQ(at + client_of(split), at + whole);
        }
        for (size_t cut = 0; cut <= list.size(); ++cut) {
            const std::string got = client_of(name + ": " + list.substr(0, cut) + "\r\n");
            if (!possible_after_cut(name, got, whole))
                CHECK_EQ(name + " cut at " + std::to_string(cut) + ": " + got, std::string("one of the list's"));
        }
    }
}
