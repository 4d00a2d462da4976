// wshub: a WebSocket hub server. See README.md and `wshub --help`.
#include <cstdio>

#include "app/server.h"
#include "config/config.h"

extern char** environ;

int main(int argc, char** argv) {
    wshub::config::Config cfg;
    const auto result = wshub::config::parse(argc, argv, environ, cfg);
    switch (result.action) {
    case wshub::config::ParseResult::Action::print_and_exit:
        std::fputs(result.message.c_str(), stdout);
        return 0;
    case wshub::config::ParseResult::Action::usage_error:
        std::fprintf(stderr, "%s\n", result.message.c_str());
        return 2;
    case wshub::config::ParseResult::Action::run:
        break;
    }
    return wshub::app::run_server(cfg);
}
