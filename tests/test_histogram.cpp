#include <string>
#include <vector>

#include "check.h"
#include "metrics/counters.h"
#include "metrics/exposition.h"
#include "metrics/histogram.h"

using namespace wshub::metrics;

namespace {

// The sample lines of one histogram family, in order, as "suffix{labels} value".
std::vector<std::string> family_lines(const std::string& text, const std::string& name) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.rfind(name + "_", 0) == 0) lines.push_back(line.substr(name.size()));
    }
    return lines;
}

}  // namespace

TEST(histogram_bounds_are_inclusive_upper_limits) {
    LatencyHistogram h;
    h.observe(0);           // first bucket
    h.observe(10);          // exactly the first bound: still the first bucket (le is <=)
    h.observe(11);          // just over it: the second
    h.observe(1'000'000);   // 1 s exactly
    h.observe(10'000'000);  // the last bound
    h.observe(10'000'001);  // over every bound: +Inf only
    h.observe(UINT64_C(1) << 40);
    CHECK_EQ(h.bucket(0), 2u);
    CHECK_EQ(h.bucket(1), 1u);
    size_t one_second = 0;
    while (kLatencyBoundsUs[one_second] != 1'000'000) ++one_second;
    CHECK_EQ(h.bucket(one_second), 1u);
    CHECK_EQ(h.bucket(LatencyHistogram::kBounds - 1), 1u);
    CHECK_EQ(h.bucket(LatencyHistogram::kBounds), 2u);
    CHECK_EQ(h.sum_us(), 0u + 10 + 11 + 1'000'000 + 10'000'000 + 10'000'001 + (UINT64_C(1) << 40));
}

TEST(histogram_bounds_ascend) {
    for (size_t i = 1; i < LatencyHistogram::kBounds; ++i) CHECK_LT(kLatencyBoundsUs[i - 1], kLatencyBoundsUs[i]);
    CHECK_EQ(kLatencyBoundsUs[0], 10u);
    CHECK_EQ(kLatencyBoundsUs[LatencyHistogram::kBounds - 1], 10'000'000u);
}

