// Server::reload (SIGHUP for the binary): the secrets' files read again and
// swapped in, each item on its own (the JWT secrets, the POST /publish
// token, the room passwords): a file that cannot be read or is refused
// leaves that item as it was and is logged, never its content. Nothing else
// changes: listeners, routes, limits and WSHUB_JWT_SECRET are read once.
// Open connections keep the identity they were admitted with; from the swap
// on, upgrades, refreshes, joins and POST /publish are judged by the new
// values (auth::Verifier and auth::RoomPasswords say how the swap is safe).
#include <sys/types.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "app/log.h"
#include "app/server.h"
#include "config/secrets.h"

namespace wshub::app {
namespace {

ReloadOutcome reload_jwt_secrets(const config::Config& cfg, auth::Verifier& verifier) {
    std::vector<std::string> secrets;
    for (const std::string& path : cfg.jwt_secret_files) {
        std::string secret;
        if (std::string err = config::read_jwt_secret_file(path, secret); !err.empty())
            return {"jwt_secrets", std::nullopt, std::move(err)};
        secrets.push_back(std::move(secret));
    }
    const size_t count = secrets.size();
    verifier.replace_jwt_secrets(std::move(secrets));
    return {"jwt_secrets", count, {}};
}

ReloadOutcome reload_publish_token(const config::Config& cfg, auth::Verifier& verifier) {
    std::string token;
    if (std::string err = config::read_publish_token_file(cfg.publish_token_file, token); !err.empty())
        return {"publish_token", std::nullopt, std::move(err)};
    verifier.replace_publish_token(token);
    return {"publish_token", std::nullopt, {}};
}

// --room-password's stay; the file's lines are read again.
ReloadOutcome reload_room_passwords(const config::Config& cfg, auth::RoomPasswords& rooms) {
    std::vector<config::RoomPassword> lines;
    if (std::string err = config::read_room_password_file(cfg.room_password_file, cfg.room_passwords, lines);
        !err.empty())
        return {"room_passwords", std::nullopt, std::move(err)};
    rooms.replace(Shared::room_passwords_of(cfg.room_passwords, lines));
    return {"room_passwords", rooms.size(), {}};
}

}  // namespace

void warn_open_secret_files(const config::Config& cfg) {
    if (!log_enabled(LogLevel::warn)) return;
    for (const config::SecretFile& f : config::secret_files(cfg)) {
        const mode_t mode = config::mode_open_to_others(f.path);
        if (mode == 0) continue;
        char octal[16];
        std::snprintf(octal, sizeof octal, "%04o", unsigned(mode) & 07777u);
        Log(LogLevel::warn, "secret_file_mode")
            .str("flag", f.flag)
            .str("file", f.path)
            .str("mode", octal)
            .str("msg", "group or others may read or write this file of secrets: chmod 600 it")
            .emit();
    }
}

std::vector<ReloadOutcome> reload_secrets(const config::Config& cfg, Shared& shared) {
    warn_open_secret_files(cfg);
    std::vector<ReloadOutcome> done;
    if (!cfg.jwt_secret_files.empty()) done.push_back(reload_jwt_secrets(cfg, shared.verifier));
    if (!cfg.publish_token_file.empty()) done.push_back(reload_publish_token(cfg, shared.verifier));
    if (!cfg.room_password_file.empty()) done.push_back(reload_room_passwords(cfg, shared.room_passwords));
    return done;
}

}  // namespace wshub::app
