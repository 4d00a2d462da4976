// Deflate then inflate: random, repetitive and JSON-like data of many sizes at
// every level and several window sizes, alone and with context takeover over
// many messages; the output bound, the block type chosen, and the memory a
// deflater keeps once warm.
#include <string>
#include <vector>

#include "check.h"
#include "deflate/deflate.h"
#include "deflate/inflate.h"
#include "deflate_corpus.h"
#include "deflate_streams.h"

using namespace wshub::deflate;
using namespace testdeflate;

namespace {

using Maker = std::string (*)(size_t, uint64_t);

struct Kind {
    const char* name;
    Maker make;
};

const Kind kKinds[] = {{"random", random_bytes}, {"repetitive", repetitive_bytes}, {"json", json_bytes}};

DeflateOptions deflate_options(unsigned level, unsigned window_bits, bool takeover) {
    DeflateOptions o;
    o.level = level;
    o.window_bits = window_bits;
    o.context_takeover = takeover;
    return o;
}

Bytes compress(Deflater& d, const std::string& msg) {
    Buffer out;
    const bool ok = d.compress(reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), out);
    CHECK(ok);
    CHECK_LE(out.size(), d.bound(msg.size()));
    return Bytes(out.data(), out.data() + out.size());
}

// Compresses each message with one deflater and inflates it with one
// inflater (pieces of `piece` bytes), checking every message comes back.
bool round_trip(const std::vector<std::string>& msgs, const DeflateOptions& o, size_t piece = 0) {
    Deflater d(o);
    Inflater inf(inflate_options(o.window_bits, o.context_takeover, 1 << 21));
    for (size_t i = 0; i < msgs.size(); ++i) {
        const Inflated r = inflate_message(inf, compress(d, msgs[i]), piece);
        if (!r.ended || r.out != msgs[i]) {
            std::fprintf(stderr, "  message %zu of %zu bytes, level %u, window %u, takeover %d: %s\n", i,
                         msgs[i].size(), o.level, o.window_bits, int(o.context_takeover),
                         std::string(describe(r.error)).c_str());
            return false;
        }
    }
    return true;
}

unsigned first_block_type(const Bytes& z) { return z.empty() ? 99u : (z[0] >> 1) & 3u; }

}  // namespace

TEST(deflate_round_trip_sizes_levels_windows) {
    for (const Kind& kind : kKinds) {
        for (size_t size : {size_t(0), size_t(1), size_t(257), size_t(65536)}) {
            const std::string data = kind.make(size, size + 1);
            for (unsigned level = 1; level <= 9; ++level) {
                for (unsigned wbits : {8u, 11u, 15u}) {
                    CHECK(round_trip({data}, deflate_options(level, wbits, false)));
                    CHECK(round_trip({data, data}, deflate_options(level, wbits, true)));
                }
            }
        }
    }
}

TEST(deflate_round_trip_one_mebibyte) {
    for (const Kind& kind : kKinds) {
        const std::string data = kind.make(1 << 20, 7);
        for (unsigned level = 1; level <= 9; ++level) CHECK(round_trip({data}, deflate_options(level, 15, false)));
        CHECK(round_trip({data}, deflate_options(1, 9, true)));
        CHECK(round_trip({data}, deflate_options(6, 15, true)));
    }
}

TEST(deflate_round_trip_many_messages_with_and_without_takeover) {
    Rng rng(42);
    std::vector<std::string> msgs;
    for (int i = 0; i < 300; ++i) {
        switch (rng.below(5)) {
            case 0: msgs.push_back(""); break;
            case 1: msgs.push_back(random_bytes(rng.below(3000), i)); break;
            case 2: msgs.push_back(repetitive_bytes(rng.below(5000), i)); break;
            default: msgs.push_back(json_bytes(rng.below(2000), i));
        }
    }
    for (unsigned level : {1u, 4u, 9u}) {
        for (unsigned wbits : {8u, 10u, 15u}) {
            CHECK(round_trip(msgs, deflate_options(level, wbits, true), 7));
            CHECK(round_trip(msgs, deflate_options(level, wbits, false), 7));
        }
    }
}

TEST(deflate_takeover_uses_earlier_messages) {
    Rng rng(3);
    std::vector<std::string> msgs;
    for (int i = 0; i < 100; ++i) msgs.push_back(json_message(rng));
    for (bool takeover : {false, true}) CHECK(round_trip(msgs, deflate_options(6, 15, takeover)));
    size_t alone = 0, shared = 0;
    Deflater a(deflate_options(6, 15, false)), s(deflate_options(6, 15, true));
    for (const std::string& m : msgs) {
        alone += compress(a, m).size();
        shared += compress(s, m).size();
    }
    CHECK_LT(shared * 2, alone);  // later messages are mostly references back
}

