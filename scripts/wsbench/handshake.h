// The opening handshake as wsbench makes it: the library's client side
// (http/client_handshake.h) writes the upgrade request and checks the 101,
// and this adds what that leaves out, the permessage-deflate offer (RFC 7692)
// and the reading of the server's answer to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::ws {
class MaskSource;
}

namespace wsbench {

struct Target;

// Largest response head accepted; beyond it the handshake fails.
constexpr size_t kMaxResponseHead = 8192;

// The permessage-deflate offer (RFC 7692 section 7.1) of a Target with
// offer_deflate: any window for the server's messages, and the client's
// window at the server's choice (the client never compresses, so any will do).
constexpr std::string_view kDeflateOffer = "permessage-deflate; client_max_window_bits";

// What the server's Sec-WebSocket-Extensions answer agreed to.
struct DeflateAnswer {
    bool accepted = false;  // permessage-deflate is on: the server may compress
    bool server_no_context_takeover = false;  // each server message compressed alone
    bool client_no_context_takeover = false;
    uint8_t server_window_bits = 15;  // server_max_window_bits, 15 when not answered
    uint8_t client_window_bits = 15;  // client_max_window_bits, 15 when not answered
};

// A fresh Sec-WebSocket-Key: 16 bytes from random (a benchmark's keys need
// only differ, not resist guessing), in base64.
std::string new_key(wshub::ws::MaskSource& random);

// The upgrade request, with kDeflateOffer when target.offer_deflate.
std::string build_request(const Target& target, std::string_view key);

enum class HeadStatus { incomplete, ok, error };

// Checks the response bytes received so far. On ok, head_len is the size of
// the head (through the blank line); bytes after it are already frames. On
// error, why says what was wrong. The head must pass the library's reading
// of a 101 (http::read_upgrade_response: no subprotocol was offered) with
// its Sec-WebSocket-Extensions lines left out, and those lines must agree:
// without offered_deflate there may be none; with it, exactly one answer,
// permessage-deflate with parameters RFC 7692 section 7.1 allows in answer
// to kDeflateOffer, each at most once, which deflate then holds.
HeadStatus check_response(std::string_view data, std::string_view key, bool offered_deflate, size_t& head_len,
                          DeflateAnswer& deflate, std::string& why);

}  // namespace wsbench
