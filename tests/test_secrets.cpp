// The secrets' files (config/secrets.h): several --jwt-secret-file, the
// readers a reload calls again (a refused file leaves what the caller had),
// and which files are open to group or others.
#include <string>
#include <vector>

#include "check.h"
#include "config/config.h"
#include "config/secrets.h"
#include "temp_file.h"

using wshub::config::Config;
using wshub::config::ParseResult;
using wshub::config::RoomPassword;
using Action = ParseResult::Action;
namespace cfg = wshub::config;

namespace {

ParseResult parse_words(std::vector<std::string> words, Config& c, std::vector<std::string> env = {}) {
    words.insert(words.begin(), "wshub");
    std::vector<const char*> argv, envp;
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(e.c_str());
    envp.push_back(nullptr);
    return cfg::parse(int(words.size()), argv.data(), envp.data(), c);
}

}  // namespace

// Every --jwt-secret-file is read, in order; the environment's list is
// comma-separated like any repeatable flag's, and the command line replaces it.
TEST(secrets_several_jwt_secret_files) {
    TempFile first("first secret\n"), second("second secret");
    Config c;
    ParseResult r = parse_words({"--jwt-secret-file", first.path, "--jwt-secret-file=" + second.path,
                                 "--route", "/p=json,auth"}, c);
    CHECK_EQ(r.message, "");
    CHECK(c.jwt_secrets == (std::vector<std::string>{"first secret", "second secret"}));
    CHECK_EQ(c.jwt_secret_files.size(), 2u);

    r = parse_words({}, c, {"WSHUB_JWT_SECRET_FILE=" + second.path + "," + first.path});
    CHECK_EQ(r.message, "");
    CHECK(c.jwt_secrets == (std::vector<std::string>{"second secret", "first secret"}));
    r = parse_words({"--jwt-secret-file", first.path}, c, {"WSHUB_JWT_SECRET_FILE=" + second.path});
    CHECK_EQ(r.message, "");
    CHECK(c.jwt_secrets == std::vector<std::string>{"first secret"});

    // One bad file of several: refused, naming that file.
    r = parse_words({"--jwt-secret-file", first.path, "--jwt-secret-file", "/nonexistent/second"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("'/nonexistent/second'") != std::string::npos);
    CHECK(c.jwt_secrets.empty());
    // The environment's secret is still the one source or the other.
    r = parse_words({"--jwt-secret-file", first.path, "--jwt-secret-file", second.path}, c, {"WSHUB_JWT_SECRET=x"});
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("both") != std::string::npos);
}

// What a reload calls: the value is set only when the file is good, so a
// refused file leaves the caller with what it had.
TEST(secrets_readers_keep_the_old_value_on_error) {
    std::string secret = "old";
    TempFile good("new secret\r\n"), empty("\n");
    CHECK_EQ(cfg::read_jwt_secret_file(good.path, secret), "");
    CHECK_EQ(secret, "new secret");
    const std::string err = cfg::read_jwt_secret_file(empty.path, secret);
    CHECK_EQ(err.substr(0, 18), "--jwt-secret-file:");
    CHECK(err.find(empty.path) != std::string::npos);
    CHECK_EQ(secret, "new secret");
    CHECK(!cfg::read_jwt_secret_file("/nonexistent/jwt", secret).empty());
    CHECK_EQ(secret, "new secret");

    std::string token = "old-token-0123456789";
    TempFile good_token("fresh-token-0123456789\n"), short_token("short\n");
    CHECK_EQ(cfg::read_publish_token_file(good_token.path, token), "");
    CHECK_EQ(token, "fresh-token-0123456789");
    const std::string token_err = cfg::read_publish_token_file(short_token.path, token);
    CHECK_EQ(token_err.substr(0, 21), "--publish-token-file:");
    CHECK_EQ(token_err.find("short"), std::string::npos);  // the content is never shown
    CHECK_EQ(token, "fresh-token-0123456789");
}

TEST(secrets_room_password_file_against_the_flags) {
    TempFile file("a=1\n# note\nb=2\n");
    const std::vector<RoomPassword> none, given_b{{"b", "x"}};
    std::vector<RoomPassword> lines;
    CHECK_EQ(cfg::read_room_password_file(file.path, none, lines), "");
    CHECK_EQ(lines.size(), 2u);
    const std::string err = cfg::read_room_password_file(file.path, given_b, lines);
    CHECK_EQ(err.substr(0, 29), "--room-password-file: line 3:");
    CHECK(err.find(file.path) != std::string::npos);
    CHECK(lines.empty());  // all or nothing
    TempFile secret_line("vip=hunter2 and more\nbroken\n");
    const std::string bad = cfg::read_room_password_file(secret_line.path, none, lines);
    CHECK(bad.find("line 2") != std::string::npos);
    CHECK_EQ(bad.find("hunter2"), std::string::npos);
}

TEST(secrets_files_open_to_others) {
    struct Case {
        mode_t mode;
        mode_t reported;
    } cases[] = {
        {0600, 0}, {0400, 0}, {0700, 0}, {0601, 0}, {0610, 0},  // execute bits alone give nothing away
        {0640, 0640}, {0604, 0604}, {0644, 0644}, {0620, 0620}, {0602, 0602}, {0666, 0666},
    };
    for (const Case& k : cases) {
        TempFile f("s", k.mode);
        CHECK_EQ(cfg::mode_open_to_others(f.path), k.reported);
    }
    CHECK_EQ(cfg::mode_open_to_others("/nonexistent/file"), mode_t(0));
}

TEST(secrets_files_listed_by_flag) {
    TempFile a("a-secret"), b("b-secret"), pw("r=1\n"), token("token-0123456789abcdef");
    Config c;
    const ParseResult r = parse_words({"--jwt-secret-file", a.path, "--jwt-secret-file", b.path,
                                       "--room-password-file", pw.path, "--publish-token-file", token.path}, c);
    CHECK_EQ(r.message, "");
    const std::vector<cfg::SecretFile> files = cfg::secret_files(c);
    CHECK_EQ(files.size(), 4u);
    if (files.size() == 4) {
        CHECK_EQ(std::string(files[0].flag) + " " + files[0].path, "--jwt-secret-file " + a.path);
        CHECK_EQ(std::string(files[1].flag) + " " + files[1].path, "--jwt-secret-file " + b.path);
        CHECK_EQ(std::string(files[2].flag) + " " + files[2].path, "--room-password-file " + pw.path);
        CHECK_EQ(std::string(files[3].flag) + " " + files[3].path, "--publish-token-file " + token.path);
    }
    CHECK(parse_words({}, c).action == Action::run);
    CHECK(cfg::secret_files(c).empty());
}
