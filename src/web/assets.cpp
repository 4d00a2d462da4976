#include "web/assets.h"

namespace wshub::web {

// A handful of assets: a linear walk is as fast as anything else here.
const Asset* find_asset(std::string_view url_path) noexcept {
    for (const Asset& a : assets())
        if (a.path == url_path) return &a;
    return nullptr;
}

}  // namespace wshub::web
