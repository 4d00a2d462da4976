#include "net/resolve.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>

#include "net/dns_exchange.h"
#include "net/dns_message.h"
#include "net/ip.h"

namespace wshub::net {
namespace {

constexpr size_t kMaxNameservers = 3;  // resolv.conf(5): MAXNS
constexpr uint32_t kMaxTimeoutSeconds = 30;
constexpr uint32_t kMaxAttempts = 5;
constexpr uint16_t kDnsPort = 53;

// The blank-separated words of a line.
std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    size_t pos = 0;
    for (;;) {
        pos = line.find_first_not_of(" \t\r", pos);
        if (pos == std::string_view::npos) return words;
        const size_t end = std::min(line.find_first_of(" \t\r", pos), line.size());
        words.push_back(line.substr(pos, end - pos));
        pos = end;
    }
}

Address address_of(const IpKey& ip, uint16_t port) {
    Address a;
    if (is_ipv4(ip)) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(port);
        std::memcpy(&sin.sin_addr, ip.bytes.data() + 12, 4);
        std::memcpy(&a.storage, &sin, sizeof sin);
        a.length = sizeof sin;
    } else {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(port);
        std::memcpy(&sin6.sin6_addr, ip.bytes.data(), 16);
        std::memcpy(&a.storage, &sin6, sizeof sin6);
        a.length = sizeof sin6;
    }
    return a;
}

// "timeout:3" with key "timeout:" gives 3 clamped to [low, high]; false if
// the word is another option or its number does not parse.
bool option_value(std::string_view word, std::string_view key, uint32_t low, uint32_t high, uint32_t& value) {
    if (!word.starts_with(key)) return false;
    const std::string_view digits = word.substr(key.size());
    uint32_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return false;
    value = std::clamp(n, low, high);
    return true;
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; };
               return fold(x) == fold(y);
           });
}

// Every address the hosts file gives `name`, in file order (none if the
// file cannot be read).
std::vector<IpKey> hosts_addresses(const std::string& path, std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::vector<IpKey> found;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const std::string_view text = std::string_view(line).substr(0, line.find('#'));
        const std::vector<std::string_view> words = words_of(text);
        if (words.size() < 2) continue;
        const std::optional<IpKey> ip = parse_ip(words[0]);
        if (!ip) continue;
        if (std::any_of(words.begin() + 1, words.end(), [&](std::string_view w) { return same_name(w, name); }))
            found.push_back(*ip);
    }
    return found;
}

const char* trouble_text(DnsTrouble trouble) {
    switch (trouble) {
        case DnsTrouble::server_failure: return "the nameservers failed (SERVFAIL, REFUSED or another error)";
        case DnsTrouble::malformed: return "malformed answers from the nameservers";
        case DnsTrouble::no_answer:
        case DnsTrouble::none: break;
    }
    return "no answer from the nameservers";
}

// Whether the questions need no further try: an address came, the name
// does not exist, or every question is answered.
bool lookup_done(std::span<const DnsQuestion> questions) {
    return std::any_of(questions.begin(), questions.end(), [](const DnsQuestion& q) {
               return !q.answer.addresses.empty() || (q.settled && q.answer.status == DnsAnswer::Status::name_error);
           }) ||
           std::all_of(questions.begin(), questions.end(), [](const DnsQuestion& q) { return q.settled; });
}

// The addresses DNS gives `name` (A records first), or false with `why`.
bool dns_addresses(const ResolverConfig& rc, std::string_view name, std::vector<IpKey>& found, std::string& why) {
    std::string probe;
    if (!write_dns_query(probe, 0, name, kDnsTypeA)) {
        why = "not a valid host name";
        return false;
    }
    if (rc.nameservers.empty()) {
        why = "no nameservers configured";
        return false;
    }
    DnsQuestion questions[] = {{kDnsTypeA, false, {}}, {kDnsTypeAaaa, false, {}}};
    DnsTrouble worst = DnsTrouble::none;
    for (uint32_t attempt = 0; attempt < std::max(rc.attempts, 1u) && !lookup_done(questions); ++attempt) {
        for (const Address& server : rc.nameservers) {
            const auto deadline = DnsClock::now() + std::chrono::milliseconds(rc.timeout_ms);
            worst = std::max(worst, ask_nameserver(server, name, questions, deadline));
            if (lookup_done(questions)) break;
        }
    }
    bool nonexistent = false, all_answered = true;
    for (const DnsQuestion& q : questions) {
        for (const auto& bytes : q.answer.addresses) found.push_back(IpKey{bytes});
        nonexistent |= q.settled && q.answer.status == DnsAnswer::Status::name_error;
        all_answered &= q.settled;
    }
    if (!found.empty()) return true;
    why = nonexistent ? "no such host" : all_answered ? "the host has no address" : trouble_text(worst);
    return false;
}

}  // namespace

ResolverConfig read_resolv_conf(const std::string& path) {
    ResolverConfig rc;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const std::vector<std::string_view> words = words_of(line);
        if (words.empty() || words[0].starts_with('#') || words[0].starts_with(';')) continue;
        if (words[0] == "nameserver" && words.size() >= 2 && rc.nameservers.size() < kMaxNameservers) {
            if (const std::optional<IpKey> ip = parse_ip(words[1])) rc.nameservers.push_back(address_of(*ip, kDnsPort));
        } else if (words[0] == "options") {
            for (std::string_view w : words) {
                uint32_t seconds = 0;
                if (option_value(w, "timeout:", 1, kMaxTimeoutSeconds, seconds)) rc.timeout_ms = seconds * 1000;
                option_value(w, "attempts:", 1, kMaxAttempts, rc.attempts);
            }
        }
    }
    if (rc.nameservers.empty()) rc.nameservers.push_back(address_of(*parse_ip("127.0.0.1"), kDnsPort));
    return rc;
}

bool resolve(const ResolverConfig& rc, std::string_view name, uint16_t port, std::vector<Address>& out,
             std::string& why) {
    out.clear();
    std::string_view literal = name;
    if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']' && literal.find(':') != literal.npos)
        literal = literal.substr(1, literal.size() - 2);
    std::vector<IpKey> found;
    if (const std::optional<IpKey> ip = parse_ip(literal)) found.push_back(*ip);
    else found = hosts_addresses(rc.hosts_path, name);
    if (found.empty() && !dns_addresses(rc, name, found, why)) return false;
    // IPv4 first, each family in the order found, each address once.
    std::stable_partition(found.begin(), found.end(), [](const IpKey& ip) { return is_ipv4(ip); });
    for (size_t i = 0; i < found.size(); ++i) {
        if (std::find(found.begin(), found.begin() + long(i), found[i]) == found.begin() + long(i))
            out.push_back(address_of(found[i], port));
    }
    return true;
}

}  // namespace wshub::net
