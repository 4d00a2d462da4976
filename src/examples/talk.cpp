// A program on wshub's WebSocket client (wshub/client.h): a line-oriented
// client for trying a server by hand or from a script.
//
//   wshub-talk [--protocol P]... [--header 'Name: value']... [--binary]
//              [--timeout MS] [--max-message BYTES] URL
//
// Every line of standard input goes out as a text message (--binary: a
// binary one), and every message that comes in is printed on standard
// output, one per line. At the end of the input it closes with 1000 and
// waits for the server's answer. What happens to the connection goes to
// standard error: "open PROTOCOL", "close CODE REASON", "fail STATUS WHY".
// Exit status: 0 after a close with 1000, 1 if it never opened, 3 after any
// other close, 2 for bad arguments.
//
// Build: make (it becomes build/release/wshub-talk). Try it against
// `make run`:
//   echo hello | build/release/wshub-talk ws://127.0.0.1:8080/echo
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "wshub/client.h"

namespace {

// Hands lines from the reading thread to the loop's, one at a time: the
// reader waits until the loop took its line, so a fast input is held back
// by a slow server rather than piling up.
class LineHandoff {
public:
    void put(std::string line) {
        std::unique_lock lock(m_);
        taken_.wait(lock, [&] { return !line_ || stopped_; });
        line_ = std::move(line);
    }
    std::optional<std::string> take() {
        std::lock_guard lock(m_);
        std::optional<std::string> line = std::move(line_);
        line_.reset();
        taken_.notify_one();
        return line;
    }
    // The loop is gone: the reader stops waiting.
    void stop() {
        std::lock_guard lock(m_);
        stopped_ = true;
        taken_.notify_one();
    }

private:
    std::mutex m_;
    std::condition_variable taken_;
    std::optional<std::string> line_;
    bool stopped_ = false;
};

class Talk final : public wshub::ClientHandler {
public:
    Talk(wshub::ClientLoop& loop, LineHandoff& lines, wshub::MessageType type)
        : loop_(loop), lines_(lines), type_(type) {}

    int status() const noexcept { return status_; }

    // On the loop: the reader has a line, or the input ended.
    void line_ready() { send_pending(); }
    void input_ended() {
        input_ended_ = true;
        send_pending();
    }

    void on_open(wshub::Client& c, std::string_view protocol) override {
        client_ = &c;
        std::cerr << "open " << protocol << std::endl;
        send_pending();
    }
    void on_message(wshub::Client&, std::string_view data, wshub::MessageType) override {
        std::cout.write(data.data(), std::streamsize(data.size())) << '\n' << std::flush;
    }
    void on_drain(wshub::Client&) override { send_pending(); }
    void on_fail(wshub::Client&, int status, std::string_view why) override {
        std::cerr << "fail " << status << " " << why << std::endl;
        finish(1);
    }
    void on_close(wshub::Client&, wshub::CloseCode code, std::string_view reason) override {
        std::cerr << "close " << uint16_t(code) << " " << reason << std::endl;
        finish(code == wshub::CloseCode::normal ? 0 : 3);
    }

private:
    // Sends the lines waiting while the queue takes them, then closes once
    // the input is over and nothing is held.
    void send_pending() {
        if (!client_) return;
        while (true) {
            if (!held_) held_ = lines_.take();
            if (!held_) break;
            if (client_->send(*held_, type_) == wshub::SendResult::dropped) return;  // on_drain comes back
            held_.reset();
        }
        if (input_ended_ && !closing_) {
            closing_ = true;
            client_->close(wshub::CloseCode::normal, "end of input");
        }
    }
    void finish(int status) {
        status_ = status;
        client_ = nullptr;
        lines_.stop();
        loop_.stop();
    }

    wshub::ClientLoop& loop_;
    LineHandoff& lines_;
    wshub::MessageType type_;
    wshub::Client* client_ = nullptr;
    std::optional<std::string> held_;
    bool input_ended_ = false;
    bool closing_ = false;
    int status_ = 1;
};

int usage() {
    std::cerr << "usage: wshub-talk [--protocol P]... [--header 'Name: value']... [--binary] [--timeout MS]\n"
                 "                  [--max-message BYTES] ws://HOST[:PORT]/PATH\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    wshub::ClientOptions options;
    wshub::MessageType type = wshub::MessageType::text;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--protocol" && i + 1 < argc) {
            options.protocols.emplace_back(argv[++i]);
        } else if (arg == "--header" && i + 1 < argc) {
            options.headers.emplace_back(argv[++i]);
        } else if (arg == "--timeout" && i + 1 < argc) {
            options.open_timeout_ms = uint32_t(std::strtoul(argv[++i], nullptr, 10));
        } else if (arg == "--max-message" && i + 1 < argc) {
            options.max_message = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--binary") {
            type = wshub::MessageType::binary;
        } else if (options.url.empty() && arg.rfind("--", 0) != 0) {
            options.url = arg;
        } else {
            return usage();
        }
    }
    if (options.url.empty()) return usage();

    wshub::ClientLoop loop;
    LineHandoff lines;
    Talk talk(loop, lines, type);
    std::string error;
    if (!loop.connect(options, talk, error)) {
        std::cerr << "wshub-talk: " << error << "\n";
        return 2;
    }
    std::atomic<bool> input_over{false};
    std::thread reader([&] {
        std::string line;
        while (std::getline(std::cin, line)) {
            lines.put(std::move(line));
            loop.post([&] { talk.line_ready(); });
        }
        loop.post([&] { talk.input_ended(); });
        input_over = true;
    });
    const bool ran = loop.run(error);
    if (!ran) std::cerr << "wshub-talk: " << error << "\n";
    const int status = ran ? talk.status() : 1;
    if (input_over) {
        reader.join();
        return status;
    }
    // The server ended it first and the reader is blocked on input that
    // may never come: the process ends without waiting for it.
    std::cout.flush();
    std::_Exit(status);
}
