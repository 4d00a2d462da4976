#include "modes/modes.h"

namespace wshub::modes {
namespace {

class Echo final : public wshub::Handler {
public:
    void on_message(wshub::Conn& c, std::string_view data, wshub::MessageType type) override {
        c.send(data, type);
    }
};

}  // namespace

std::unique_ptr<wshub::Handler> make_echo() { return std::make_unique<Echo>(); }

}  // namespace wshub::modes
