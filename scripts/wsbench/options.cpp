#include "options.h"

#include "chat_json.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

namespace wsbench {

namespace {

constexpr const char* kScenarios[] = {"echo", "fanout", "connect", "idle"};

bool parse_port(std::string_view s, uint16_t& port) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return false;
    port = uint16_t(v);
    return true;
}

// Integer with an optional binary suffix: 1024, 1KiB, 1k, 2MiB, 2M.
bool parse_size(std::string_view s, uint64_t& out) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p == s.data()) return false;
    std::string_view suffix(p, size_t(s.data() + s.size() - p));
    uint64_t mul = 1;
    if (suffix.empty()) mul = 1;
    else if (suffix == "k" || suffix == "K" || suffix == "KiB") mul = 1024;
    else if (suffix == "M" || suffix == "MiB") mul = 1024 * 1024;
    else return false;
    if (v > (uint64_t(1) << 40) / mul) return false;
    out = v * mul;
    return true;
}

bool parse_u32(std::string_view s, uint32_t lo, uint32_t hi, uint32_t& out) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
    out = uint32_t(v);
    return true;
}

bool parse_number(std::string_view s, double lo, double hi, double& out) {
    std::string copy(s);
    char* end = nullptr;
    double v = std::strtod(copy.c_str(), &end);
    if (copy.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool parse_seconds(std::string_view s, double lo, double& out) { return parse_number(s, lo, 86400, out); }

}  // namespace

std::string parse_url(const std::string& url, Target& out) {
    const std::string_view scheme = "ws://";
    std::string_view u(url);
    if (u.substr(0, 6) == "wss://") return "wss:// is not supported (no TLS), use ws://";
    if (u.substr(0, scheme.size()) != scheme) return "expected ws://HOST:PORT/PATH";
    u.remove_prefix(scheme.size());
    size_t slash = u.find('/');
    std::string_view authority = u.substr(0, slash);
    std::string_view resource = slash == std::string_view::npos ? "/" : u.substr(slash);

    std::string_view host;
    std::string_view port_text;
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return "unterminated [IPv6] host";
        host = authority.substr(1, close - 1);
        std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && rest[0] != ':') return "expected :PORT after ]";
        if (!rest.empty()) port_text = rest.substr(1);
    } else {
        size_t colon = authority.rfind(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    uint16_t port = 80;
    if (!port_text.empty() && !parse_port(port_text, port)) return "bad port '" + std::string(port_text) + "'";
    if (host.empty()) return "missing host";

    std::string h = host == "localhost" ? "127.0.0.1" : std::string(host);
    out = Target{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
    if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out.addr_len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        out.addr_len = sizeof(sockaddr_in6);
    } else {
        return "host must be a numeric address or localhost, got '" + std::string(host) + "'";
    }
    out.host_header = std::string(authority);
    out.resource = std::string(resource);
    out.url = url;
    return {};
}

std::string usage() {
    return
        "usage: wsbench SCENARIO --url ws://HOST:PORT/PATH [options]\n"
        "\n"
        "A WebSocket load generator: one thread, one event loop.\n"
        "\n"
        "scenarios:\n"
        "  echo    each connection keeps --inflight messages in flight and sends the\n"
        "          next as each echo returns; reports round trips/s and latency\n"
        "  fanout  --subscribers connections join the URL's room (e.g. a wshub raw\n"
        "          route, ws://HOST:PORT/raw?room=bench), then --publishers more; each\n"
        "          publisher keeps --inflight messages in flight, a message leaving the\n"
        "          window once every subscriber has it. Every receiver checks each\n"
        "          publisher's sequence numbers (loss, reordering); reports deliveries/s,\n"
        "          publish rate and publish-to-receive latency\n"
        "  connect --concurrency attempts at a time, each a new connection through the\n"
        "          upgrade, then our close 1000, the server's close and its EOF;\n"
        "          reports upgrades/s, connect-to-101 latency and the failures\n"
        "  idle    opens --connections connections (default 10000) and holds them:\n"
        "          --warmup to settle, then --duration (default 2); with --server-pid,\n"
        "          reports the server's RSS growth per connection and the kernel's\n"
        "          share (socket slab objects and buffers)\n"
        "\n"
        "options:\n"
        "  --url URL             ws://HOST:PORT/PATH; HOST numeric or localhost (required).\n"
        "                        fanout: repeatable, one URL per node of a cluster; the\n"
        "                        subscribers are split evenly over the URLs (the first ones\n"
        "                        taking any remainder), the publishers all on the first\n"
        "  --connections N       echo, idle: connections to open (default 100; idle 10000)\n"
        "  --concurrency N       connect: connections being opened or closed at once\n"
        "                        (default 64)\n"
        "  --subscribers S       fanout: receiving connections, opened first (default 100)\n"
        "  --publishers P        fanout: sending connections, opened next (default 1)\n"
        "  --rate N              fanout: messages per second per publisher (default: as fast\n"
        "                        as the in-flight window allows)\n"
        "  --size BYTES          payload bytes per message; suffix KiB or MiB allowed (default\n"
        "                        16; fanout: 64, at least 24; --json: 1024, at least 192)\n"
        "  --inflight K          messages in flight per connection (default 1), or per\n"
        "                        publisher (fanout, default 16)\n"
        "  --duration SECONDS    measured time (default 5)\n"
        "  --warmup SECONDS      unmeasured time before it (default 1)\n"
        "  --dial-batch N        connects and handshakes in progress at once (default 256)\n"
        "  --dial-timeout SECONDS  for one connect plus handshake (default 10)\n"
        "  --text | --binary     message type (default --text; payloads are ASCII)\n"
        "  --json                fanout: each payload a chat message in JSON, its words\n"
        "                        changing from message to message (default: letters after\n"
        "                        a binary header); --size at least 192, default 1024\n"
        "  --deflate             fanout: every connection offers permessage-deflate\n"
        "                        (client_max_window_bits), and the 101 must accept it;\n"
        "                        compressed messages (RSV1) are inflated with wshub's own\n"
        "                        inflater before they are checked. Publishers send\n"
        "                        uncompressed. Reports the wire bytes per delivery and the\n"
        "                        share that came compressed\n"
        "  --protocol P          fanout: websocket (default: each payload is one WebSocket\n"
        "                        message) or socketio: Socket.IO 4 over WebSocket (URLs\n"
        "                        like ws://HOST:PORT/socket.io/?EIO=4&transport=websocket);\n"
        "                        every subscriber emits join(--room) and waits for its ack,\n"
        "                        publishers emit pub(room, payload) and members receive\n"
        "                        msg(payload), the payload a JSON string (text events);\n"
        "                        Engine.IO pings are answered. Not with --deflate or --binary\n"
        "  --room NAME           fanout, socketio: the room (default bench)\n"
        "  --settle SECONDS      fanout: wait this long after the subscribers have joined\n"
        "                        before the publishers connect, e.g. for the other nodes'\n"
        "                        subscriptions to their bus to take effect (default 0)\n"
        "  --inflate-each        with --deflate: inflate every copy of a message (default:\n"
        "                        a copy whose compressed bytes match a message inflated\n"
        "                        before, when the server compresses each message alone,\n"
        "                        takes its inflated bytes; see message_inflater.h)\n"
        "  --server-pid PID      the server's process: its CPU time over the measured\n"
        "                        window is reported next to the generator's (idle: also\n"
        "                        its memory). Repeatable (a cluster's nodes, its bus): the\n"
        "                        CPU time is their sum; idle reads the first one's memory\n"
        "  --server-name NAME    a label for the report and the CSV (default -)\n"
        "  --csv FILE            append one result line; a header first if FILE is new\n"
        "  --help                this text\n"
        "\n"
        "Prints one summary table on stdout and, when stderr is a terminal, a progress\n"
        "line each second. Exit status: 0 without errors, 1 with any error (connect,\n"
        "handshake, protocol, unexpected close; fanout: also any lost or reordered\n"
        "message), 2 on a bad command line.\n";
}

ParseOutcome parse_options(int argc, char** argv, Options& opts, std::string& error) {
    if (argc < 2) {
        error = "missing SCENARIO (try --help)";
        return ParseOutcome::usage_error;
    }
    std::string_view first = argv[1];
    if (first == "--help" || first == "-h") return ParseOutcome::help;
    bool known = false;
    for (const char* s : kScenarios) known = known || first == s;
    if (!known) {
        error = "unknown scenario '" + std::string(first) + "' (scenarios: echo, fanout, connect, idle)";
        return ParseOutcome::usage_error;
    }
    opts.scenario = std::string(first);

    const bool fanout = opts.scenario == "fanout";
    const bool idle = opts.scenario == "idle";
    const bool has_connections = opts.scenario == "echo" || idle;
    bool have_url = false, have_size = false, have_inflight = false, have_connections = false,
         have_duration = false;
    for (int i = 2; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") return ParseOutcome::help;
        if (flag == "--text" || flag == "--binary") {
            opts.text = flag == "--text";
            continue;
        }
        if (flag == "--json" || flag == "--deflate" || flag == "--inflate-each") {
            if (!fanout) {
                error = std::string(flag) + ": not a flag of the " + opts.scenario + " scenario (try --help)";
                return ParseOutcome::usage_error;
            }
            (flag == "--json" ? opts.json : flag == "--deflate" ? opts.deflate : opts.inflate_each) = true;
            continue;
        }
        if (i + 1 >= argc) {
            error = std::string(flag) + ": missing value (or unknown flag)";
            return ParseOutcome::usage_error;
        }
        std::string_view value = argv[++i];
        std::string bad;  // what the flag accepts, when value is wrong
        if (flag == "--url") {
            Target t;
            std::string e = parse_url(std::string(value), t);
            if (!e.empty()) bad = e;
            else if (have_url && !fanout) bad = "one URL only, except for fanout";
            else opts.targets.push_back(t);
            have_url = have_url || e.empty();
        } else if (flag == "--connections" && has_connections) {
            have_connections = true;
            if (!parse_u32(value, 1, 1'000'000, opts.connections)) bad = "an integer from 1 to 1000000";
        } else if (flag == "--concurrency" && opts.scenario == "connect") {
            if (!parse_u32(value, 1, 10'000, opts.concurrency)) bad = "an integer from 1 to 10000";
        } else if (flag == "--subscribers" && fanout) {
            if (!parse_u32(value, 1, 1'000'000, opts.subscribers)) bad = "an integer from 1 to 1000000";
        } else if (flag == "--publishers" && fanout) {
            if (!parse_u32(value, 1, 10'000, opts.publishers)) bad = "an integer from 1 to 10000";
        } else if (flag == "--rate" && fanout) {
            if (!parse_number(value, 0.001, 1e8, opts.rate))
                bad = "messages per second, more than 0 and at most 1e8";
        } else if (flag == "--size") {
            have_size = true;
            if (!parse_size(value, opts.size) || opts.size > (uint64_t(1) << 30))
                bad = "bytes from 0 to 1GiB, e.g. 16, 1024, 1KiB";
            else if (fanout && opts.size < kFanoutHeader)
                bad = "at least " + std::to_string(kFanoutHeader) + " bytes for fanout (its header)";
        } else if (flag == "--inflight") {
            have_inflight = true;
            if (!parse_u32(value, 1, 65536, opts.inflight)) bad = "an integer from 1 to 65536";
        } else if (flag == "--duration") {
            have_duration = true;
            if (!parse_seconds(value, 0.001, opts.duration_s)) bad = "seconds, more than 0, e.g. 5 or 0.5";
        } else if (flag == "--warmup") {
            if (!parse_seconds(value, 0, opts.warmup_s)) bad = "seconds, 0 or more";
        } else if (flag == "--dial-batch") {
            if (!parse_u32(value, 1, 65536, opts.dial_batch)) bad = "an integer from 1 to 65536";
        } else if (flag == "--dial-timeout") {
            if (!parse_seconds(value, 0.001, opts.dial_timeout_s)) bad = "seconds, more than 0";
        } else if (flag == "--server-pid") {
            uint32_t pid = 0;
            if (!parse_u32(value, 1, 0x7FFFFFFF, pid)) bad = "a process id";
            opts.server_pids.push_back(pid_t(pid));
        } else if (flag == "--protocol" && fanout) {
            if (value != "websocket" && value != "socketio") bad = "websocket or socketio";
            opts.socketio = value == "socketio";
        } else if (flag == "--room" && fanout) {
            opts.room = std::string(value);
            if (opts.room.empty()) bad = "a room name";
        } else if (flag == "--settle" && fanout) {
            if (!parse_seconds(value, 0, opts.settle_s)) bad = "seconds, 0 or more";
        } else if (flag == "--server-name") {
            opts.server_name = std::string(value);
            if (opts.server_name.empty() || opts.server_name.find_first_of(",\"\n\r") != std::string::npos)
                bad = "a label without commas, quotes or line breaks";
        } else if (flag == "--csv") {
            opts.csv_path = std::string(value);
            if (opts.csv_path.empty()) bad = "a file name";
        } else if (flag == "--connections" || flag == "--subscribers" || flag == "--publishers" ||
                   flag == "--rate" || flag == "--concurrency" || flag == "--protocol" || flag == "--room" ||
                   flag == "--settle") {
            error = std::string(flag) + ": not a flag of the " + opts.scenario + " scenario (try --help)";
            return ParseOutcome::usage_error;
        } else {
            error = "unknown flag '" + std::string(flag) + "' (try --help)";
            return ParseOutcome::usage_error;
        }
        if (!bad.empty()) {
            error = std::string(flag) + ": " + bad + ", got '" + std::string(value) + "'";
            return ParseOutcome::usage_error;
        }
    }
    if (!have_url) {
        error = fanout || idle ? "--url: required, e.g. --url ws://127.0.0.1:8080/raw?room=bench"
                               : "--url: required, e.g. --url ws://127.0.0.1:8080/echo";
        return ParseOutcome::usage_error;
    }
    if (fanout && !have_size) opts.size = opts.json ? 1024 : 64;
    if (opts.json && opts.size < kChatMinSize) {
        error = "--size: at least " + std::to_string(kChatMinSize) + " bytes with --json, got " +
                std::to_string(opts.size);
        return ParseOutcome::usage_error;
    }
    if (opts.inflate_each && !opts.deflate) {
        error = "--inflate-each: only with --deflate";
        return ParseOutcome::usage_error;
    }
    if (opts.socketio && (opts.deflate || !opts.text)) {
        error = "--protocol socketio: text events only, without --deflate or --binary";
        return ParseOutcome::usage_error;
    }
    for (Target& t : opts.targets) t.offer_deflate = opts.deflate;
    opts.target = opts.targets.front();
    if (!opts.server_pids.empty()) opts.server_pid = opts.server_pids.front();
    if (fanout && !have_inflight) opts.inflight = 16;
    if (idle && !have_connections) opts.connections = 10'000;
    if (idle && !have_duration) opts.duration_s = 2;
    return ParseOutcome::run;
}

}  // namespace wsbench
