// Runs every registered case (or those whose name contains argv[1]) and ends
// with the line "N passed, M failed".
#include "check.h"

#include <cstring>
#include <vector>

namespace check {
namespace {

struct Case {
    const char* name;
    TestFn fn;
};

std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

bool g_failed = false;

}  // namespace

Registrar::Registrar(const char* name, TestFn fn) { registry().push_back({name, fn}); }

void fail(const char* file, int line, const std::string& what) {
    g_failed = true;
    std::fprintf(stderr, "  %s:%d: %s\n", file, line, what.c_str());
}

}  // namespace check

int main(int argc, char** argv) {
    const char* filter = argc > 1 ? argv[1] : nullptr;
    int passed = 0, failed = 0;
    for (const auto& c : check::registry()) {
        if (filter && !std::strstr(c.name, filter)) continue;
        check::g_failed = false;
        c.fn();
        if (check::g_failed) {
            ++failed;
            std::fprintf(stderr, "FAIL %s\n", c.name);
        } else {
            ++passed;
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
