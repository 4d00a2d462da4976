// Benchmark of src/deflate against zlib (Debian's zlib1g-dev, linked here
// only: never in wshub or its tests). Built and run by scripts/deflate-bench.sh,
// which scripts/bench.sh runs as its case deflate-zlib.
//
// The corpus is chat-like JSON of many sizes (scripts/wsbench/chat_json.h):
// events and chat messages of 60-600 bytes, chat messages of 1 KiB (the
// fanout benchmark's payload), history batches of 4, 16 and 64 KiB, and a mix
// of all sizes from 60 bytes to 64 KiB. Each message is compressed alone, as
// wshub compresses a room's message once for every member
// (server_no_context_takeover); the small messages also with context
// takeover (one connection's stream). Both sides produce and consume RFC 7692
// messages: a sync flush each, its 00 00 ff ff removed.
//
// Each deflater at levels 1 and 6: MB/s of input and the ratio (compressed /
// original bytes); each inflater on zlib level 6's output: MB/s of output.
// Every figure comes from this one run: ours and zlib are timed in turns
// (ours, zlib, ours, ...), 5 times each, and the best of each counts, in
// thread CPU time (the machine may be shared). Exit status 1 if any output
// does not inflate back to its input.
#include <zlib.h>

#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "deflate/deflate.h"
#include "deflate/inflate.h"
#include "wsbench/chat_json.h"

using namespace wshub::deflate;
using Messages = std::vector<std::string>;

