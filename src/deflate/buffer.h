// A growing byte buffer for the deflater's output, owned by the caller: it
// keeps its memory across messages (clear() empties it, release() frees it), so
// compressing into it allocates nothing once it has grown to its working size.
// Allocation failure is a false result, never an exception.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::deflate {

class Buffer {
public:
    Buffer() noexcept = default;
    ~Buffer();
    Buffer(Buffer&& other) noexcept;
    Buffer& operator=(Buffer&& other) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    uint8_t* data() noexcept { return data_; }
    const uint8_t* data() const noexcept { return data_; }
    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return capacity_; }

    // Makes capacity at least n (growing by at least half); false if out of memory.
    bool reserve(size_t n) noexcept;
    // Sets the size to n, growing first if needed (new bytes are unspecified).
    bool resize(size_t n) noexcept;
    bool append(const uint8_t* p, size_t n) noexcept;
    void clear() noexcept { size_ = 0; }
    // Frees the memory.
    void release() noexcept;

private:
    uint8_t* data_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
};

}  // namespace wshub::deflate
