#include "deflate/buffer.h"

#include <cstdlib>
#include <cstring>
#include <utility>

namespace wshub::deflate {

Buffer::~Buffer() { std::free(data_); }

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
    if (this != &other) {
        std::free(data_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
}

bool Buffer::reserve(size_t n) noexcept {
    if (n <= capacity_) return true;
    const size_t grown = capacity_ + capacity_ / 2;
    const size_t cap = n > grown ? n : grown;
    void* p = std::realloc(data_, cap);
    if (!p) return false;
    data_ = static_cast<uint8_t*>(p);
    capacity_ = cap;
    return true;
}

bool Buffer::resize(size_t n) noexcept {
    if (!reserve(n)) return false;
    size_ = n;
    return true;
}

bool Buffer::append(const uint8_t* p, size_t n) noexcept {
    if (n == 0) return true;
    if (!reserve(size_ + n)) return false;
    std::memcpy(data_ + size_, p, n);
    size_ += n;
    return true;
}

void Buffer::release() noexcept {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    capacity_ = 0;
}

}  // namespace wshub::deflate
