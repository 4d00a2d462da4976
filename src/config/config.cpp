#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <thread>
#include <vector>

#include "config/flags.h"
#include "config/routes.h"
#include "config/secrets.h"
#include "wshub/version.h"

namespace wshub::config {
namespace {

std::string env_name(const Flag& f) {
    std::string s = "WSHUB_";
    for (const char* p = f.name; *p; ++p) s += *p == '-' ? '_' : char(std::toupper(*p));
    return s;
}

ParseResult usage_error(std::string message) {
    return {ParseResult::Action::usage_error, "wshub: " + std::move(message)};
}

// Cross-flag rules and the files, once every source has been read.
std::string finish(Config& c, const char* const* envp) {
    if (c.routes.empty()) return "--route: at least one route is required";
    if (std::string err = assign_namespaces(c); !err.empty()) return err;
    if (c.metrics_listen && c.metrics_listen->to_string() == c.listen.to_string())
        return "--metrics-listen: expected an address other than --listen's, got '" + c.listen.to_string() + "'";
    if (std::string err = load_room_password_file(c); !err.empty()) return err;
    if (c.max_msg_burst == 0) c.max_msg_burst = c.max_msg_rate;
    if (std::string err = resolve_publish_token(c); !err.empty()) return err;
    if (std::string err = resolve_redis_password(c); !err.empty()) return err;
    return resolve_jwt_secrets(c, envp);
}

std::string flag_error(const Flag& f, std::string_view value, const std::string& accepts) {
    return std::string("--") + f.name + ": " + accepts + ", got '" + std::string(value) + "'";
}

void set_defaults(Config& c) {
    c = Config{};
    c.listen = *net::parse_address("127.0.0.1:8080");
    const unsigned cores = std::thread::hardware_concurrency();
    c.workers = cores == 0 ? 1 : cores > 64 ? 64 : cores;
}


std::string apply_environment(Config& c, const char* const* envp) {
    if (!envp) return {};
    for (const auto& f : flags()) {
        const std::string prefix = env_name(f) + "=";
        for (const char* const* e = envp; *e; ++e) {
            if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) continue;
            std::string_view value(*e + prefix.size());
            if (f.clear) f.clear(c);
            // Repeatable flags take a comma-separated list in the environment.
            while (true) {
                const size_t end = !f.clear       ? value.size()
                                   : f.item_length ? f.item_length(value)
                                                   : std::min(value.find(','), value.size());
                const std::string_view item = value.substr(0, end);
                std::string accepts = f.set(c, item);
                if (!accepts.empty())
                    return env_name(f) + " (--" + f.name + "): " + accepts +
                           (f.secret ? "" : ", got '" + std::string(item) + "'");
                if (end == value.size()) break;
                value.remove_prefix(end + 1);
            }
        }
    }
    return {};
}

}  // namespace

bool parse_duration_ms(std::string_view text, uint64_t& out) noexcept {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end == text.data()) return false;
    const std::string_view unit(end, size_t(text.data() + text.size() - end));
    uint64_t scale;
    if (unit.empty() || unit == "s") scale = 1000;
    else if (unit == "ms") scale = 1;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else return false;
    // Cap at ~24 days so every duration fits an int millisecond timeout.
    if (n > (uint64_t(1) << 31) / scale) return false;
    out = n * scale;
    return true;
}

bool parse_size(std::string_view text, uint64_t& out) noexcept {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end == text.data()) return false;
    const std::string_view unit(end, size_t(text.data() + text.size() - end));
    unsigned shift;
    if (unit.empty() || unit == "B") shift = 0;
    else if (unit == "K" || unit == "KiB") shift = 10;
    else if (unit == "M" || unit == "MiB") shift = 20;
    else if (unit == "G" || unit == "GiB") shift = 30;
    else return false;
    if (shift && n > (~uint64_t(0) >> shift)) return false;
    out = n << shift;
    return true;
}

std::string help_text() {
    std::string s =
        "usage: wshub [--flag value ...]\n"
        "\n"
        "A WebSocket hub server. Every flag can also be set with the environment\n"
        "variable WSHUB_<FLAG> (upper case, '-' as '_'; repeatable flags take a\n"
        "comma-separated list); a flag on the command line wins.\n"
        "SIZE: bytes, or with K/KiB, M/MiB, G/GiB. DURATION: 500ms, 10s, 2m, 1h, or seconds.\n"
        "\n"
        "flags:\n";
    for (const auto& f : flags()) {
        std::string left = std::string("  --") + f.name + " " + f.placeholder;
        if (left.size() < 32) left.resize(32, ' ');
        else left += "\n" + std::string(32, ' ');
        s += left + f.help + " (default: " + f.default_text + ")\n";
    }
    s += "  --help                        print this help and exit\n"
         "  --version                     print the version and exit\n"
         "\n"
         "environment only:\n"
         "  WSHUB_JWT_SECRET              the HS256 secret itself, instead of --jwt-secret-file\n"
         "                                (read once: SIGHUP does not change it)\n";
    return s;
}

ParseResult parse(int argc, const char* const* argv, const char* const* envp, Config& out,
                  const std::vector<std::string>& custom_modes) {
    set_defaults(out);
    if (custom_modes.size() > 255) return usage_error("at most 255 custom modes");
    out.custom_modes = custom_modes;
    for (const auto& [path, mode] : {std::pair{"/echo", RouteMode::echo}, {"/raw", RouteMode::raw}, {"/ws", RouteMode::json}}) {
        Route r;
        r.path = path;
        r.mode = mode;
        out.routes.push_back(std::move(r));
    }
    if (std::string err = apply_environment(out, envp); !err.empty()) return usage_error(err);

    std::vector<bool> list_reset(flags().size());
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") return {ParseResult::Action::print_and_exit, help_text()};
        if (arg == "--version")
            return {ParseResult::Action::print_and_exit, "wshub " WSHUB_VERSION "\n"};
        if (arg.substr(0, 2) != "--") return usage_error("unexpected argument '" + std::string(arg) + "' (see --help)");
        std::string_view name = arg.substr(2), value;
        bool inline_value = false;
        if (size_t eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        if (name == "jwt-secret")
            return usage_error("--jwt-secret: refused: a secret on the command line is visible to every user of "
                               "the machine; use --jwt-secret-file or WSHUB_JWT_SECRET");
        const Flag* f = find_flag(name);
        if (!f) return usage_error("unknown flag --" + std::string(name) + " (see --help)");
        if (!inline_value) {
            if (i + 1 >= argc) return usage_error(std::string("--") + f->name + ": missing value (" + f->placeholder + ")");
            value = argv[++i];
        }
        const size_t index = size_t(f - flags().data());
        if (f->clear && !list_reset[index]) {
            f->clear(out);
            list_reset[index] = true;
        }
        // A rejected secret is not echoed back into the error line either.
        if (std::string accepts = f->set(out, value); !accepts.empty())
            return usage_error(f->secret ? std::string("--") + f->name + ": " + accepts : flag_error(*f, value, accepts));
        if (std::strcmp(f->name, "room-password") == 0 && out.warnings.empty())
            out.warnings.push_back("--room-password on the command line is visible to every user of the machine "
                                   "(ps); prefer --room-password-file");
        if (std::strcmp(f->name, "redis") == 0 && out.redis && !out.redis->password.empty())
            out.warnings.push_back("--redis with a password on the command line is visible to every user of the "
                                   "machine (ps); prefer --redis-password-file or WSHUB_REDIS");
    }
    if (std::string err = finish(out, envp); !err.empty()) return usage_error(err);
    return {};
}

}  // namespace wshub::config
