#include "config/secrets.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wshub::config {
namespace {

// Same rule as the hub's: what a connection could join.
bool valid_room_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    for (unsigned char ch : name)
        if (ch < 0x20 || ch == 0x7f) return false;
    return true;
}

// Small files only (secrets, password lists): false if unreadable or over 1 MiB.
bool read_small_file(const std::string& path, std::string& out, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::string("cannot read the file: ") + std::strerror(errno);
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    out = text.str();
    if (out.size() > (1u << 20)) {
        why = "the file is larger than 1 MiB";
        return false;
    }
    return true;
}

// Editors and `echo` end files with a newline that is not part of the secret.
void drop_line_ending(std::string& s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (!s.empty() && s.back() == '\r') s.pop_back();
}

bool has_room(const std::vector<RoomPassword>& list, std::string_view room) {
    for (const auto& p : list)
        if (p.room == room) return true;
    return false;
}

// One ROOM=SECRET into `out`, unless its room is in `given` or `out` already.
std::string parse_room_password(std::string_view line, const std::vector<RoomPassword>& given,
                                std::vector<RoomPassword>& out) {
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return "expected ROOM=SECRET";
    const std::string_view room = line.substr(0, eq), secret = line.substr(eq + 1);
    if (!valid_room_name(room)) return "expected ROOM=SECRET with ROOM 1 to 128 bytes without control characters";
    if (secret.empty()) return "expected ROOM=SECRET with a non-empty SECRET";
    if (has_room(given, room) || has_room(out, room))
        return "expected each ROOM once, got '" + std::string(room) + "' twice";
    out.push_back({std::string(room), std::string(secret)});
    return {};
}

}  // namespace

std::string add_room_password(Config& c, std::string_view line) { return parse_room_password(line, {}, c.room_passwords); }

std::string read_room_password_file(const std::string& path, const std::vector<RoomPassword>& given,
                                    std::vector<RoomPassword>& lines) {
    const std::string where = " ('" + path + "')";
    std::string text, why;
    if (!read_small_file(path, text, why))
        return "--room-password-file: expected a readable file of ROOM=SECRET lines (" + why + ")" + where;
    lines.clear();
    std::string_view rest = text;
    for (size_t line_no = 1; !rest.empty(); ++line_no) {
        const size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        // The line itself may hold a secret: name the line, never show it.
        if (std::string err = parse_room_password(line, given, lines); !err.empty()) {
            lines.clear();
            return "--room-password-file: line " + std::to_string(line_no) + ": " + err + where;
        }
    }
    return {};
}

std::string read_jwt_secret_file(const std::string& path, std::string& secret) {
    std::string text, why;
    if (!read_small_file(path, text, why))
        return "--jwt-secret-file: expected a readable file holding the secret (" + why + "), got '" + path + "'";
    drop_line_ending(text);
    if (text.empty()) return "--jwt-secret-file: expected a non-empty secret, got an empty file '" + path + "'";
    secret = std::move(text);
    return {};
}

// The /publish token: sent in a header, so visible ASCII without spaces; and
// long enough that guessing it over the network is hopeless.
std::string read_publish_token_file(const std::string& path, std::string& token) {
    const std::string accepts = "--publish-token-file: expected a readable file holding a token of 16 to 4096 "
                                "visible ASCII characters";
    std::string text, why;
    if (!read_small_file(path, text, why)) return accepts + " (" + why + "), got '" + path + "'";
    drop_line_ending(text);
    bool visible = text.size() >= 16 && text.size() <= 4096;
    for (unsigned char ch : text) visible = visible && ch > 0x20 && ch < 0x7f;
    // The file's content is a secret: say what is wrong with it, never show it.
    if (!visible) return accepts + ", got a file that does not hold one ('" + path + "')";
    token = std::move(text);
    return {};
}

// Read once every flag is known, so the command line's --room-password list
// (which replaces the environment's) decides which rooms the file may not repeat.
std::string load_room_password_file(Config& c) {
    if (c.room_password_file.empty()) return {};
    return read_room_password_file(c.room_password_file, c.room_passwords, c.room_password_file_lines);
}

std::string resolve_jwt_secrets(Config& c, const char* const* envp) {
    const char* from_env = nullptr;
    for (const char* const* e = envp; e && *e; ++e)
        if (std::strncmp(*e, "WSHUB_JWT_SECRET=", 17) == 0) from_env = *e + 17;
    c.jwt_secrets.clear();
    if (from_env && !c.jwt_secret_files.empty())
        return "--jwt-secret-file: expected one source of the JWT secret, got both it and WSHUB_JWT_SECRET";
    if (from_env) {
        if (*from_env == '\0') return "WSHUB_JWT_SECRET: expected a non-empty secret";
        c.jwt_secrets.emplace_back(from_env);
    }
    for (const std::string& path : c.jwt_secret_files) {
        std::string secret;
        if (std::string err = read_jwt_secret_file(path, secret); !err.empty()) {
            c.jwt_secrets.clear();
            return err;
        }
        c.jwt_secrets.push_back(std::move(secret));
    }
    for (const auto& r : c.routes)
        if (r.auth && c.jwt_secrets.empty())
            return "--route " + r.target() + ": an ,auth route needs --jwt-secret-file or WSHUB_JWT_SECRET";
    return {};
}

std::string resolve_publish_token(Config& c) {
    c.publish_token.clear();
    if (c.publish_token_file.empty()) return {};
    return read_publish_token_file(c.publish_token_file, c.publish_token);
}

std::string resolve_redis_password(Config& c) {
    c.redis_password = c.redis ? c.redis->password : std::string();
    if (c.redis_password_file.empty()) return {};
    if (!c.redis) return "--redis-password-file: expected --redis or --redis-cluster too";
    if (!c.redis_password.empty())
        return "--redis-password-file: expected one source of the Redis password, got both it and --redis's URL";
    const std::string accepts = "--redis-password-file: expected a readable file holding the password";
    std::string text, why;
    if (!read_small_file(c.redis_password_file, text, why)) return accepts + " (" + why + "), got '" + c.redis_password_file + "'";
    drop_line_ending(text);
    if (text.empty()) return accepts + ", got an empty file '" + c.redis_password_file + "'";
    c.redis_password = std::move(text);
    return {};
}

std::vector<SecretFile> secret_files(const Config& c) {
    std::vector<SecretFile> files;
    for (const std::string& path : c.jwt_secret_files) files.push_back({"--jwt-secret-file", path});
    if (!c.room_password_file.empty()) files.push_back({"--room-password-file", c.room_password_file});
    if (!c.publish_token_file.empty()) files.push_back({"--publish-token-file", c.publish_token_file});
    if (!c.redis_password_file.empty()) files.push_back({"--redis-password-file", c.redis_password_file});
    return files;
}

mode_t mode_open_to_others(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return 0;
    return (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) ? st.st_mode & 07777 : 0;
}

}  // namespace wshub::config
