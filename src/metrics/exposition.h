// /metrics: the Prometheus text exposition format, version 0.0.4. Counters,
// gauges and histograms are summed over the workers at scrape time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/counters.h"
#include "metrics/families.h"

namespace wshub::metrics {

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Microseconds as decimal seconds, without trailing zeros: 250 -> "0.00025",
// 2500000 -> "2.5", 10000000 -> "10". Exact, unlike a double's shortest form.
std::string format_seconds(uint64_t us);

// Every family of metrics/families.h in its order, then the process_* ones.
std::string render(const std::vector<const WorkerCounters*>& workers, const Gauges& gauges);

}  // namespace wshub::metrics
