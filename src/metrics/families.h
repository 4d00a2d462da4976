// The metric families /metrics exposes, one row each in the order exposed:
// the family's name, help, type and label set, and where its samples come
// from. The exposition (metrics/exposition.cpp) walks the rows and knows no
// family by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "metrics/counters.h"

namespace wshub::metrics {

// What the scrape knows besides the workers' counters.
struct Gauges {
    uint64_t connections = 0;  // open WebSocket connections
    uint64_t rooms = 0;
    unsigned workers = 0;
};

// Everything a row reads its samples from, at one scrape.
struct Scrape {
    const std::vector<const WorkerCounters*>& workers;
    const Gauges& gauges;
};

enum class FamilyType : uint8_t { counter, gauge, histogram };

struct Family {
    const char* name = nullptr;
    const char* help = nullptr;
    FamilyType type = FamilyType::counter;
    const char* label_name = nullptr;  // nullptr: one sample, without labels
    const char* const* label_values = nullptr;
    size_t samples = 1;  // one per label value
    // Counters and gauges: sample i (of label_values[i]), summed over the workers.
    uint64_t (*sample)(const Scrape&, size_t i) = nullptr;
    // Histograms: the one a worker keeps, which the exposition sums bucket by bucket.
    const LatencyHistogram& (*histogram)(const WorkerCounters&) = nullptr;
    // The bytes of WorkerCounters the row reads: the rows' sum must be the
    // whole struct, so a member without a row fails to compile.
    size_t worker_bytes = 0;
};

std::span<const Family> families() noexcept;

}  // namespace wshub::metrics
