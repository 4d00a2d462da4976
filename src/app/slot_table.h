// The worker's connections by slot, stored in fixed chunks: a connection
// never moves (its address is handed out as a Conn&), slots are only
// appended, and each costs sizeof(Connection) with no allocator header
// (a heap block per connection would add 16 bytes of header and rounding).
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "app/connection.h"

namespace wshub::app {

class SlotTable {
public:
    SlotTable() = default;
    SlotTable(const SlotTable&) = delete;
    SlotTable& operator=(const SlotTable&) = delete;
    ~SlotTable() {
        for (uint32_t i = 0; i < size_; ++i) (*this)[i]->~Connection();
        for (Connection* chunk : chunks_) ::operator delete(chunk, std::align_val_t{alignof(Connection)});
    }

    uint32_t size() const noexcept { return size_; }
    Connection* operator[](uint32_t slot) const noexcept { return chunks_[slot / kChunk] + slot % kChunk; }

    // Constructs the connection of slot size() and returns it.
    Connection* append(Worker& w) {
        if (size_ % kChunk == 0 && size_ / kChunk == chunks_.size()) {
            chunks_.reserve(chunks_.size() + 1);
            chunks_.push_back(static_cast<Connection*>(
                ::operator new(sizeof(Connection) * kChunk, std::align_val_t{alignof(Connection)})));
        }
        Connection* c = new ((*this)[size_]) Connection(w, size_);
        ++size_;
        return c;
    }

private:
    // 256 slots: about 53 KiB per chunk, whose pages are only touched as
    // connections are constructed in them.
    static constexpr uint32_t kChunk = 256;
    std::vector<Connection*> chunks_;
    uint32_t size_ = 0;
};

}  // namespace wshub::app
