// Held log lines (a worker's, during a loop pass): nothing reaches stderr
// until the flush, then whole lines in writes of at most PIPE_BUF bytes, in
// the order they were logged. Run in a thread of its own (holding is per
// thread), with stderr pointed at a pipe.
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "app/log.h"
#include "check.h"

using namespace wshub::app;

namespace {

// What the pipe holds now (non-blocking reads until EAGAIN).
std::string drain(int fd) {
    std::string got;
    char buf[65536];
    for (;;) {
        const ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) return got;
        got.append(buf, size_t(r));
    }
}

size_t count_lines(const std::string& s) {
    size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST(log_lines_held_until_flushed_then_written_in_whole_lines) {
    int p[2];
    CHECK_EQ(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    fcntl(p[0], F_SETPIPE_SZ, 1 << 20);  // room for everything below
    const int saved = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);

    std::string before_flush, after_flush, overflow_before, overflow_after, long_line;
    std::thread([&] {
        hold_log_lines();
        for (int i = 0; i < 3; ++i) Log(LogLevel::info, "closed").num("n", i).emit();
        before_flush = drain(p[0]);
        flush_log_lines();
        after_flush = drain(p[0]);

        // More than PIPE_BUF bytes of lines: some go out before the flush,
        // as whole lines, and no more than PIPE_BUF bytes stay held.
        const std::string value(200, 'v');
        for (int i = 0; i < 40; ++i) Log(LogLevel::info, "closed").num("n", i).str("v", value).emit();
        overflow_before = drain(p[0]);
        flush_log_lines();
        overflow_after = drain(p[0]);

        // A line longer than PIPE_BUF cannot be held: it goes out at once,
        // behind what was held before it.
        Log(LogLevel::info, "first").emit();
        Log l(LogLevel::info, "long");
        for (int i = 0; i < 12; ++i) l.str("k", std::string(500, 'x'));
        l.emit();
        long_line = drain(p[0]);
        flush_log_lines();
        long_line += drain(p[0]);
    }).join();

    dup2(saved, STDERR_FILENO);
    close(saved);
    close(p[0]);
    close(p[1]);

    CHECK_EQ(before_flush, std::string());
    CHECK_EQ(count_lines(after_flush), size_t(3));
    CHECK(after_flush.find("n=0") < after_flush.find("n=1") && after_flush.find("n=1") < after_flush.find("n=2"));

    CHECK(!overflow_before.empty());
    CHECK(overflow_before.back() == '\n');
    CHECK(overflow_after.size() <= size_t(PIPE_BUF));
    CHECK_EQ(count_lines(overflow_before) + count_lines(overflow_after), size_t(40));
    CHECK(overflow_before.find("n=0 ") != std::string::npos);
    CHECK(overflow_after.find("n=39 ") != std::string::npos);

    CHECK(long_line.size() > size_t(PIPE_BUF));
    CHECK_EQ(count_lines(long_line), size_t(2));
    CHECK(long_line.find(" first") < long_line.find(" long"));
}
