#include "metrics/counters.h"

#include <iterator>

#include "auth/jwt_error.h"

namespace wshub::metrics {

const char* reject_label(Reject r) noexcept {
    switch (r) {
    case Reject::malformed: return "malformed";
    case Reject::header_too_large: return "header_too_large";
    case Reject::method: return "method";
    case Reject::not_found: return "not_found";
    case Reject::bad_upgrade: return "bad_upgrade";
    case Reject::bad_version: return "bad_version";
    case Reject::max_conns: return "max_conns";
    case Reject::max_conns_per_ip: return "max_conns_per_ip";
    case Reject::refused_by_mode: return "refused_by_mode";
    case Reject::handshake_timeout: return "handshake_timeout";
    case Reject::origin: return "origin";
    case Reject::unauthorized: return "unauthorized";
    case Reject::draining: return "draining";
    case Reject::count_: break;
    }
    return "unknown";
}

CloseBucket close_bucket(uint16_t code) noexcept {
    switch (code) {
    case 1000: return CloseBucket::c1000;
    case 1001: return CloseBucket::c1001;
    case 1002: return CloseBucket::c1002;
    case 1003: return CloseBucket::c1003;
    case 1007: return CloseBucket::c1007;
    case 1008: return CloseBucket::c1008;
    case 1009: return CloseBucket::c1009;
    case 1011: return CloseBucket::c1011;
    case 0:
    case 1005:
    case 1006: return CloseBucket::none;
    default: return CloseBucket::other;
    }
}

const char* close_label(CloseBucket b) noexcept {
    static const char* const labels[] = {"1000", "1001", "1002", "1003", "1007",
                                         "1008", "1009", "1011", "none", "other"};
    return b < CloseBucket::count_ ? labels[size_t(b)] : "other";
}

const char* drop_label(Drop d) noexcept {
    return d == Drop::queue_full ? "queue_full" : d == Drop::block_timeout ? "block_timeout" : "unknown";
}

static_assert(kAuthFailureReasons == size_t(auth::JwtError::count_));

const char* auth_failure_label(size_t reason) noexcept {
    if (reason == 0) return "missing";
    return auth::jwt_error_label(auth::JwtError(reason));
}

const char* join_refusal_label(JoinRefusal r) noexcept {
    switch (r) {
    case JoinRefusal::rooms_claim: return "rooms_claim";
    case JoinRefusal::password: return "password";
    case JoinRefusal::count_: break;
    }
    return "unknown";
}

PublishStatus publish_status(int status) noexcept {
    switch (status) {
    case 200: return PublishStatus::s200;
    case 400: return PublishStatus::s400;
    case 401: return PublishStatus::s401;
    case 403: return PublishStatus::s403;
    case 405: return PublishStatus::s405;
    case 411: return PublishStatus::s411;
    case 413: return PublishStatus::s413;
    case 503: return PublishStatus::s503;
    default: return PublishStatus::s500;
    }
}

const char* publish_status_label(PublishStatus s) noexcept {
    static const char* const labels[] = {"200", "400", "401", "403", "405", "411", "413", "500", "503"};
    static_assert(std::size(labels) == size_t(PublishStatus::count_));
    return s < PublishStatus::count_ ? labels[size_t(s)] : "500";
}

}  // namespace wshub::metrics
