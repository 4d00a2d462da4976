#include <string>

#include "modes/modes.h"

namespace wshub::modes {
namespace {

class Raw final : public wshub::Handler {
public:
    explicit Raw(const RawOptions& o) : options_(o) {}

    // Rooms are joined before the 101, so a full room or too many rooms is
    // an HTTP answer the client can read, not a closed socket.
    int on_upgrade(wshub::Conn& c, const wshub::UpgradeRequest& req, std::string& why) override {
        int status = 0;
        bool any = false;
        const bool well_formed = req.for_each_param("room", [&](std::string_view room) {
            any = true;
            if (status != 0) return;
            switch (c.join(room)) {
            case wshub::JoinResult::joined:
            case wshub::JoinResult::already_member:
                break;
            case wshub::JoinResult::room_full:
                status = 503;
                why = "room is full: " + std::string(room);
                break;
            case wshub::JoinResult::too_many_rooms:
                status = 400;
                why = "too many rooms";
                break;
            case wshub::JoinResult::bad_name:
                status = 400;
                why = "bad room name";
                break;
            }
        });
        if (!well_formed) {
            why = "malformed query string";
            return 400;
        }
        if (status != 0) return status;
        if (!any && c.join("lobby") == wshub::JoinResult::room_full) {
            why = "room is full: lobby";
            return 503;
        }
        return 0;
    }

    void on_message(wshub::Conn& c, std::string_view data, wshub::MessageType type) override {
        for (size_t i = 0; i < c.room_count(); ++i) c.publish(c.room_name(i), data, type, options_.echo_self);
    }

private:
    RawOptions options_;
};

}  // namespace

std::unique_ptr<wshub::Handler> make_raw(const RawOptions& options) { return std::make_unique<Raw>(options); }

}  // namespace wshub::modes
