// An embedder's program: a mode that takes messages in pieces
// (Handler::takes_fragments), as one that streams uploads on to a file or
// another server would, and never holds a message whole.
//
//   digest: every message, text or binary, is answered with its length and
//   its 64-bit FNV-1a hash, {"bytes":N,"fnv1a":"16 hex digits"}, worked out
//   piece by piece as the message arrives. A 16 MiB message costs the server
//   one read, not 16 MiB.
//
// Build: make (it becomes build/release/wshub-digest). Run:
//   build/release/wshub-digest --route /digest=digest
#include <cstdint>
#include <cstdio>
#include <string>

#include "wshub/handler.h"
#include "wshub/server.h"

namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

// The message in progress on one connection.
struct Running {
    uint64_t bytes = 0;
    uint64_t hash = kFnvOffset;
};

class Digest final : public wshub::Handler {
public:
    bool takes_fragments() const noexcept override { return true; }

    void on_open(wshub::Conn& c) override { c.set_user_data(new Running); }

    void on_fragment(wshub::Conn& c, std::string_view piece, wshub::MessageType, bool first, bool last) override {
        auto* r = static_cast<Running*>(c.user_data());
        if (first) *r = Running{};
        r->bytes += piece.size();
        for (const char ch : piece) r->hash = (r->hash ^ static_cast<unsigned char>(ch)) * kFnvPrime;
        if (!last) return;
        char answer[64];
        const int n = std::snprintf(answer, sizeof answer, "{\"bytes\":%llu,\"fnv1a\":\"%016llx\"}",
                                    static_cast<unsigned long long>(r->bytes),
                                    static_cast<unsigned long long>(r->hash));
        c.send(std::string_view(answer, size_t(n)), wshub::MessageType::text);
    }

    // Never called: this mode takes fragments.
    void on_message(wshub::Conn&, std::string_view, wshub::MessageType) override {}

    void on_close(wshub::Conn& c, wshub::CloseCode, std::string_view) override {
        delete static_cast<Running*>(c.user_data());
        c.set_user_data(nullptr);
    }
};

}  // namespace

int main(int argc, char** argv) {
    static Digest digest;
    return wshub::run(argc, argv, {{"digest", &digest}});
}
