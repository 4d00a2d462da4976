// Header lines for fuzz targets that read a request's headers: each value in
// a buffer of its own, exactly sized (so a read past its end is ASan's to
// see), and the request that views them.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"

namespace fuzz {

struct HeaderLines {
    std::vector<std::shared_ptr<char[]>> buffers;  // shared by copies, whose views point into them
    std::vector<std::pair<std::string_view, std::string_view>> lines;

    void add(std::string_view name, std::string_view value) {
        buffers.emplace_back(new char[value.size() ? value.size() : 1]);
        std::memcpy(buffers.back().get(), value.data(), value.size());
        lines.emplace_back(name, std::string_view(buffers.back().get(), value.size()));
    }
    bool has(std::string_view name) const {
        for (const auto& l : lines)
            if (l.first == name) return true;
        return false;
    }
    // A request holding the first kMaxHeaders lines; valid until the next call.
    const wshub::http::Request& request() const {
        static wshub::http::Request req;
        req.header_count = 0;
        for (const auto& [name, value] : lines) {
            if (req.header_count == wshub::http::kMaxHeaders) break;
            req.headers[req.header_count++] = {name, value};
        }
        return req;
    }
};

// As parse_request leaves a value: controls but tab become spaces, then
// spaces and tabs are trimmed.
inline std::string as_parsed(std::string_view raw) {
    std::string v(raw);
    for (char& c : v)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = ' ';
    const size_t first = v.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return v.substr(first, v.find_last_not_of(" \t") - first + 1);
}

}  // namespace fuzz
