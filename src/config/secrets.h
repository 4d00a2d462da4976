// What the configuration reads from files or the environment and never from
// the command line, where every user of the machine could see it: the JWT
// secret, the POST /publish token, room passwords. Nothing here logs or
// echoes a secret: errors name the file or the line, never its content.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace wshub::config {

// One ROOM=SECRET (--room-password, or a line of --room-password-file):
// "" or what is wrong with it.
std::string add_room_password(Config& c, std::string_view line);
// --room-password-file's lines, once every flag is known.
std::string load_room_password_file(Config& c);
// The JWT secret: --jwt-secret-file or WSHUB_JWT_SECRET, never both; and
// every ,auth route needs one.
std::string resolve_jwt_secret(Config& c, const char* const* envp);
// --publish-token-file's token.
std::string resolve_publish_token(Config& c);

}  // namespace wshub::config
