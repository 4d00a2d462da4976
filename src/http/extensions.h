// The permessage-deflate negotiation (RFC 7692 section 7) over a client's
// Sec-WebSocket-Extensions header lines: which offer is taken, what the two
// DEFLATE codecs are built with, and the header line that answers it.
// Policy-free: what the server accepts arrives as a DeflatePolicy. A pure
// function of the request: no allocation while reading it, no exceptions.
#pragma once

#include <cstdint>
#include <string>

#include "http/request.h"

namespace wshub::http {

// What this server accepts and asks for. Window bits outside 8..15 are
// taken as the nearest of 8 and 15.
struct DeflatePolicy {
    // Asked for even when not offered: the server compresses each message alone.
    bool server_no_context_takeover = false;
    // Asked for even when not offered: the client compresses each message
    // alone, so the server keeps no inflate window between messages.
    bool client_no_context_takeover = false;
    // The largest LZ77 window the server compresses with.
    uint8_t server_max_window_bits = 15;
    // The largest client window the server keeps for inflating; it can only
    // be asked of a client whose offer had client_max_window_bits.
    uint8_t client_max_window_bits = 15;
};

// The agreement: what the deflater (server_*) and the inflater (client_*)
// are built with, and which window parameters the answer names.
struct DeflateParams {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    uint8_t server_window_bits = 15;  // 8..15
    uint8_t client_window_bits = 15;  // 8..15; 15 when client_max_window_bits was not offered
    // The answer carries server_max_window_bits: the offer had it (RFC 7692
    // 7.1.2.1: a server accepts it only by answering it) or the server's
    // window is below 15.
    bool answer_server_window_bits = false;
    // The answer carries client_max_window_bits: the offer had it with a
    // value, or without one and the client's window is below 15. Never
    // when the offer did not have it (RFC 7692 7.1.2.2's MUST NOT); then
    // client_window_bits is 15.
    bool answer_client_window_bits = false;

    bool operator==(const DeflateParams&) const = default;
};

enum class ExtensionsOutcome : uint8_t {
    none,       // no Sec-WebSocket-Extensions, or no acceptable permessage-deflate offer
    accepted,   // params holds the agreement with the first acceptable offer
    malformed,  // a line breaks the grammar below: the caller answers 400
};

struct DeflateNegotiation {
    ExtensionsOutcome outcome = ExtensionsOutcome::none;
    DeflateParams params{};  // accepted only; defaults otherwise
};

// Reads every Sec-WebSocket-Extensions line of `req` (header name compared
// case-insensitively), in order, each as a list (RFC 6455 section 9.1 with
// RFC 7230's #rule):
//
//   list      = element *( OWS "," OWS element )     element may be empty
//   element   = token *( OWS ";" OWS param )
//   param     = token [ OWS "=" OWS ( token / quoted-string ) ]
//
// OWS is spaces and tabs. Empty elements (",a", "a,,b", "a,", a line of
// commas or of nothing) are skipped, not errors. A quoted-string's
// backslash takes the next byte as it is; the unescaped value must be a
// token (RFC 6455 section 9.1), for every extension, else the line is
// malformed. Malformed, whatever extension it is in and wherever it is
// (the lines are read to the end even after an offer is taken): a byte
// that is not a token character where a token, ';', '=', ',' or OWS is
// due (whitespace inside a name, a quoted extension name, '@' ...), an
// element or a parameter without a name ("; a", "a; =1", "a;"), '=' with
// no value ("a; b="), an unterminated quoted-string (a trailing backslash
// included), anything but OWS, ';' or ',' after a quoted value, an empty or
// non-token quoted value.
//
// Extensions are compared case-insensitively and any but
// "permessage-deflate" are skipped. A permessage-deflate offer is declined
// (the next one is considered) when it has a parameter other than
// server_no_context_takeover, client_no_context_takeover (neither takes a
// value), server_max_window_bits (a value required), client_max_window_bits
// (a value optional), names one twice (names compared case-insensitively),
// gives a value to a parameter that takes none, or a window value that is
// not 8..15 written in decimal without sign or leading zero.
//
// The first offer not declined is accepted, and RFC 7692 7.1 gives:
// - server_window_bits: min(offered server_max_window_bits, policy), else
//   the policy's; answered when offered or below 15;
// - client_window_bits: min(offered value or 15, policy) when the offer had
//   client_max_window_bits, answered when it had a value or the result is
//   below 15; 15 and never answered when it did not;
// - each *_no_context_takeover: set (and answered) when offered or asked
//   for by the policy.
DeflateNegotiation negotiate_deflate(const Request& req, const DeflatePolicy& policy) noexcept;

// The whole header line answering an accepted offer, e.g.
// "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover;
// client_max_window_bits=10\r\n": the flags set, then the window bits
// marked answered, in the order server_no_context_takeover,
// client_no_context_takeover, server_max_window_bits, client_max_window_bits.
std::string deflate_answer(const DeflateParams& params);

}  // namespace wshub::http
