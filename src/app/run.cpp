// wshub::run, the entry point the binary and embedders share.
#include <cstdio>

#include "app/log.h"
#include "app/server.h"
#include "config/config.h"
#include "wshub/server.h"

extern char** environ;

namespace wshub {

int run(int argc, char** argv, const std::vector<Mode>& modes) {
    std::vector<std::string> names;
    std::vector<Handler*> handlers;
    for (const auto& m : modes) {
        if (m.name == "echo" || m.name == "raw" || m.name == "json" || !m.handler) {
            std::fprintf(stderr, "wshub: custom mode '%s' clashes with a built-in mode or has no handler\n",
                         m.name.c_str());
            return 2;
        }
        names.push_back(m.name);
        handlers.push_back(m.handler);
    }
    config::Config cfg;
    const auto result = config::parse(argc, argv, environ, cfg, names);
    switch (result.action) {
    case config::ParseResult::Action::print_and_exit:
        std::fputs(result.message.c_str(), stdout);
        return 0;
    case config::ParseResult::Action::usage_error:
        std::fprintf(stderr, "%s\n", result.message.c_str());
        return 2;
    case config::ParseResult::Action::run:
        break;
    }
    app::set_log_level(cfg.log_level);
    app::set_log_format(cfg.log_format);
    for (const auto& w : cfg.warnings) app::log_message(app::LogLevel::warn, "config", w);
    return app::run_server(cfg, handlers);
}

}  // namespace wshub
