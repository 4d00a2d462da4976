// libFuzzer target for bus/envelope.h, what a node reads of what other
// nodes (or anyone who can publish to its Redis) sent: any bytes are read
// as their kind says or refused, never read past; what is read is written
// back to the same bytes (messages and farewells end with their payload, so
// a reading is whole).
#include <cstdint>
#include <string>
#include <string_view>

#include "bus/envelope.h"
#include "bus/roster.h"
#include "require.h"

using namespace wshub::bus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string out;
    Message m;
    Direct d;
    Farewell f;
    Origin o;
    NodeNews n;
    RosterHead h;
    std::string_view entries;
    uint64_t id = 0;
    Generation g = 0;
    if (read_message(in, m)) put_message(out, m);
    else if (read_direct(in, d)) put_direct(out, d);
    else if (read_joined(in, f, g)) put_joined(out, f, g);
    else if (read_left(in, id)) put_left(out, id);
    else if (read_query(in, o)) put_query(out, o);
    else if (read_node_news(in, n)) {
        const char k = kind_of(in);
        k == 'H' ? put_heartbeat(out, n) : k == 'B' ? put_bye(out, n) : k == 'U' ? put_back(out, n) : put_ping(out, n);
    }
    else if (read_roster(in, h, entries)) {
        put_roster_head(out, h);
        RosterEntries walk(entries);
        while (walk.next(f)) add_roster_entry(out, f);
        if (!walk.bad()) fuzz::require(out == in, "a roster read is not what it was written from");
        Roster r;
        r.answer(h, entries, 1);
        return 0;
    } else {
        return 0;
    }
    fuzz::require(out == in, "an envelope read is not what it was written from");
    return 0;
}
