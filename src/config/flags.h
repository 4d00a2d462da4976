// The flags' one table: each flag's name, its placeholder, default and help
// for --help, its setter, and whether it may be repeated. The command line,
// the WSHUB_* environment and --help are all read off it (config.cpp).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "config/config.h"

namespace wshub::config {

// A setter returns "" on success, else what the flag accepts (for the error line).
using Setter = std::string (*)(Config&, std::string_view);

struct Flag {
    const char* name;         // without the leading dashes
    const char* placeholder;  // for --help
    const char* default_text;
    const char* help;
    Setter set;
    // Repeatable flags build a list and clear it when a source first sets
    // them; null for the others.
    void (*clear)(Config&);
    // Its value may hold a secret: an error line never quotes it.
    bool secret = false;
    // A repeatable flag's list in the environment: the length of its first
    // item, when an item may hold commas; null: up to the first comma.
    size_t (*item_length)(std::string_view) noexcept = nullptr;
};

std::span<const Flag> flags() noexcept;
const Flag* find_flag(std::string_view name) noexcept;

}  // namespace wshub::config
