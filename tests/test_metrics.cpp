#include <string>
#include <vector>

#include "check.h"
#include "metrics/families.h"
#include "metrics/counters.h"
#include "metrics/exposition.h"

using namespace wshub::metrics;

namespace {

// The value of the sample line that starts with `series` (name and labels).
long long sample(const std::string& text, const std::string& series) {
    size_t pos = 0;
    while ((pos = text.find(series + " ", pos)) != std::string::npos) {
        if (pos == 0 || text[pos - 1] == '\n') return std::stoll(text.substr(pos + series.size() + 1));
        ++pos;
    }
    return -1;
}

}  // namespace

TEST(metrics_sums_workers_and_labels_reasons) {
    WorkerCounters a, b;
    a.accepted.add(3);
    b.accepted.add(4);
    a.reject(Reject::not_found);
    b.reject(Reject::not_found);
    b.reject(Reject::max_conns_per_ip);
    a.closed[size_t(close_bucket(1008))].add();
    b.closed[size_t(close_bucket(4000))].add();
    b.closed[size_t(close_bucket(1006))].add();
    a.drop(Drop::block_timeout);
    b.messages_sent.add(10);
    b.bytes_sent.add(120);
    const std::string text = render({&a, &b}, Gauges{5, 2, 2});
    CHECK_EQ(sample(text, "wshub_connections_accepted_total"), 7);
    CHECK_EQ(sample(text, "wshub_connections_rejected_total{reason=\"not_found\"}"), 2);
    CHECK_EQ(sample(text, "wshub_connections_rejected_total{reason=\"max_conns_per_ip\"}"), 1);
    CHECK_EQ(sample(text, "wshub_connections_rejected_total{reason=\"malformed\"}"), 0);
    CHECK_EQ(sample(text, "wshub_connections_closed_total{code=\"1008\"}"), 1);
    CHECK_EQ(sample(text, "wshub_connections_closed_total{code=\"other\"}"), 1);
    CHECK_EQ(sample(text, "wshub_connections_closed_total{code=\"none\"}"), 1);
    CHECK_EQ(sample(text, "wshub_messages_dropped_total{reason=\"block_timeout\"}"), 1);
    CHECK_EQ(sample(text, "wshub_messages_sent_total"), 10);
    CHECK_EQ(sample(text, "wshub_sent_bytes_total"), 120);
    CHECK_EQ(sample(text, "wshub_connections"), 5);
    CHECK_EQ(sample(text, "wshub_rooms"), 2);
    CHECK_EQ(sample(text, "wshub_workers"), 2);
}

TEST(metrics_text_format_shape) {
    WorkerCounters a;
    const std::string text = render({&a}, Gauges{});
    CHECK(!text.empty() && text.back() == '\n');
    // Every family has HELP then TYPE before its samples, and every sample
    // line is "name[{labels}] number".
    std::string family, type;
    size_t start = 0;
    int families = 0;
    while (start < text.size()) {
        const size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.rfind("# HELP ", 0) == 0) {
            family = line.substr(7, line.find(' ', 7) - 7);
            ++families;
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            CHECK_EQ(line.substr(7, family.size()), family);
            type = line.substr(8 + family.size());
            CHECK(type == "counter" || type == "gauge" || type == "histogram");
            if (type == "counter") CHECK_EQ(family.substr(family.size() - 6), std::string("_total"));
            if (type == "histogram") CHECK_EQ(family.substr(family.size() - 8), std::string("_seconds"));
            continue;
        }
        CHECK_EQ(line.substr(0, family.size()), family);
        if (type == "histogram") {
            const std::string suffix = line.substr(family.size(), line.find_first_of("{ ", family.size()) - family.size());
            CHECK(suffix == "_bucket" || suffix == "_sum" || suffix == "_count");
        } else {
            CHECK(line[family.size()] == ' ' || line[family.size()] == '{');
        }
        const size_t space = line.rfind(' ');
        CHECK(space != std::string::npos);
        // A number: the wshub_* families are integers, process_* may not be.
        const std::string value = line.substr(space + 1);
        size_t used = 0;
        CHECK(!value.empty());
        if (!value.empty()) (void)std::stod(value, &used);
        CHECK_EQ(used, value.size());
    }
    CHECK_GE(families, 15);
}

TEST(metrics_close_codes_map_to_their_labels) {
    // Each code counted apart lands in the bucket labelled with it.
    size_t codes = 0;
    for (size_t b = 0; b < kCloseLabels.size(); ++b) {
        const std::string label = kCloseLabels[b];
        if (label == "none" || label == "other") continue;
        ++codes;
        CHECK_EQ(size_t(close_bucket(uint16_t(std::stoi(label)))), b);
    }
    CHECK_EQ(codes, size_t(9));
    CHECK_EQ(std::string(kCloseLabels[size_t(close_bucket(0))]), "none");
    CHECK_EQ(std::string(kCloseLabels[size_t(close_bucket(1005))]), "none");
    CHECK_EQ(std::string(kCloseLabels[size_t(close_bucket(1006))]), "none");
    CHECK_EQ(std::string(kCloseLabels[size_t(close_bucket(1004))]), "other");
    CHECK_EQ(std::string(kCloseLabels[size_t(close_bucket(4000))]), "other");
}

TEST(metrics_publish_statuses_map_to_their_labels) {
    for (size_t s = 0; s < kPublishStatusLabels.size(); ++s)
        CHECK_EQ(size_t(publish_status(std::stoi(kPublishStatusLabels[s]))), s);
    CHECK(publish_status(418) == PublishStatus::s500);
    CHECK(publish_status(202) == PublishStatus::s500);
    CHECK_EQ(std::string(kPublishStatusLabels[size_t(PublishStatus::s204)]), "204");  // a CORS preflight
    CHECK_EQ(std::string(kPublishStatusLabels[size_t(PublishStatus::s413)]), "413");
}

TEST(metrics_reason_labels) {
    CHECK_EQ(std::string(reject_label(Reject::max_conns_per_ip)), "max_conns_per_ip");
    CHECK_EQ(std::string(reject_label(Reject::draining)), "draining");
    CHECK_EQ(std::string(reject_label(Reject::count_)), "unknown");
    CHECK_EQ(std::string(kDropLabels[size_t(Drop::block_timeout)]), "block_timeout");
    CHECK_EQ(std::string(kJoinRefusalLabels[size_t(JoinRefusal::password)]), "password");
    // Reason 0 is "no token at all"; the rest are the verifier's verdicts.
    CHECK_EQ(kAuthFailureReasons, size_t(wshub::auth::JwtError::count_));
    CHECK_EQ(std::string(auth_failure_label(0)), "missing");
    for (size_t r = 1; r < kAuthFailureReasons; ++r)
        CHECK_EQ(std::string(auth_failure_label(r)), wshub::auth::jwt_error_label(wshub::auth::JwtError(r)));
    CHECK_EQ(std::string(auth_failure_label(size_t(wshub::auth::JwtError::expired))), "expired");
    CHECK_EQ(std::string(auth_failure_label(kAuthFailureReasons)), "unknown");
}

// No two rows of the table read one member: each row's reader is an
// instantiation for its own member, so no two rows share one.
TEST(metrics_rows_read_distinct_members) {
    const auto rows = wshub::metrics::families();
    for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = i + 1; j < rows.size(); ++j) {
            const bool same = rows[i].sample == rows[j].sample && rows[i].histogram == rows[j].histogram;
            if (same) ::check::fail(__FILE__, __LINE__, std::string(rows[i].name) + " and " + rows[j].name + " read one member");
        }
}
