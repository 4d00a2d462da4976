// An embedder's program: the whole wshub server plus one mode of its own,
// written on the public API (wshub/handler.h, wshub/server.h) exactly as
// wshub's own modes are.
//
//   shout: members of ?room=NAME (default "square") hear every text message
//   of every member, the sender included, in upper case. Binary frames are
//   refused with close 1003.
//
// Build: make (it becomes build/release/wshub-shout). Run:
//   build/release/wshub-shout --route /shout=shout
#include <cctype>
#include <string>

#include "wshub/handler.h"
#include "wshub/server.h"

namespace {

class Shout final : public wshub::Handler {
public:
    int on_upgrade(wshub::Conn& c, const wshub::UpgradeRequest& req, std::string& why) override {
        std::string room = "square";
        if (!req.for_each_param("room", [&](std::string_view r) { room = r; })) {
            why = "malformed query string";
            return 400;
        }
        switch (c.join(room)) {
        case wshub::JoinResult::joined:
            return 0;
        case wshub::JoinResult::room_full:
            why = "room is full";
            return 503;
        default:
            why = "bad room name";
            return 400;
        }
    }

    void on_message(wshub::Conn& c, std::string_view data, wshub::MessageType type) override {
        if (type != wshub::MessageType::text) {
            c.close(wshub::CloseCode::unsupported_data, "shout takes text");
            return;
        }
        std::string loud(data);
        for (char& ch : loud) ch = char(std::toupper(static_cast<unsigned char>(ch)));
        c.publish(c.room_name(0), loud, wshub::MessageType::text, /*include_self=*/true);
    }
};

}  // namespace

int main(int argc, char** argv) {
    static Shout shout;
    return wshub::run(argc, argv, {{"shout", &shout}});
}
