// Socket plumbing: listening sockets (one per worker, SO_REUSEPORT), accept,
// and the few options the server sets. No parsing here.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <string>

#include "net/address.h"

namespace wshub::net {

// A non-blocking, close-on-exec listening socket bound with SO_REUSEADDR and
// SO_REUSEPORT, so every worker can own one on the same address and the kernel
// spreads new connections across them. It has TCP_NODELAY, which accepted
// sockets inherit on Linux and the BSDs. Returns the fd, or -1 with `error` set.
// With share_port false, no SO_REUSEPORT: the one socket on its address, whose
// bind fails if any other socket listens on an address that overlaps it (and
// makes a later SO_REUSEPORT bind there fail too).
int listen_on(const Address& addr, int backlog, std::string& error, bool share_port = true);

// True if nothing listens on addr yet. SO_REUSEPORT would otherwise let a
// second server on the same port start and silently take half the clients:
// a bind without it fails if any socket (even a SO_REUSEPORT one) holds the
// address. Checked once at start-up, before the workers bind.
bool address_free(const Address& addr, std::string& error);

// accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), EINTR retried. Returns the fd, or -1
// with errno (EAGAIN when nothing is pending).
int accept_connection(int listen_fd, Address* peer) noexcept;

// A non-blocking, close-on-exec TCP socket with TCP_NODELAY, connecting to
// `to`: the fd, with `done` true if it connected at once (else the connect
// goes on, and ends in writability: read SO_ERROR then); -1 with errno if
// it failed at once.
int connect_to(const Address& to, bool& done) noexcept;
// The outcome of a non-blocking connect that became writable: 0 or its errno.
int connect_error(int fd) noexcept;

// TCP_NODELAY: frames are written whole, so Nagle only adds latency.
void set_nodelay(int fd) noexcept;
// Whether fd has TCP_NODELAY (false if it cannot be read).
bool has_nodelay(int fd) noexcept;

// Outcome of a non-blocking read or write.
enum class IoStatus : uint8_t { ok, would_block, closed, error };

// read() with EINTR retried; `closed` on EOF. n receives the byte count.
IoStatus read_some(int fd, void* buf, size_t len, size_t& n) noexcept;
// writev() with EINTR retried; n receives the bytes written (possibly partial).
IoStatus write_some(int fd, const iovec* iov, int iovcnt, size_t& n) noexcept;

}  // namespace wshub::net
