#include "redis/pubsub.h"

namespace wshub::redis {

const char* publish_name(Publish p) noexcept {
    switch (p) {
        case Publish::sent: return "sent";
        case Publish::down: return "down";
        case Publish::queue_full: return "queue_full";
    }
    return "?";
}

}  // namespace wshub::redis
