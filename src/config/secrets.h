// What the configuration reads from files or the environment and never from
// the command line, where every user of the machine could see it: the JWT
// secrets, the POST /publish token, room passwords. parse() reads the files
// once; a reload (SIGHUP, Server::reload) reads them again with the same
// functions, into values of its own: the Config itself never changes.
// Nothing here logs or echoes a secret: errors name the flag, the file or
// the line, never its content.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "config/config.h"

namespace wshub::config {

// One ROOM=SECRET of --room-password: "" or what is wrong with it.
std::string add_room_password(Config& c, std::string_view line);
// The ROOM=SECRET lines of a --room-password-file into `lines`, none of
// whose rooms may be in `given` (--room-password's) or twice in the file:
// "" or the error line, starting with the flag.
std::string read_room_password_file(const std::string& path, const std::vector<RoomPassword>& given,
                                    std::vector<RoomPassword>& lines);
// One --jwt-secret-file's secret: "" or the error line, starting with the flag.
std::string read_jwt_secret_file(const std::string& path, std::string& secret);
// --publish-token-file's token: "" or the error line, starting with the flag.
std::string read_publish_token_file(const std::string& path, std::string& token);

// Once every flag is known, for parse(): --room-password-file's lines; the
// JWT secrets, from --jwt-secret-file or WSHUB_JWT_SECRET but never both
// (and every ,auth route needs one); --publish-token-file's token.
std::string load_room_password_file(Config& c);
std::string resolve_jwt_secrets(Config& c, const char* const* envp);
std::string resolve_publish_token(Config& c);
// --redis-password-file's password, or the one in --redis's URL (not both).
std::string resolve_redis_password(Config& c);

// A file holding secrets, and the flag that names it.
struct SecretFile {
    const char* flag;  // "--jwt-secret-file", ...
    std::string path;
};
// Every file of c that holds secrets, in the order of the flags.
std::vector<SecretFile> secret_files(const Config& c);
// The permission bits (e.g. 0644) of a file that its group or others may
// read or write, as ssh refuses for a private key; 0 when only its owner
// may, or when it cannot be looked at (reading it will say why).
mode_t mode_open_to_others(const std::string& path);

}  // namespace wshub::config
