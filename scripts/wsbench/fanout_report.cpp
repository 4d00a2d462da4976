// The fanout scenario's summary: the figures of a FanoutRun (fanout_run.h)
// as wsbench's table and CSV row.
#include "clock.h"
#include "fanout_run.h"
#include "report.h"

namespace wsbench::fanout {

// With --deflate: what the 101 agreed (the first connection's), how many
// deliveries came compressed, and how many were inflated.
void FanoutRun::add_deflate_fields(std::vector<Field>& f) const {
    if (!opts_.deflate) {
        f.push_back({"", "off", "deflate"});
        return;
    }
    const DeflateAnswer a = conns_.empty() ? DeflateAnswer{} : conns_[0].deflate;
    const std::string agreed =
        !a.accepted ? "no connection opened"
                    : std::string(a.server_no_context_takeover ? "server_no_context_takeover, " : "") +
                          "server window " + std::to_string(a.server_window_bits) + " bits";
    const double pct = deliveries_measured_ > 0 ? 100.0 * double(compressed_measured_) / double(deliveries_measured_)
                                                : 0;
    f.insert(f.end(), {
        {"deflate", "permessage-deflate offered (agreed: " + agreed + "); " + fmt(pct, 1) +
                        "% of deliveries compressed", ""},
        {"", a.server_no_context_takeover ? "on" : "on-takeover", "deflate"},
        {"", fmt(pct, 1), "compressed_pct"},
        {"inflated", std::to_string(inflater_.inflated()) + " messages; " + std::to_string(inflater_.reused()) +
                         " copies took the bytes of one inflated before" +
                         (opts_.inflate_each ? "  (--inflate-each: none may)" : ""), ""},
    });
}

int FanoutRun::report() {
    CpuTimes total = cpu_now();
    const double deliveries_rate = double(deliveries_measured_) / opts_.duration_s;
    const double publish_rate = double(published_measured_) / opts_.duration_s;
    const uint64_t connect_errors = sub_dial_.connect_errors + pub_dial_.connect_errors;
    const uint64_t handshake_errors = sub_dial_.handshake_errors + pub_dial_.handshake_errors;
    const uint64_t errs =
        connect_errors + handshake_errors + errors_.protocol + errors_.closed + errors_.close_handshake;
    std::string first = !sub_dial_.first_error.empty() ? "subscribers: " + sub_dial_.first_error
                        : !pub_dial_.first_error.empty() ? "publishers: " + pub_dial_.first_error
                                                         : errors_.first;
    const size_t pubs_opened = pubs_.size();
    const std::string rate = opts_.rate > 0 ? fmt(opts_.rate, 1) : "window";
    const std::string per_sub =
        subs_opened_ > 0 ? fmt(deliveries_rate / double(subs_opened_), 0) + " per subscriber" : "-";

    const double wire_bytes_per_delivery =
        deliveries_measured_ > 0 ? double(wire_bytes_measured_) / double(deliveries_measured_) : 0;
    std::vector<Field> f = head_fields("fanout", opts_);
    f.insert(f.end(), {
        {"subscribers", std::to_string(subs_opened_) + " of " + std::to_string(opts_.subscribers) + " opened in " +
                            fmt(sub_dial_s_, 2) + " s", ""},
        {"", std::to_string(opts_.subscribers), "subscribers"},
        {"", std::to_string(subs_opened_), "subscribers_opened"},
        {"publishers", std::to_string(pubs_opened) + " of " + std::to_string(opts_.publishers) + " opened in " +
                           fmt(pub_dial_s_, 2) + " s", ""},
        {"", std::to_string(opts_.publishers), "publishers"},
        {"", std::to_string(pubs_opened), "publishers_opened"},
        {"message", std::to_string(opts_.size) + " bytes " + (opts_.text ? "text" : "binary") + ", " +
                        std::to_string(opts_.inflight) + " in flight per publisher, " +
                        (opts_.rate > 0 ? "at most " + fmt(opts_.rate, 1) + "/s" : "no rate limit"), ""},
        {"", std::to_string(opts_.size), "size"},
        {"", std::to_string(opts_.inflight), "inflight"},
        {"", rate, "rate"},
        {"", opts_.text ? "text" : "binary", "type"},
        {"payload", opts_.json ? "chat JSON (--json)" : "letters after a binary header", ""},
        {"", opts_.json ? "json" : "padding", "payload"},
        {"duration", fmt(opts_.duration_s, 2) + " s after " + fmt(opts_.warmup_s, 2) + " s warm-up", ""},
        {"", fmt(opts_.duration_s, 3), "duration_s"},
        {"deliveries/s", fmt(deliveries_rate, 0) + "  (" + std::to_string(deliveries_measured_) +
                             " messages received by subscribers; " + per_sub + ")", ""},
        {"", fmt(deliveries_rate, 1), "deliveries_per_s"},
        {"", std::to_string(deliveries_measured_), "deliveries"},
        {"reads/s", fmt(double(reads_measured_) / opts_.duration_s, 0) + "  (" +
                        (reads_measured_ > 0 ? fmt(double(deliveries_measured_) / double(reads_measured_), 2) : "-") +
                        " deliveries per read)", ""},
        {"", fmt(double(reads_measured_) / opts_.duration_s, 1), "reads_per_s"},
        {"wire bytes", (deliveries_measured_ > 0 ? fmt(wire_bytes_per_delivery, 1) : "-") +
                           " per delivery  (bytes subscribers read: frames as sent)", ""},
        {"", deliveries_measured_ > 0 ? fmt(wire_bytes_per_delivery, 1) : "", "wire_bytes_per_delivery"},
        {"published/s", fmt(publish_rate, 0) + "  (" + std::to_string(published_measured_) + " messages)", ""},
        {"", fmt(publish_rate, 1), "publish_per_s"},
        {"", std::to_string(published_measured_), "published"},
    });
    add_deflate_fields(f);
    add_latency_fields(f, latency_, "  (publish to receive)");
    f.insert(f.end(), {
        {"loss", std::to_string(loss_) + "  (messages missing at a receiver" +
                     (late_ > 0 ? "; " + std::to_string(late_) + " of them came later than the drain wait" : "") +
                     ")", ""},
        {"", std::to_string(loss_), "loss"},
        {"out of order", std::to_string(out_of_order_), ""},
        {"", std::to_string(out_of_order_), "out_of_order"},
    });
    add_error_fields(f, errs, connect_errors, handshake_errors, errors_, first);
    add_cpu_fields(f, total, cpu_, window_.warm_end);
    if (!emit_summary("wsbench fanout", f, cpu_, window_.warm_end, opts_.csv_path)) return 1;
    return errs == 0 && loss_ == 0 && out_of_order_ == 0 ? 0 : 1;
}

}  // namespace wsbench::fanout
