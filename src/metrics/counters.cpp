#include "metrics/counters.h"

namespace wshub::metrics {

CloseBucket close_bucket(uint16_t code) noexcept {
    switch (code) {
#define WSHUB_CLOSE_CASE(code) \
    case code: return CloseBucket::c##code;
        WSHUB_CLOSE_CODES(WSHUB_CLOSE_CASE)
#undef WSHUB_CLOSE_CASE
    case 0:
    case 1005:
    case 1006: return CloseBucket::none;
    default: return CloseBucket::other;
    }
}

PublishStatus publish_status(int status) noexcept {
    switch (status) {
#define WSHUB_PUBLISH_CASE(status) \
    case status: return PublishStatus::s##status;
        WSHUB_PUBLISH_STATUSES(WSHUB_PUBLISH_CASE)
#undef WSHUB_PUBLISH_CASE
    default: return PublishStatus::s500;
    }
}

}  // namespace wshub::metrics
