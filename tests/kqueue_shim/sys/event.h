// TEST-ONLY stand-in for the BSD <sys/event.h>, so the kqueue backend
// (src/reactor/poller_kqueue.cpp) compiles and runs on Linux. It declares just
// the subset that backend uses; kqueue_shim.cpp implements it over epoll and an
// eventfd and lists, at its top, the kqueue behaviours it does not reproduce.
// The constants have the FreeBSD values, so code that hard-codes them would
// still behave as on FreeBSD. Never ship this: the release build on Linux uses
// the epoll backend, and BSD builds use the system header.
#pragma once

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

// Lets tests tell the shim from a real kqueue when that matters.
#define WSHUB_KQUEUE_SHIM 1

struct kevent {
    uintptr_t ident;      // fd for READ/WRITE, any number for USER
    short filter;         // EVFILT_*
    unsigned short flags; // EV_*
    unsigned int fflags;  // filter-specific (NOTE_TRIGGER for USER)
    intptr_t data;        // READ: bytes readable; EV_ERROR: the errno
    void* udata;          // returned unchanged with every event
};

#define EV_SET(kevp, a, b, c, d, e, f)    \
    do {                                  \
        struct kevent* ev_set_ = (kevp);  \
        ev_set_->ident = (a);             \
        ev_set_->filter = (b);            \
        ev_set_->flags = (c);             \
        ev_set_->fflags = (d);            \
        ev_set_->data = (e);              \
        ev_set_->udata = (f);             \
    } while (0)

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_USER (-11)

// Actions and flags on input.
#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_CLEAR 0x0020    // only accepted on EVFILT_USER by the shim
#define EV_RECEIPT 0x0040

// Flags on output.
#define EV_ERROR 0x4000
#define EV_EOF 0x8000

// EVFILT_USER: fire the event.
#define NOTE_TRIGGER 0x01000000

int kqueue(void);
int kevent(int kq, const struct kevent* changelist, int nchanges, struct kevent* eventlist,
           int nevents, const struct timespec* timeout);

#ifdef __cplusplus
}
#endif
