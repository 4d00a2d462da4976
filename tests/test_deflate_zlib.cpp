// Interoperation with zlib, the DEFLATE most peers use: zlib (through
// Debian's /usr/bin/python3) compresses and this inflater inflates, and this
// deflater compresses and zlib inflates, the RFC 7692 way (a sync flush per
// message, its 00 00 ff ff removed by the sender and appended by the
// receiver), for random, repetitive and JSON-like messages, with and without
// context takeover. Window bits 9..15 from zlib (zlib 1.2.9 and later refuse 8
// for raw deflate), 8..15 into zlib. The wshub binary and its tests never link
// zlib: a child Python process is the peer, through two temporary files.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "check.h"
#include "deflate/deflate.h"
#include "deflate/inflate.h"
#include "deflate_corpus.h"
#include "deflate_streams.h"

extern char** environ;

using namespace wshub::deflate;
using namespace testdeflate;

namespace {

// Reads streams from argv[1], writes their results to argv[2]. A stream:
// mode (c: compress as one stream, C: each message alone, d / D: the same
// for decompression), level, window bits, message count, then each message
// as a 32-bit length and its bytes. A result: count, then lengths and bytes.
const char* const kPeerScript = R"PY(
import struct, sys, zlib
TAIL = b"\x00\x00\xff\xff"
src = open(sys.argv[1], "rb").read()
pos = 0
def take(n):
    global pos
    b = src[pos:pos + n]
    pos += n
    return b
out = []
while pos < len(src):
    mode, level, wbits, count = struct.unpack("<cBBI", take(7))
    msgs = [take(struct.unpack("<I", take(4))[0]) for _ in range(count)]
    res = []
    c = d = None
    for m in msgs:
        if mode in b"cC":
            if c is None or mode == b"C":
                c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
            z = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
            assert z.endswith(TAIL), "no sync flush"
            res.append(z[:-4])
        else:
            if d is None or mode == b"D":
                d = zlib.decompressobj(-wbits)
            res.append(d.decompress(m + TAIL))
            assert not d.unconsumed_tail and not d.eof, "stream not at a message end"
    out.append(struct.pack("<I", len(res)) + b"".join(struct.pack("<I", len(r)) + r for r in res))
open(sys.argv[2], "wb").write(b"".join(out))
)PY";

struct Stream {
    char mode;
    unsigned level;
    unsigned window_bits;
    std::vector<std::string> messages;
};

void put32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s += char(v >> (8 * i));
}

uint32_t get32(const std::string& s, size_t& pos) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(s[pos + i])) << (8 * i);
    pos += 4;
    return v;
}

std::string temp_path(const char* what) {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/wshub-zlib-" + what + "-XXXXXX";
    const int fd = mkstemp(path.data());
    if (fd >= 0) close(fd);
    return path;
}

// Runs the streams through zlib; empty (and a failed check) if Python fails.
std::vector<std::vector<std::string>> run_zlib(const std::vector<Stream>& streams) {
    std::string req;
    for (const Stream& s : streams) {
        req += s.mode;
        req += char(s.level);
        req += char(s.window_bits);
        put32(req, uint32_t(s.messages.size()));
        for (const std::string& m : s.messages) {
            put32(req, uint32_t(m.size()));
            req += m;
        }
    }
    const std::string in = temp_path("in"), out = temp_path("out");
    std::ofstream(in, std::ios::binary) << req;
    const char* argv[] = {"python3", "-c", kPeerScript, in.c_str(), out.c_str(), nullptr};
    pid_t pid = 0;
    int status = -1;
    const int spawned = posix_spawn(&pid, "/usr/bin/python3", nullptr, nullptr, const_cast<char**>(argv), environ);
    CHECK_EQ(spawned, 0);
    if (spawned == 0) waitpid(pid, &status, 0);
    CHECK_EQ(status, 0);
    std::ifstream f(out, std::ios::binary);
    const std::string resp((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::remove(in.c_str());
    std::remove(out.c_str());
    std::vector<std::vector<std::string>> results;
    for (size_t pos = 0; status == 0 && pos + 4 <= resp.size();) {
        std::vector<std::string> msgs(get32(resp, pos));
        for (std::string& m : msgs) {
            const uint32_t len = get32(resp, pos);
            m = resp.substr(pos, len);
            pos += len;
        }
        results.push_back(std::move(msgs));
    }
    CHECK_EQ(results.size(), status == 0 ? streams.size() : 0);
    return results;
}

std::vector<std::string> messages_of(unsigned kind, uint64_t seed) {
    using Maker = std::string (*)(size_t, uint64_t);
    const Maker make = kind == 0 ? random_bytes : kind == 1 ? repetitive_bytes : json_bytes;
    std::vector<std::string> msgs = {"", make(1, seed), make(257, seed), make(3000, seed), make(20000, seed)};
    msgs.push_back(msgs[3]);  // a repeat: with takeover, all references back
    return msgs;
}

}  // namespace

TEST(deflate_zlib_compresses_we_inflate) {
    std::vector<Stream> streams;
    for (unsigned kind = 0; kind < 3; ++kind)
        for (unsigned wbits = 9; wbits <= 15; ++wbits)
            for (unsigned level : {0u, 1u, 6u, 9u})
                for (char mode : {'c', 'C'}) streams.push_back({mode, level, wbits, messages_of(kind, wbits)});
    streams.push_back({'c', 6, 15, {json_bytes(1 << 20, 1), repetitive_bytes(1 << 20, 2)}});
    const auto compressed = run_zlib(streams);
    for (size_t i = 0; i < compressed.size(); ++i) {
        const Stream& s = streams[i];
        Inflater inf(inflate_options(s.window_bits, s.mode == 'c', 1 << 21));
        for (size_t m = 0; m < s.messages.size(); ++m) {
            const std::string& z = compressed[i][m];
            const Inflated r = inflate_message(inf, Bytes(z.begin(), z.end()), m % 2 ? 0 : 1000);
            CHECK(r.ended);
            CHECK_EQ(r.error, InflateError::none);
            CHECK(r.out == s.messages[m]);
        }
    }
}

TEST(deflate_we_compress_zlib_inflates) {
    std::vector<Stream> streams;
    std::vector<std::vector<std::string>> originals;
    for (unsigned kind = 0; kind < 3; ++kind) {
        for (unsigned wbits = 8; wbits <= 15; ++wbits) {
            for (unsigned level : {1u, 4u, 6u, 9u}) {
                for (bool takeover : {true, false}) {
                    DeflateOptions o;
                    o.level = level;
                    o.window_bits = wbits;
                    o.context_takeover = takeover;
                    Deflater d(o);
                    Stream s{takeover ? 'd' : 'D', level, wbits, {}};
                    originals.push_back(messages_of(kind, level + wbits));
                    for (const std::string& m : originals.back()) {
                        Buffer out;
                        CHECK(d.compress(reinterpret_cast<const uint8_t*>(m.data()), m.size(), out));
                        s.messages.emplace_back(reinterpret_cast<const char*>(out.data()), out.size());
                    }
                    streams.push_back(std::move(s));
                }
            }
        }
    }
    const auto inflated = run_zlib(streams);
    for (size_t i = 0; i < inflated.size(); ++i) CHECK(inflated[i] == originals[i]);
}