TEST(format_seconds_is_exact_decimal) {
    struct Case {
        uint64_t us;
        const char* text;
    } cases[] = {
        {0, "0"},           {1, "0.000001"},      {10, "0.00001"},   {25, "0.000025"},
        {250, "0.00025"},   {1'000, "0.001"},     {2'500, "0.0025"}, {1'000'000, "1"},
        {2'500'000, "2.5"}, {10'000'000, "10"},   {1'234'567, "1.234567"},
        {3'600'000'001, "3600.000001"},
    };
    for (const auto& c : cases) CHECK_EQ(format_seconds(c.us), std::string(c.text));
}

TEST(histogram_exposition_sums_workers_cumulatively) {
    WorkerCounters a, b;
    a.handshake.observe(5);        // le 0.00001
    b.handshake.observe(7);        // le 0.00001
    a.handshake.observe(300);      // le 0.0005
    b.handshake.observe(2'000'000);  // le 2.5
    b.handshake.observe(60'000'000);  // +Inf only
    const std::string text = render({&a, &b}, Gauges{});
    const auto lines = family_lines(text, "wshub_handshake_duration_seconds");
    CHECK_EQ(lines.size(), LatencyHistogram::kBounds + 1 + 2);
    if (lines.size() != LatencyHistogram::kBounds + 3) return;
    const std::vector<std::string> want_buckets = {
        "_bucket{le=\"0.00001\"} 2",  "_bucket{le=\"0.000025\"} 2", "_bucket{le=\"0.00005\"} 2",
        "_bucket{le=\"0.0001\"} 2",   "_bucket{le=\"0.00025\"} 2",  "_bucket{le=\"0.0005\"} 3",
        "_bucket{le=\"0.001\"} 3",    "_bucket{le=\"0.0025\"} 3",   "_bucket{le=\"0.005\"} 3",
        "_bucket{le=\"0.01\"} 3",     "_bucket{le=\"0.025\"} 3",    "_bucket{le=\"0.05\"} 3",
        "_bucket{le=\"0.1\"} 3",      "_bucket{le=\"0.25\"} 3",     "_bucket{le=\"0.5\"} 3",
        "_bucket{le=\"1\"} 3",        "_bucket{le=\"2.5\"} 4",      "_bucket{le=\"5\"} 4",
        "_bucket{le=\"10\"} 4",       "_bucket{le=\"+Inf\"} 5",
    };
    for (size_t i = 0; i < want_buckets.size(); ++i) CHECK_EQ(lines[i], want_buckets[i]);
    CHECK_EQ(lines[20], std::string("_sum 62.000312"));
    CHECK_EQ(lines[21], std::string("_count 5"));
    // The family is announced once, as a histogram, before its samples.
    const size_t type = text.find("# TYPE wshub_handshake_duration_seconds histogram\n");
    CHECK(type != std::string::npos);
    CHECK_LT(type, text.find("wshub_handshake_duration_seconds_bucket"));
}

TEST(histogram_exposition_empty_and_separate_families) {
    WorkerCounters a;
    a.publish_to_write.observe(40);
    const std::string text = render({&a}, Gauges{});
    const auto handshake = family_lines(text, "wshub_handshake_duration_seconds");
    const auto publish = family_lines(text, "wshub_publish_to_write_seconds");
    CHECK_EQ(handshake.size(), LatencyHistogram::kBounds + 3);
    CHECK_EQ(publish.size(), LatencyHistogram::kBounds + 3);
    if (handshake.size() != LatencyHistogram::kBounds + 3 || publish.size() != handshake.size()) return;
    CHECK_EQ(handshake[LatencyHistogram::kBounds], std::string("_bucket{le=\"+Inf\"} 0"));
    CHECK_EQ(handshake.back(), std::string("_count 0"));
    CHECK_EQ(handshake[LatencyHistogram::kBounds + 1], std::string("_sum 0"));
    CHECK_EQ(publish[1], std::string("_bucket{le=\"0.000025\"} 0"));
    CHECK_EQ(publish[2], std::string("_bucket{le=\"0.00005\"} 1"));
    CHECK_EQ(publish.back(), std::string("_count 1"));
    CHECK_EQ(publish[LatencyHistogram::kBounds + 1], std::string("_sum 0.00004"));
}

TEST(queued_bytes_gauge_sums_workers) {
    WorkerCounters a, b;
    a.queued_bytes.add(100);
    b.queued_bytes.add(50);
    a.queued_bytes.sub(30);
    const std::string text = render({&a, &b}, Gauges{});
    CHECK(text.find("# TYPE wshub_queued_bytes gauge\nwshub_queued_bytes 120\n") != std::string::npos);
}

// The bucket a plain scan picks: the first bound at or above `us`.
static size_t scanned_bucket(uint64_t us) {
    size_t i = 0;
    while (i < LatencyHistogram::kBounds && us > kLatencyBoundsUs[i]) ++i;
    return i;
}

static void check_lands_where_a_scan_says(uint64_t us) {
    LatencyHistogram h;
    h.observe(us);
    const size_t want = scanned_bucket(us);
    for (size_t i = 0; i <= LatencyHistogram::kBounds; ++i)
        if (h.bucket(i) != (i == want ? 1u : 0u)) {
            CHECK_EQ(us, uint64_t(0));  // prints the value that went astray
            CHECK_EQ(i, want);
            return;
        }
}

TEST(histogram_buckets_agree_with_a_scan) {
    // Every bound and its neighbours, every power of two and its neighbours
    // (where observe() changes octave), and a spread of other values.
    for (uint64_t b : kLatencyBoundsUs)
        for (uint64_t us : {b - 1, b, b + 1}) check_lands_where_a_scan_says(us);
    for (unsigned k = 0; k < 64; ++k) {
        const uint64_t p = uint64_t(1) << k;
        for (uint64_t us : {p - 1, p, p + 1}) check_lands_where_a_scan_says(us);
    }
    check_lands_where_a_scan_says(UINT64_MAX);
    uint64_t x = 88172645463325252ull;  // xorshift64
    for (int i = 0; i < 100000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_lands_where_a_scan_says(x >> (x % 64));
    }
}
