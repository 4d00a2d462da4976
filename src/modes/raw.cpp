#include <string>

#include "modes/modes.h"

namespace wshub::modes {
namespace {

class Raw final : public wshub::Handler {
public:
    explicit Raw(const RawOptions& o) : options_(o) {}

    // Rooms are joined before the 101, so a full room, too many rooms or a
    // room this client may not enter is an HTTP answer it can read, not a
    // closed socket. `room_password` applies to every room of the request.
    int on_upgrade(wshub::Conn& c, const wshub::UpgradeRequest& req, std::string& why) override {
        std::string password;
        bool any = false;
        bool well_formed = req.for_each_param("room_password", [&](std::string_view p) { password = p; });
        int status = 0;
        well_formed = well_formed && req.for_each_param("room", [&](std::string_view room) {
            any = true;
            if (status == 0) status = join(c, room, password, why);
        });
        if (!well_formed) {
            why = "malformed query string";
            return 400;
        }
        if (status == 0 && !any) status = join(c, "lobby", password, why);
        return status;
    }

    // A read-only token (scope without "publish") may listen, not speak.
    void on_message(wshub::Conn& c, std::string_view data, wshub::MessageType type) override {
        if (c.read_only()) {
            c.close(wshub::CloseCode::policy, "read-only");
            return;
        }
        for (size_t i = 0; i < c.room_count(); ++i) c.publish(c.room_name(i), data, type, options_.echo_self);
    }

private:
    // 0, or the HTTP status refusing the join (with why set).
    static int join(wshub::Conn& c, std::string_view room, std::string_view password, std::string& why) {
        switch (c.join(room, password)) {
        case wshub::JoinResult::joined:
        case wshub::JoinResult::already_member:
            return 0;
        case wshub::JoinResult::room_full:
            why = "room is full: " + std::string(room);
            return 503;
        case wshub::JoinResult::too_many_rooms:
            why = "too many rooms";
            return 400;
        case wshub::JoinResult::bad_name:
            why = "bad room name";
            return 400;
        case wshub::JoinResult::forbidden:
            why = "room not allowed by the token: " + std::string(room);
            return 403;
        case wshub::JoinResult::wrong_password:
            why = "wrong or missing room password: " + std::string(room);
            return 403;
        }
        return 500;
    }

    RawOptions options_;
};

}  // namespace

std::unique_ptr<wshub::Handler> make_raw(const RawOptions& options) { return std::make_unique<Raw>(options); }

}  // namespace wshub::modes
