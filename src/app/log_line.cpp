#include "app/log_line.h"

#include <time.h>

#include "json/json.h"

namespace wshub::app {
namespace {

bool needs_quotes(std::string_view v) noexcept {
    if (v.empty()) return true;
    for (unsigned char c : v)
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '=' || c == '\\') return true;
    return false;
}

void append_quoted(std::string& out, std::string_view v) {
    static const char kHex[] = "0123456789abcdef";
    out += '"';
    for (unsigned char c : v) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
                out.append(esc, 4);
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

// At most kMaxValue bytes, cut before a UTF-8 continuation byte so the cut
// does not itself make invalid UTF-8.
std::string_view clip(std::string_view v, bool& clipped) noexcept {
    clipped = v.size() > LogLine::kMaxValue;
    if (!clipped) return v;
    size_t n = LogLine::kMaxValue;
    while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
    return v.substr(0, n);
}

}  // namespace

const char* log_level_name(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warn: return "warn";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
    }
    return "?";
}

void append_timestamp(std::string& out, uint64_t unix_ms) {
    const time_t secs = time_t(unix_ms / 1000);
    tm utc{};
    gmtime_r(&secs, &utc);
    char buf[40];
    const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    out.append(buf, n);
    const unsigned ms = unsigned(unix_ms % 1000);
    out += '.';
    out += char('0' + ms / 100);
    out += char('0' + ms / 10 % 10);
    out += char('0' + ms % 10);
    out += 'Z';
}

LogLine::LogLine(LogFormat format, uint64_t unix_ms, LogLevel level, std::string_view event) : format_(format) {
    out_.reserve(256);
    if (format_ == LogFormat::json) {
        out_ += "{\"ts\":\"";
        append_timestamp(out_, unix_ms);
        out_ += "\",\"level\":\"";
        out_ += log_level_name(level);
        out_ += "\",\"event\":";
        json::append_escaped(out_, event);
    } else {
        append_timestamp(out_, unix_ms);
        out_ += ' ';
        out_ += log_level_name(level);
        out_ += ' ';
        out_ += event;
    }
}

void LogLine::key(std::string_view k) {
    if (format_ == LogFormat::json) {
        out_ += ",\"";
        out_ += k;
        out_ += "\":";
    } else {
        out_ += ' ';
        out_ += k;
        out_ += '=';
    }
}

LogLine& LogLine::str(std::string_view k, std::string_view value) {
    key(k);
    bool clipped;
    const std::string_view v = clip(value, clipped);
    if (format_ == LogFormat::json) {
        if (!clipped) {
            json::append_escaped(out_, v);
        } else {
            std::string cut(v);
            cut += "...";
            json::append_escaped(out_, cut);
        }
    } else if (clipped) {
        std::string cut(v);
        cut += "...";
        append_quoted(out_, cut);
    } else if (needs_quotes(v)) {
        append_quoted(out_, v);
    } else {
        out_ += v;
    }
    return *this;
}

LogLine& LogLine::unsigned_num(std::string_view k, uint64_t value) {
    key(k);
    out_ += std::to_string(value);
    return *this;
}

LogLine& LogLine::signed_num(std::string_view k, int64_t value) {
    key(k);
    out_ += std::to_string(value);
    return *this;
}

const std::string& LogLine::finish() {
    if (format_ == LogFormat::json) out_ += '}';
    out_ += '\n';
    return out_;
}

}  // namespace wshub::app