namespace {

constexpr int kTrials = 5;
constexpr int kLevels[] = {1, 6};

double thread_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double timed(const std::function<void()>& run) {
    const double t0 = thread_seconds();
    run();
    return thread_seconds() - t0;
}

// The best time of each of two runs, timed in turns.
std::pair<double, double> best_of_turns(const std::function<void()>& a, const std::function<void()>& b) {
    double best_a = 1e9, best_b = 1e9;
    for (int i = 0; i < kTrials; ++i) {
        const double ta = timed(a), tb = timed(b);
        best_a = ta < best_a ? ta : best_a;
        best_b = tb < best_b ? tb : best_b;
    }
    return {best_a, best_b};
}

size_t total(const Messages& m) {
    size_t n = 0;
    for (const auto& s : m) n += s.size();
    return n;
}

Messages ours_compress(const Messages& in, int level, bool takeover) {
    DeflateOptions o;
    o.level = unsigned(level);
    o.context_takeover = takeover;
    Deflater d(o);
    Buffer out;
    Messages z;
    z.reserve(in.size());
    for (const auto& m : in) {
        out.clear();
        d.compress(reinterpret_cast<const uint8_t*>(m.data()), m.size(), out);
        z.emplace_back(reinterpret_cast<const char*>(out.data()), out.size());
    }
    return z;
}

Messages zlib_compress(const Messages& in, int level, bool takeover) {
    z_stream s{};
    deflateInit2(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::vector<unsigned char> buf;
    Messages z;
    z.reserve(in.size());
    for (const auto& m : in) {
        if (!takeover) deflateReset(&s);
        buf.resize(deflateBound(&s, m.size()) + 16);
        s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
        s.avail_in = uInt(m.size());
        s.next_out = buf.data();
        s.avail_out = uInt(buf.size());
        deflate(&s, Z_SYNC_FLUSH);
        z.emplace_back(reinterpret_cast<const char*>(buf.data()), buf.size() - s.avail_out - 4);
    }
    deflateEnd(&s);
    return z;
}

// Inflates every message; with `check`, false unless each gives back its
// original. Without it, only the bytes produced are counted (the timed path).
bool ours_inflate(const Messages& z, bool takeover, const Messages* check, size_t& produced) {
    InflateOptions o;
    o.context_takeover = takeover;
    o.max_message = 1 << 24;
    Inflater inf(o);
    static std::vector<uint8_t> out(1 << 17);
    produced = 0;
    for (size_t i = 0; i < z.size(); ++i) {
        const auto* p = reinterpret_cast<const uint8_t*>(z[i].data());
        size_t left = z[i].size(), got = 0;
        for (;;) {
            const InflateResult r = inf.inflate(p, left, out.data() + got, out.size() - got, true);
            p += r.consumed;
            left -= r.consumed;
            got += r.produced;
            if (r.status == InflateResult::Status::error) return false;
            if (r.status == InflateResult::Status::message_end) break;
            if (got == out.size()) {  // a checked message must fit; a timed one need not
                if (check) return false;
                produced += got;
                got = 0;
            }
        }
        produced += got;
        if (check && std::string_view(reinterpret_cast<const char*>(out.data()), got) != (*check)[i]) return false;
    }
    return true;
}

size_t zlib_inflate(const Messages& z, bool takeover) {
    z_stream s{};
    inflateInit2(&s, -15);
    static unsigned char out[1 << 16];
    static const unsigned char tail[4] = {0, 0, 0xff, 0xff};
    size_t produced = 0;
    for (const auto& m : z) {
        if (!takeover) inflateReset(&s);
        for (int part = 0; part < 2; ++part) {
            s.next_in = part ? const_cast<Bytef*>(tail) : reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
            s.avail_in = part ? 4 : uInt(m.size());
            do {
                s.next_out = out;
                s.avail_out = sizeof out;
                inflate(&s, Z_SYNC_FLUSH);
                produced += sizeof out - s.avail_out;
            } while (s.avail_out == 0);
        }
    }
    inflateEnd(&s);
    return produced;
}

struct Corpus {
    std::string name;
    Messages msgs;
    bool takeover = false;
};

// Messages of sizes drawn log-uniformly from [lo, hi] until about `bytes`.
Messages log_uniform(size_t lo, size_t hi, size_t bytes, uint64_t seed) {
    Messages m;
    size_t sum = 0;
    for (uint64_t i = 0; sum < bytes; ++i) {
        const double u = double((seed + i) * 0x9E3779B97F4A7C15u >> 11) / double(uint64_t(1) << 53);
        const size_t size = size_t(double(lo) * std::pow(double(hi) / double(lo), u));
        m.push_back(wsbench::chat_corpus_message(size, seed * 1'000'003 + i));
        sum += m.back().size();
    }
    return m;
}

Messages fixed_size(size_t size, size_t bytes, uint64_t seed) {
    Messages m;
    for (uint64_t i = 0; i * size < bytes; ++i) m.push_back(wsbench::chat_corpus_message(size, seed * 1'000'003 + i));
    return m;
}

std::vector<Corpus> corpora() {
    constexpr size_t kBytes = 4 << 20;
    std::vector<Corpus> c;
    c.push_back({"events and chat, 60-600 B", log_uniform(60, 600, kBytes, 1), false});
    c.push_back({"the same, context takeover", c.back().msgs, true});
    c.push_back({"chat, 1 KiB", fixed_size(1024, kBytes, 2), false});
    c.push_back({"history, 4 KiB", fixed_size(4096, kBytes, 3), false});
    c.push_back({"history, 16 KiB", fixed_size(16384, kBytes, 4), false});
    c.push_back({"history, 64 KiB", fixed_size(65536, kBytes, 5), false});
    c.push_back({"mixed, 60 B-64 KiB", log_uniform(60, 65536, kBytes, 6), false});
    return c;
}

// The deflate rows of one corpus; false if an output does not inflate back.
bool deflate_rows(const Corpus& c) {
    const double mb = double(total(c.msgs)) / 1e6;
    for (int level : kLevels) {
        Messages ours, theirs;
        auto [t_ours, t_zlib] = best_of_turns([&] { ours = ours_compress(c.msgs, level, c.takeover); },
                                              [&] { theirs = zlib_compress(c.msgs, level, c.takeover); });
        size_t produced = 0;
        if (!ours_inflate(ours, c.takeover, &c.msgs, produced) || !ours_inflate(theirs, c.takeover, &c.msgs, produced)) {
            std::printf("!! %s, level %d: an output does not inflate back to its input\n", c.name.c_str(), level);
            return false;
        }
        const double in = double(total(c.msgs));
        std::printf("| %s | %zu | %.1f | %d | %.1f | %.1f | %.2f | %.4f | %.4f |\n", c.name.c_str(), c.msgs.size(), mb,
                    level, mb / t_ours, mb / t_zlib, t_zlib / t_ours, double(total(ours)) / in,
                    double(total(theirs)) / in);
    }
    return true;
}

bool inflate_row(const Corpus& c) {
    const Messages z = zlib_compress(c.msgs, 6, c.takeover);
    size_t a = 0, b = 0;
    bool ok = true;
    auto [t_ours, t_zlib] = best_of_turns([&] { ok = ours_inflate(z, c.takeover, nullptr, a) && ok; },
                                          [&] { b = zlib_inflate(z, c.takeover); });
    if (!ok || a != total(c.msgs) || b != total(c.msgs)) {
        std::printf("!! %s: inflated %zu and %zu bytes of %zu\n", c.name.c_str(), a, b, total(c.msgs));
        return false;
    }
    const double mb = double(total(c.msgs)) / 1e6;
    std::printf("| %s | %.1f | %.1f | %.2f |\n", c.name.c_str(), mb / t_ours, mb / t_zlib, t_zlib / t_ours);
    return true;
}

}  // namespace

int main() {
    const std::vector<Corpus> cs = corpora();
    bool ok = true;
    std::printf("wshub's deflate (src/deflate) and zlib %s on chat-like JSON, each message alone unless said;\n"
                "MB/s of input (deflate) or output (inflate), best of %d runs in turns in thread CPU time;\n"
                "ratio: compressed / original bytes. speed ours/zlib above 1: ours is faster.\n\n",
                zlibVersion(), kTrials);
    std::printf("| corpus | messages | MB | level | ours MB/s | zlib MB/s | speed ours/zlib | ours ratio | zlib ratio |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Corpus& c : cs) ok = deflate_rows(c) && ok;
    std::printf("\nInflating zlib level 6's output:\n\n");
    std::printf("| corpus | ours MB/s | zlib MB/s | speed ours/zlib |\n");
    std::printf("|---|---:|---:|---:|\n");
    for (const Corpus& c : cs) ok = inflate_row(c) && ok;
    return ok ? 0 : 1;
}
