// Command line of wsbench: `wsbench SCENARIO [--flag value]...`. One Options
// struct serves every scenario; each scenario reads the fields it needs.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wsbench {

// Where to connect (a parsed ws:// URL: only numeric addresses and
// "localhost", no resolver) and what the upgrade asks for.
struct Target {
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    std::string host_header;  // "127.0.0.1:9000", sent as Host
    std::string resource;     // "/echo?x=1", sent as the request target
    std::string url;          // as given, for reports
    // Offer permessage-deflate (handshake.h's kDeflateOffer); the 101 must accept it.
    bool offer_deflate = false;
};

struct Options {
    std::string scenario;
    Target target;               // the first --url
    std::vector<Target> targets; // every --url in order (fanout: several; the others: one)
    uint32_t connections = 100;  // echo; idle (default 10000)
    uint32_t concurrency = 64;   // connect: attempts in progress at once
    uint32_t subscribers = 100;  // fanout
    uint32_t publishers = 1;     // fanout
    double rate = 0;             // fanout: messages per second per publisher; 0: as the window allows
    uint64_t size = 16;          // payload bytes per message (fanout default: 64)
    uint32_t inflight = 1;       // messages in flight per connection (fanout: per publisher, default 16)
    double duration_s = 5;       // measured seconds
    double warmup_s = 1;         // unmeasured seconds before that
    uint32_t dial_batch = 256;   // connects + handshakes in progress at once
    double dial_timeout_s = 10;  // per connection, connect + handshake
    bool text = true;            // text (opcode 1) or binary (opcode 2) messages
    bool json = false;           // fanout: chat JSON payloads (chat_json.h), not letters
    bool deflate = false;        // fanout: offer permessage-deflate, inflate what comes compressed
    bool inflate_each = false;   // fanout, --deflate: inflate every copy of a message (message_inflater.h)
    bool socketio = false;       // fanout: --protocol socketio (socketio.h), not raw WebSocket messages
    std::string room = "bench";  // fanout, socketio: the room joined and published to
    double settle_s = 0;         // fanout: pause between the subscribers' joins and the publishers' dials
    std::string csv_path;        // empty: no CSV
    pid_t server_pid = 0;        // 0: unknown; else its CPU (and for idle, memory) is read from /proc
    std::vector<pid_t> server_pids;  // every --server-pid (server_pid the first): CPU summed over them
    std::string server_name = "-";  // a label for the report and the CSV
};

// Parses ws://HOST[:PORT][/PATH]; HOST is an IPv4 literal, [IPv6 literal] or
// localhost. Returns an error message, empty on success.
std::string parse_url(const std::string& url, Target& out);

enum class ParseOutcome { run, help, usage_error };

// Smallest --size of the fanout scenario: the bytes its header takes.
constexpr uint64_t kFanoutHeader = 24;

// Fills opts from argv; on usage_error, error holds one line naming the flag.
ParseOutcome parse_options(int argc, char** argv, Options& opts, std::string& error);

// The --help text.
std::string usage();

}  // namespace wsbench
