// A frame's shared compressed form (hub/deflated.h): made once, the same
// frame for every later caller on any thread, the frame itself when
// compressing does not pay, and both released with the frame.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "deflate/inflate.h"
#include "hub/deflated.h"

using namespace wshub;

namespace {

deflate::DeflateOptions options() { return {.level = 1, .window_bits = 15, .context_takeover = false}; }

std::string inflated(const hub::Frame& f) {
    const std::string_view z = hub::payload_of(f);
    deflate::Inflater in({.window_bits = 15, .context_takeover = false, .max_message = 1 << 20});
    std::string out(1 << 20, '\0');
    const auto r = in.inflate(reinterpret_cast<const uint8_t*>(z.data()), z.size(),
                              reinterpret_cast<uint8_t*>(out.data()), out.size(), true);
    if (r.status != deflate::InflateResult::Status::message_end) return "<error>";
    out.resize(r.produced);
    return out;
}

}  // namespace

TEST(hub_deflated_is_made_once_and_shared) {
    const std::string message(4000, 'a');
    hub::Frame* f = hub::make_frame(ws::Opcode::text, message);
    deflate::Deflater d(options());
    deflate::Buffer scratch;
    hub::Frame* first = hub::shared_deflated(f, d, scratch);
    hub::Frame* second = hub::shared_deflated(f, d, scratch);
    CHECK(first != f);
    CHECK(first == second);
    CHECK_EQ(int(first->data[0]), 0x80 | 0x40 | 0x1);  // FIN, RSV1, text
    CHECK_LT(first->payload_len, 100u);
    CHECK_EQ(inflated(*first), message);
    CHECK_EQ(first->made_us, f->made_us);
    CHECK_EQ(first->refs.load(), 3u);  // the original's and both callers'
    hub::release(first);
    hub::release(second);
    hub::release(f);  // frees both
}

TEST(hub_deflated_is_the_frame_itself_when_compression_does_not_pay) {
    std::string noise(300, '\0');
    uint32_t x = 2463534242u;
    for (char& ch : noise) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        ch = char(x);
    }
    hub::Frame* f = hub::make_frame(ws::Opcode::binary, noise);
    deflate::Deflater d(options());
    deflate::Buffer scratch;
    hub::Frame* form = hub::shared_deflated(f, d, scratch);
    CHECK(form == f);
    CHECK(f->deflated.load() == f);  // remembered: the next member does not try again
    CHECK_EQ(f->refs.load(), 2u);
    hub::release(form);
    hub::release(f);
}

TEST(hub_deflated_racing_workers_end_with_one_form) {
    const std::string message = std::string(2000, 'x') + std::string(2000, 'y');
    for (int round = 0; round < 20; ++round) {
        hub::Frame* f = hub::make_frame(ws::Opcode::text, message);
        constexpr int kThreads = 4;
        std::vector<hub::Frame*> got(kThreads);
        std::atomic<int> ready{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                deflate::Deflater d(options());
                deflate::Buffer scratch;
                ready.fetch_add(1);
                while (ready.load() < kThreads) {
                }
                got[size_t(t)] = hub::shared_deflated(f, d, scratch);
            });
        }
        for (auto& th : threads) th.join();
        for (hub::Frame* g : got) CHECK(g == got[0]);
        CHECK(got[0] != f);
        CHECK_EQ(inflated(*got[0]), message);
        for (hub::Frame* g : got) hub::release(g);
        hub::release(f);
    }
}
