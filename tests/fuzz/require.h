// A fuzz target's invariant: when one does not hold, say which and abort, so
// that libFuzzer keeps the input that broke it.
#pragma once

#include <cstdlib>

namespace fuzz {

inline void require(bool ok, const char* what) {
    if (!ok) {
        __builtin_printf("invariant broken: %s\n", what);
        std::abort();
    }
}

}  // namespace fuzz
