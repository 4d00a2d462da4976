// The two cells every per-worker metric is made of. Each is written by one
// thread only (its worker), so a relaxed load and store replace a locked
// read-modify-write on the hot path; whoever renders /metrics reads them
// with relaxed loads and never waits for a worker.
#pragma once

#include <atomic>
#include <cstdint>

namespace wshub::metrics {

// Only ever grows.
class Counter {
public:
    void add(uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> v_{0};
};

// A level that rises and falls (bytes held, say): its worker adds what it
// takes on and subtracts what it lets go of.
class Gauge {
public:
    void add(uint64_t n) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    void sub(uint64_t n) noexcept { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
    uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> v_{0};
};

}  // namespace wshub::metrics