TEST(deflate_message_is_a_sync_flush_without_its_tail) {
    Deflater d(deflate_options(6, 15, false));
    const Bytes empty = compress(d, "");
    CHECK_EQ(empty.size(), size_t(1));  // RFC 7692 7.2.3.6: a lone 0x00
    CHECK_EQ(empty[0], uint8_t(0));
    // Every message ends with an empty stored block's header: appending
    // 00 00 ff ff makes a whole stream ending on a block boundary (checked by
    // the inflater), and the last bits before the tail are zero.
    const Bytes z = compress(d, json_bytes(5000, 1));
    CHECK(!z.empty());
    Inflater inf(inflate_options(15, false));
    CHECK(inflate_message(inf, z).ended);
}

TEST(deflate_chooses_block_types) {
    Deflater d(deflate_options(6, 15, false));
    CHECK_EQ(first_block_type(compress(d, random_bytes(1000, 1))), kStoredBlock);
    CHECK_EQ(first_block_type(compress(d, "hello hello hello")), kFixedBlock);
    CHECK_EQ(first_block_type(compress(d, json_bytes(20000, 2))), kDynamicBlock);
    // Incompressible data costs at most the stored blocks' headers.
    const std::string noise = random_bytes(200000, 9);
    const size_t size = compress(d, noise).size();
    CHECK_LE(size, noise.size() + 5 * (noise.size() / 16384 + 2) + 1);
}

TEST(deflate_bound_holds_for_small_windows_with_takeover) {
    // The worst case: incompressible data through a 256-byte window, the
    // window nearly full before each message.
    for (unsigned wbits : {8u, 9u, 15u}) {
        Deflater d(deflate_options(1, wbits, true));
        for (size_t size : {size_t(1), size_t(255), size_t(511), size_t(5000), size_t(70000)}) {
            const std::string data = random_bytes(size, size);
            Buffer out;
            CHECK(d.compress(reinterpret_cast<const uint8_t*>(data.data()), data.size(), out));
            CHECK_LE(out.size(), d.bound(size));
        }
    }
}

TEST(deflate_appends_to_the_callers_buffer) {
    Deflater d(deflate_options(6, 15, false));
    Buffer out;
    const uint8_t prefix[3] = {1, 2, 3};
    CHECK(out.append(prefix, 3));
    const std::string msg = json_bytes(300, 4);
    CHECK(d.compress(reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), out));
    CHECK_EQ(out.data()[0], uint8_t(1));
    CHECK_EQ(out.data()[2], uint8_t(3));
    Inflater inf(inflate_options(15, false));
    const Inflated r = inflate_message(inf, Bytes(out.data() + 3, out.data() + out.size()));
    CHECK(r.ended);
    CHECK_EQ(r.out, msg);
}

TEST(deflate_memory_is_fixed_after_warm_up) {
    // The only allocations are the working block (heap_bytes) and the
    // output's growth (capacity): once both have settled they stay.
    Rng rng(5);
    Deflater d(deflate_options(6, 15, false));
    Buffer out;
    for (int i = 0; i < 10; ++i) {
        const std::string m = json_message(rng);
        out.clear();
        CHECK(d.compress(reinterpret_cast<const uint8_t*>(m.data()), m.size(), out));
    }
    const size_t heap = d.heap_bytes();
    const size_t cap = out.capacity();
    const uint8_t* where = out.data();
    CHECK_EQ(heap, Deflater::heap_bytes_for(deflate_options(6, 15, false)));
    for (int i = 0; i < 2000; ++i) {
        std::string m = json_message(rng);
        m.resize(m.size() < 180 ? m.size() : 180);
        out.clear();
        CHECK(d.compress(reinterpret_cast<const uint8_t*>(m.data()), m.size(), out));
    }
    CHECK_EQ(d.heap_bytes(), heap);
    CHECK_EQ(out.capacity(), cap);
    CHECK(out.data() == where);
    d.shrink();
    CHECK_EQ(d.heap_bytes(), size_t(0));
    Deflater keep(deflate_options(6, 15, true));
    CHECK(keep.compress(reinterpret_cast<const uint8_t*>("abc"), 3, out));
    keep.shrink();  // the window is the context: kept
    CHECK_GT(keep.heap_bytes(), size_t(0));
}

TEST(deflate_ratio_improves_with_level) {
    const std::string data = json_bytes(200000, 11);
    size_t last = data.size();
    for (unsigned level : {1u, 4u, 6u, 9u}) {
        Deflater d(deflate_options(level, 15, false));
        const size_t size = compress(d, data).size();
        CHECK_LE(size, last);
        last = size;
    }
    CHECK_LT(last * 4, data.size());
}
