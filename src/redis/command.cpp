#include "redis/command.h"

#include <charconv>

namespace wshub::redis {
namespace {

size_t decimal_digits(size_t n) noexcept {
    size_t digits = 1;
    while (n >= 10) n /= 10, ++digits;
    return digits;
}

// "<type><n>\r\n" (the text is 20 digits at most).
void append_header(std::string& out, char type, size_t n) {
    char text[24];
    text[0] = type;
    char* end = std::to_chars(text + 1, text + sizeof text - 2, n).ptr;
    *end++ = '\r';
    *end++ = '\n';
    out.append(text, static_cast<size_t>(end - text));
}

}  // namespace

size_t command_size(const std::string_view* args, size_t count) noexcept {
    size_t size = 1 + decimal_digits(count) + 2;
    for (size_t i = 0; i < count; ++i) size += 1 + decimal_digits(args[i].size()) + 2 + args[i].size() + 2;
    return size;
}

void append_command(std::string& out, const std::string_view* args, size_t count) {
    out.reserve(out.size() + command_size(args, count));
    append_header(out, '*', count);
    for (size_t i = 0; i < count; ++i) {
        append_header(out, '$', args[i].size());
        out.append(args[i]);
        out.append("\r\n", 2);
    }
}

}  // namespace wshub::redis
