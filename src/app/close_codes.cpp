// One vocabulary of close codes, spelled twice because neither side may
// include the other: the codec's ws::close_code (src/ws, which never
// includes the public API) and the embedder's wshub::CloseCode (an
// installed header, which never includes src/). The app layer sees both,
// and here the build fails unless every code the codec names (and the
// connection's own kTokenExpired) is the public enumerator of the same name
// and value, so the connection passes its uint16_t codes to the handlers as
// CloseCode{code} unchanged.
#include <cstdint>

#include "app/connection.h"
#include "ws/frame.h"
#include "wshub/handler.h"

namespace wshub::app {
namespace {

struct SameCode {
    uint16_t codec;
    CloseCode api;
};

constexpr SameCode kSameCodes[] = {
    {ws::close_code::normal, CloseCode::normal},
    {ws::close_code::going_away, CloseCode::going_away},
    {ws::close_code::protocol_error, CloseCode::protocol_error},
    {ws::close_code::unsupported_data, CloseCode::unsupported_data},
    {ws::close_code::no_status, CloseCode::no_status},
    {ws::close_code::abnormal, CloseCode::abnormal},
    {ws::close_code::invalid_payload, CloseCode::invalid_payload},
    {ws::close_code::policy, CloseCode::policy},
    {ws::close_code::too_big, CloseCode::too_big},
    {ws::close_code::internal_error, CloseCode::internal_error},
    {kTokenExpired, CloseCode::token_expired},
};

constexpr bool all_same() {
    for (const SameCode& c : kSameCodes)
        if (c.codec != uint16_t(c.api)) return false;
    return true;
}
static_assert(all_same(), "ws::close_code and wshub::CloseCode disagree");
static_assert(sizeof(CloseCode) == sizeof(uint16_t), "a CloseCode holds any code from the wire");

}  // namespace
}  // namespace wshub::app
