// permessage-deflate forms of data frames (RFC 7692). A room message is
// compressed once, by the first member that needs it compressed, and that
// one compressed frame goes to every member that can take it (Frame::
// deflated); members without compression get the frame as it is. Every
// message is compressed alone (server_no_context_takeover), so one
// compressed frame suits any member whose window is at least the one it was
// compressed with.
#pragma once

#include "deflate/buffer.h"
#include "deflate/deflate.h"
#include "hub/frame.h"

namespace wshub::hub {

// A new frame holding f's message compressed with `d` (RSV1 set, the same
// opcode, f's time stamp), with one reference; null when compressing would
// not make it smaller, or memory ran out (then out_of_memory is set).
// `scratch` is working space.
Frame* compress_frame(const Frame& f, deflate::Deflater& d, deflate::Buffer& scratch, bool& out_of_memory) noexcept;

// f's shared compressed form, made with `d` by the first caller (others,
// on any thread, take that one), or f itself when compressing did not make
// it smaller; with a reference for the caller either way. When memory ran
// out it is f, and a later caller tries again.
Frame* shared_deflated(Frame* f, deflate::Deflater& d, deflate::Buffer& scratch) noexcept;

}  // namespace wshub::hub
