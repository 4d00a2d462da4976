// What a public client's connection needs of its loop (wshub::ClientLoop,
// client_loop.cpp): the shared pieces of every Link on the thread, a timer
// per connection, and a flush at the end of the pass.
#pragma once

#include <cstdint>

#include "client/link.h"
#include "reactor/loop.h"

namespace wshub::client {

class ClientLoopCore {
public:
    // Every field but the per-connection limits, which each connection fills.
    virtual const LinkContext& shared_context() const noexcept = 0;
    virtual reactor::Loop& reactor() noexcept = 0;
    // Flush this connection at the end of the pass.
    virtual void mark_dirty(uint32_t slot) = 0;

protected:
    ~ClientLoopCore() = default;
};

}  // namespace wshub::client
