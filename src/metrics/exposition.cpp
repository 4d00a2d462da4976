#include "metrics/exposition.h"

#include <cstdio>
#include <string_view>

#include "metrics/process.h"

namespace wshub::metrics {
namespace {

const char* type_name(FamilyType type) {
    switch (type) {
    case FamilyType::counter: return "counter";
    case FamilyType::gauge: return "gauge";
    case FamilyType::histogram: return "histogram";
    }
    return "untyped";
}

void write_header(std::string& out, const Family& f) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    out += f.help;
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
}

void write_samples(std::string& out, const Family& f, const Scrape& scrape) {
    for (size_t i = 0; i < f.samples; ++i) {
        out += f.name;
        if (f.label_name) {
            out += '{';
            out += f.label_name;
            out += "=\"";
            out += f.label_values[i];
            out += "\"}";
        }
        out += ' ';
        out += std::to_string(f.sample(scrape, i));
        out += '\n';
    }
}

// Each bucket is read once per worker and accumulated here, so the buckets
// are cumulative and `_count` equals the +Inf bucket even while workers keep
// observing; only `_sum` may be off by the observations made while the
// scrape read the buckets.
void write_histogram(std::string& out, const Family& f, const std::vector<const WorkerCounters*>& workers) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= LatencyHistogram::kBounds; ++i) {
        for (const WorkerCounters* w : workers) cumulative += f.histogram(*w).bucket(i);
        out += f.name;
        out += "_bucket{le=\"";
        out += i < LatencyHistogram::kBounds ? format_seconds(kLatencyBoundsUs[i]) : std::string("+Inf");
        out += "\"} ";
        out += std::to_string(cumulative);
        out += '\n';
    }
    uint64_t sum_us = 0;
    for (const WorkerCounters* w : workers) sum_us += f.histogram(*w).sum_us();
    out += f.name;
    out += "_sum ";
    out += format_seconds(sum_us);
    out += '\n';
    out += f.name;
    out += "_count ";
    out += std::to_string(cumulative);
    out += '\n';
}

}  // namespace

std::string format_seconds(uint64_t us) {
    std::string s = std::to_string(us / 1'000'000);
    if (uint64_t frac = us % 1'000'000; frac != 0) {
        char digits[8];
        std::snprintf(digits, sizeof digits, ".%06llu", static_cast<unsigned long long>(frac));
        std::string_view d(digits);
        while (d.back() == '0') d.remove_suffix(1);
        s += d;
    }
    return s;
}

std::string render(const std::vector<const WorkerCounters*>& workers, const Gauges& gauges) {
    std::string out;
    out.reserve(4096);
    const Scrape scrape{workers, gauges};
    for (const Family& f : families()) {
        write_header(out, f);
        if (f.type == FamilyType::histogram)
            write_histogram(out, f, workers);
        else
            write_samples(out, f, scrape);
    }
    append_process_metrics(out);
    return out;
}

}  // namespace wshub::metrics
