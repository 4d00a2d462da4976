// The parts of a scenario's summary that every scenario shows the same way:
// the error counts, the generator's CPU use, and printing the table and the
// CSV line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "clock.h"
#include "conn_errors.h"
#include "cpu_window.h"
#include "histogram.h"
#include "report.h"

namespace wsbench {

struct Options;

// The first fields of every report: the scenario, the server's label, the URL.
std::vector<Field> head_fields(const char* scenario, const Options& opts);

// "latency p50" (followed by p50_note), p99, p99.9 and max, in microseconds.
void add_latency_fields(std::vector<Field>& f, const Histogram& latency, const std::string& p50_note);

// "errors" with its breakdown, each count as a CSV column, and "first error".
// errs is the total of all five counts.
void add_error_fields(std::vector<Field>& f, uint64_t errs, uint64_t connect_errors, uint64_t handshake_errors,
                      const ConnErrors& errors, const std::string& first);

// "wsbench cpu" (total is the whole run's; cpu has the measured window's)
// and, when the server was sampled, "server cpu" over the same window.
void add_cpu_fields(std::vector<Field>& f, const CpuTimes& total, const CpuWindow& cpu, int64_t warm_end);

// Prints the table titled title (all named fields but "scenario"), warns when
// the generator may be the bottleneck (it used as much CPU as the server, or
// neared a whole core), and appends the CSV line to csv_path if set. Returns
// false (said on stderr) when the CSV could not be written.
bool emit_summary(const std::string& title, const std::vector<Field>& f, const CpuWindow& cpu, int64_t warm_end,
                  const std::string& csv_path);

}  // namespace wsbench
