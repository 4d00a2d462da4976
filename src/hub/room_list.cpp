#include "hub/room_list.h"

#include <mutex>

#include "hub/room_table.h"

namespace wshub::hub {

void list_room_members(Room& room, unsigned workers, size_t max, const Sink& sink, std::vector<MemberInfo>& out) {
    for (unsigned w = 0; w < workers && out.size() < max; ++w) {
        Room::PerWorker& theirs = room.workers[w];
        if (theirs.members.load(std::memory_order_relaxed) == 0) continue;
        std::lock_guard hold(theirs.list_lock);
        const auto* local = static_cast<const LocalRoom*>(theirs.local);
        if (!local) continue;
        for (const LocalRoom::Entry& e : local->members) {
            if (out.size() == max) break;
            out.push_back(sink.describe(*e.member));
        }
    }
}

}  // namespace wshub::hub
