#include "redis_trio.h"

#include <chrono>
#include <thread>

namespace redis_test {
namespace {

// A reply's value without resp_text's "complete <n> " prefix.
std::string value_of(const std::string& described) {
    if (described.rfind("complete ", 0) != 0) return described;
    return described.substr(described.find(' ', 9) + 1);
}

std::string ask(int port, std::initializer_list<std::string_view> args) {
    Client c;
    if (!c.connect(port)) return "no connection";
    return value_of(round_trip(c, args));
}

// `$"text"` from a bulk string reply, without the quoting.
std::string bulk_text(const std::string& value) {
    if (value.size() < 3 || value.rfind("$\"", 0) != 0) return "";
    return value.substr(2, value.size() - 3);
}

}  // namespace

std::unique_ptr<Trio> Trio::start(std::string& why_not, bool& installed) {
    auto trio = std::make_unique<Trio>();
    Settings settings;
    settings.own_every_slot = false;
    // A node restarted by a test must not take the others down with it.
    settings.extra_args = {"--cluster-require-full-coverage", "no"};
    const char* ranges[3][2] = {{"0", "5460"}, {"5461", "10922"}, {"10923", "16383"}};
    for (size_t i = 0; i < 3; ++i) {
        trio->nodes_[i] = private_server(settings, why_not, installed);
        if (!trio->nodes_[i]) return nullptr;
        if (trio->nodes_[i]->major_version() < 7) {
            why_not = "Redis before 7 has no sharded pub/sub";
            return nullptr;
        }
        trio->ids_[i] = bulk_text(ask(trio->port(i), {"CLUSTER", "MYID"}));
        const std::string added = ask(trio->port(i), {"CLUSTER", "ADDSLOTSRANGE", ranges[i][0], ranges[i][1]});
        if (trio->ids_[i].empty() || added != R"(+"OK")") {
            why_not = "CLUSTER MYID or ADDSLOTSRANGE failed: " + added;
            return nullptr;
        }
    }
    for (size_t i = 1; i < 3; ++i) {
        const std::string met =
            ask(trio->port(0), {"CLUSTER", "MEET", "127.0.0.1", std::to_string(trio->port(i)),
                                std::to_string(trio->nodes_[i]->cluster_port())});
        if (met != R"(+"OK")") {
            why_not = "CLUSTER MEET failed: " + met;
            return nullptr;
        }
    }
    if (!trio->wait_ok(why_not)) return nullptr;
    return trio;
}

bool Trio::wait_ok(std::string& why) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (size_t i = 0; i < 3; ++i) {
        for (;;) {
            const std::string info = ask(port(i), {"CLUSTER", "INFO"});
            if (info.find("cluster_state:ok") != std::string::npos &&
                info.find("cluster_known_nodes:3") != std::string::npos)
                break;
            if (std::chrono::steady_clock::now() >= deadline) {
                why = "node " + std::to_string(i) + " not ok with three nodes in 30 s: " + info.substr(0, 200);
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    return true;
}

bool Trio::move_slot(uint16_t slot, size_t to, std::string& why) {
    // The new owner first, so it never hears of the slot from the others
    // before it knows it owns it.
    for (size_t k = 0; k < 3; ++k) {
        const size_t i = (to + k) % 3;
        const std::string set = ask(port(i), {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", ids_[to]});
        if (set != R"(+"OK")") {
            why = "CLUSTER SETSLOT on node " + std::to_string(i) + ": " + set;
            return false;
        }
    }
    return true;
}

}  // namespace redis_test
