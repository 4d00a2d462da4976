// Benchmark of src/deflate against zlib (Debian's zlib1g-dev, linked here
// only: never in wshub or its tests). Built and run by scripts/deflate-bench.sh.
//
// A JSON corpus (tests/deflate_corpus.h): 20,000 chat messages of 150-400
// bytes, compressed one by one without context takeover (the room fan-out
// path), and with context takeover (one connection's stream), and a 1 MiB JSON
// document as one message. Each deflater at its levels: MB/s of input and the
// ratio (compressed / original); each inflater on zlib level 6's output: MB/s
// of output. Every figure is the best of 5 runs in thread CPU time; both sides produce and
// consume RFC 7692 messages (a sync flush each, 00 00 ff ff removed).
#include <zlib.h>

#include <time.h>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../tests/deflate_corpus.h"
#include "deflate/deflate.h"
#include "deflate/inflate.h"

using namespace wshub::deflate;
using Messages = std::vector<std::string>;

namespace {

// CPU time of this thread: the machine may be shared, and wall time would
// count the others' turns.
double thread_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double best_seconds(const std::function<void()>& run) {
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
        const double t0 = thread_seconds();
        run();
        const double s = thread_seconds() - t0;
        best = s < best ? s : best;
    }
    return best;
}

size_t total(const Messages& m) {
    size_t n = 0;
    for (const auto& s : m) n += s.size();
    return n;
}

Messages ours_compress(const Messages& in, unsigned level, bool takeover) {
    DeflateOptions o;
    o.level = level;
    o.context_takeover = takeover;
    Deflater d(o);
    Buffer out;
    Messages z;
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

size_t ours_inflate(const Messages& z, bool takeover) {
    InflateOptions o;
    o.context_takeover = takeover;
    o.max_message = 1 << 24;
    Inflater inf(o);
    static uint8_t out[1 << 16];
    size_t produced = 0;
    for (const auto& m : z) {
        const auto* p = reinterpret_cast<const uint8_t*>(m.data());
        size_t left = m.size();
        for (;;) {
            const InflateResult r = inf.inflate(p, left, out, sizeof out, true);
            p += r.consumed;
            left -= r.consumed;
            produced += r.produced;
            if (r.status != InflateResult::Status::output_full) break;
        }
    }
    return produced;
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

void deflate_row(const char* corpus, const char* who, int level, const Messages& in, bool takeover,
                 const std::function<Messages(const Messages&, int, bool)>& compress) {
    Messages z;
    const double s = best_seconds([&] { z = compress(in, level, takeover); });
    std::printf("| %-22s | %-5s deflate %d | %8.1f MB/s | %.4f |\n", corpus, who, level, total(in) / 1e6 / s,
                double(total(z)) / double(total(in)));
}

void inflate_rows(const char* corpus, const Messages& in, bool takeover) {
    const Messages z = zlib_compress(in, 6, takeover);
    size_t a = 0, b = 0;
    const double ours = best_seconds([&] { a = ours_inflate(z, takeover); });
    const double theirs = best_seconds([&] { b = zlib_inflate(z, takeover); });
    if (a != total(in) || b != total(in)) std::printf("!! inflated sizes differ: %zu %zu %zu\n", a, b, total(in));
    std::printf("| %-22s | ours  inflate   | %8.1f MB/s |        |\n", corpus, total(in) / 1e6 / ours);
    std::printf("| %-22s | zlib  inflate   | %8.1f MB/s |        |\n", corpus, total(in) / 1e6 / theirs);
}

}  // namespace

int main() {
    testdeflate::Rng rng(2024);
    Messages chat;
    while (chat.size() < 20000) {
        std::string m = testdeflate::json_message(rng);
        if (m.size() >= 150 && m.size() <= 400) chat.push_back(std::move(m));
    }
    const Messages doc = {testdeflate::json_bytes(1 << 20, 99)};
    struct Corpus {
        const char* name;
        const Messages* msgs;
        bool takeover;
    };
    const Corpus corpora[] = {{"chat, each alone", &chat, false},
                              {"chat, context takeover", &chat, true},
                              {"1 MiB JSON document", &doc, false}};
    auto ours = [](const Messages& m, int level, bool t) { return ours_compress(m, unsigned(level), t); };
    auto theirs = [](const Messages& m, int level, bool t) { return zlib_compress(m, level, t); };
    std::printf("zlib %s; %zu chat messages, %zu bytes; best of 5\n\n", zlibVersion(), chat.size(), total(chat));
    std::printf("| corpus                 | what            | speed         | ratio  |\n");
    std::printf("| --- | --- | ---: | ---: |\n");
    for (const Corpus& c : corpora) {
        for (int level : {1, 6}) {
            deflate_row(c.name, "ours", level, *c.msgs, c.takeover, ours);
            deflate_row(c.name, "zlib", level, *c.msgs, c.takeover, theirs);
        }
        deflate_row(c.name, "ours", 9, *c.msgs, c.takeover, ours);
        inflate_rows(c.name, *c.msgs, c.takeover);
    }
    return 0;
}
