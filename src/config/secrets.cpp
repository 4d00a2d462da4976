#include "config/secrets.h"

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

}  // namespace

std::string add_room_password(Config& c, std::string_view line) {
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return "expected ROOM=SECRET";
    const std::string_view room = line.substr(0, eq), secret = line.substr(eq + 1);
    if (!valid_room_name(room)) return "expected ROOM=SECRET with ROOM 1 to 128 bytes without control characters";
    if (secret.empty()) return "expected ROOM=SECRET with a non-empty SECRET";
    for (const auto& p : c.room_passwords)
        if (p.room == room) return "expected each ROOM once, got '" + std::string(room) + "' twice";
    c.room_passwords.push_back({std::string(room), std::string(secret)});
    return {};
}

// Read once every flag is known, so the command line's --room-password list
// (which replaces the environment's) cannot wipe what the file added.
std::string load_room_password_file(Config& c) {
    std::string text, why;
    if (!read_small_file(c.room_password_file, text, why)) return "expected a readable file of ROOM=SECRET lines (" + why + ")";
    std::string_view rest = text;
    for (size_t line_no = 1; !rest.empty(); ++line_no) {
        const size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        // The line itself may hold a secret: name the line, never show it.
        if (std::string err = add_room_password(c, line); !err.empty())
            return "line " + std::to_string(line_no) + ": " + err;
    }
    return {};
}


// The JWT secret: from --jwt-secret-file or WSHUB_JWT_SECRET, never both.
std::string resolve_jwt_secret(Config& c, const char* const* envp) {
    const char* from_env = nullptr;
    for (const char* const* e = envp; e && *e; ++e)
        if (std::strncmp(*e, "WSHUB_JWT_SECRET=", 17) == 0) from_env = *e + 17;
    if (from_env && !c.jwt_secret_file.empty())
        return "--jwt-secret-file: expected one source of the JWT secret, got both it and WSHUB_JWT_SECRET";
    if (from_env) {
        c.jwt_secret = from_env;
        if (c.jwt_secret.empty()) return "WSHUB_JWT_SECRET: expected a non-empty secret";
    } else if (!c.jwt_secret_file.empty()) {
        std::string why;
        if (!read_small_file(c.jwt_secret_file, c.jwt_secret, why))
            return "--jwt-secret-file: expected a readable file holding the secret (" + why + "), got '" +
                   c.jwt_secret_file + "'";
        // Editors and `echo` end files with a newline that is not part of it.
        if (!c.jwt_secret.empty() && c.jwt_secret.back() == '\n') c.jwt_secret.pop_back();
        if (!c.jwt_secret.empty() && c.jwt_secret.back() == '\r') c.jwt_secret.pop_back();
        if (c.jwt_secret.empty())
            return "--jwt-secret-file: expected a non-empty secret, got an empty file '" + c.jwt_secret_file + "'";
    }
    for (const auto& r : c.routes)
        if (r.auth && c.jwt_secret.empty())
            return "--route " + r.path + ": an ,auth route needs --jwt-secret-file or WSHUB_JWT_SECRET";
    return {};
}

// The /publish token: sent in a header, so visible ASCII without spaces; and
// long enough that guessing it over the network is hopeless.
std::string resolve_publish_token(Config& c) {
    if (c.publish_token_file.empty()) return {};
    const std::string accepts = "--publish-token-file: expected a readable file holding a token of 16 to 4096 "
                                "visible ASCII characters";
    std::string why;
    if (!read_small_file(c.publish_token_file, c.publish_token, why))
        return accepts + " (" + why + "), got '" + c.publish_token_file + "'";
    if (!c.publish_token.empty() && c.publish_token.back() == '\n') c.publish_token.pop_back();
    if (!c.publish_token.empty() && c.publish_token.back() == '\r') c.publish_token.pop_back();
    bool visible = c.publish_token.size() >= 16 && c.publish_token.size() <= 4096;
    for (unsigned char ch : c.publish_token) visible = visible && ch > 0x20 && ch < 0x7f;
    // The file's content is a secret: say what is wrong with it, never show it.
    if (!visible) {
        c.publish_token.clear();
        return accepts + ", got a file that does not hold one ('" + c.publish_token_file + "')";
    }
    return {};
}

}  // namespace wshub::config
