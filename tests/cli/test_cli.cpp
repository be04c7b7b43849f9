// The mcast binary without a network: identity and key file rules through `mcast id`, usage
// errors as one line with exit 2, help and version. Nothing here opens a socket.
#include "lab_harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>

using namespace mcast::testlab;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mcast-cli-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
    }
    void TearDown() override { fs::remove_all(dir_); }

    CommandResult mcast(std::vector<std::string> args) {
        args.insert(args.begin(), Paths::mcast());
        // A private XDG_CONFIG_HOME so the default key file is the test's own.
        args.insert(args.begin(),
                    {"env", "-u", "MCAST_IDENTITY", "XDG_CONFIG_HOME=" + dir_.string()});
        return run_command(args);
    }
    std::string lines(const std::string& s) {
        return std::to_string(std::count(s.begin(), s.end(), '\n'));
    }

    fs::path dir_;
};

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

TEST_F(Cli, IdCreatesTheDefaultKeyOnFirstUseAndKeepsIt) {
    auto first = mcast({"id", "--json"});
    ASSERT_EQ(first.code, 0) << first.err;
    auto j = json::parse(first.out).as_object();
    auto file = dir_ / "mcast" / "identity.pem";
    EXPECT_EQ(j.at("key_file").as_string(), file.string());
    EXPECT_EQ(j.at("id").as_string().size(), 64u);
    EXPECT_EQ(j.at("short_id").as_string(), j.at("id").as_string().subview(0, 12));
    EXPECT_EQ(mode_of(file), 0600u);
    EXPECT_NE(first.err.find("created a new identity"), std::string::npos);
    auto second = mcast({"id", "--json"});
    EXPECT_EQ(json::parse(second.out).at("id"), j.at("id"));
    EXPECT_EQ(second.err, "");
}

TEST_F(Cli, IdHumanFormShowsEveryField) {
    auto r = mcast({"id"});
    ASSERT_EQ(r.code, 0);
    for (auto field : {"name ", "id ", "full id ", "public key ", "key file "})
        EXPECT_NE(r.out.find(field), std::string::npos) << field;
}

TEST_F(Cli, ExplicitMissingKeyIsAnError) {
    auto r = mcast({"id", "--identity", (dir_ / "nope.pem").string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), "1") << r.err;
    EXPECT_NE(r.err.find("mcast id: identity file '"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "nope.pem"));
}

TEST_F(Cli, EnvironmentChoosesTheKeyFile) {
    auto file = dir_ / "env.pem";
    ASSERT_EQ(mcast({"id", "--new", "--identity", file.string()}).code, 0);
    auto r =
        run_command({"env", "MCAST_IDENTITY=" + file.string(), Paths::mcast(), "id", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("key_file").as_string(), file.string());
}

TEST_F(Cli, TooOpenKeyIsRefused) {
    auto file = dir_ / "k.pem";
    ASSERT_EQ(mcast({"id", "--new", "--identity", file.string()}).code, 0);
    ::chmod(file.c_str(), 0644);
    auto r = mcast({"id", "--identity", file.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("accessible by others (mode 0644)"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), "1");
}

TEST_F(Cli, CorruptKeyIsRefusedAndLeftAlone) {
    auto file = dir_ / "bad.pem";
    std::ofstream(file) << "garbage\n";
    ::chmod(file.c_str(), 0600);
    auto r = mcast({"id", "--identity", file.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("not a PEM private key"), std::string::npos) << r.err;
    std::ifstream in(file);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(content, "garbage\n");
}

TEST_F(Cli, NewNeverReplacesWithoutForce) {
    auto file = dir_ / "k.pem";
    auto a = mcast({"id", "--new", "--json", "--identity", file.string()});
    ASSERT_EQ(a.code, 0);
    auto b = mcast({"id", "--new", "--identity", file.string()});
    EXPECT_EQ(b.code, 2);
    EXPECT_NE(b.err.find("already exists"), std::string::npos) << b.err;
    auto c = mcast({"id", "--new", "--force", "--json", "--identity", file.string()});
    ASSERT_EQ(c.code, 0) << c.err;
    EXPECT_NE(json::parse(c.out).at("id"), json::parse(a.out).at("id"));
    auto old = mcast({"id", "--json", "--identity", file.string() + ".old"});
    EXPECT_EQ(json::parse(old.out).at("id"), json::parse(a.out).at("id"));
}

TEST_F(Cli, KeyIsReadableByOpenssl) {
    auto file = dir_ / "k.pem";
    ASSERT_EQ(mcast({"id", "--new", "--identity", file.string()}).code, 0);
    auto r = run_command({"openssl", "pkey", "-in", file.string(), "-noout", "-text"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("ED25519"), std::string::npos) << r.out;
}

TEST_F(Cli, BadValuesAreOneLineErrors) {
    auto r = mcast({"send", "--ttl", "300", "x"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "mcast send: --ttl: bad value '300' (expected 0-255)\n");
    auto t = mcast({"listen", "--timeout", "soon"});
    EXPECT_EQ(t.code, 2);
    EXPECT_NE(t.err.find("mcast listen: --timeout: bad value 'soon'"), std::string::npos) << t.err;
    auto u = mcast({"listen", "--frobnicate"});
    EXPECT_EQ(u.code, 2);
    EXPECT_NE(u.err.find("--frobnicate"), std::string::npos) << u.err;
    auto c = mcast({"nosuchcommand"});
    EXPECT_EQ(c.code, 2);
    EXPECT_NE(c.err.find("nosuchcommand"), std::string::npos) << c.err;
    auto g = mcast({"send", "--group", "10.1.2.3", "x"});
    EXPECT_EQ(g.code, 2);
    EXPECT_NE(g.err.find("--group: bad value '10.1.2.3'"), std::string::npos) << g.err;
}

TEST_F(Cli, UsageErrorInJsonModeIsAlsoARecord) {
    auto r = mcast({"listen", "--json", "--count", "x"});
    EXPECT_EQ(r.code, 2);
    auto j = json::parse(r.out).as_object();
    EXPECT_EQ(j.at("type").as_string(), "error");
    EXPECT_EQ(j.at("command").as_string(), "listen");
    EXPECT_EQ(lines(r.err), "1");
}

TEST_F(Cli, JsonValueErrorsAreCaughtBeforeSending) {
    auto r = mcast({"send", "--json-values", "[1,"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("mcast send: VALUE: not JSON"), std::string::npos) << r.err;
    // Numbers that int64 or float64 cannot hold are refused, not sent as 1e+20 or inf.
    auto big = mcast({"send", "--json-values", "[1, 99999999999999999999]"});
    EXPECT_EQ(big.code, 2);
    EXPECT_NE(big.err.find("beyond the int64 range"), std::string::npos) << big.err;
    auto huge = mcast({"send", "--json-values", "1e400"});
    EXPECT_EQ(huge.code, 2);
    EXPECT_NE(huge.err.find("beyond the float64 range"), std::string::npos) << huge.err;
    // A negative number as a VALUE: the error says to put it after "--".
    auto neg = mcast({"send", "--json-values", "-5"});
    EXPECT_EQ(neg.code, 2);
    EXPECT_NE(neg.err.find("goes after '--'"), std::string::npos) << neg.err;
    auto n = mcast({"send"});
    EXPECT_EQ(n.code, 2);
    EXPECT_NE(n.err.find("nothing to send"), std::string::npos) << n.err;
    // A text error quotes JSON as it is, not JSON-escaped ({\"bytes\": BASE64}).
    auto obj = mcast({"send", "--json-values", R"({"x": 1})"});
    EXPECT_EQ(obj.code, 2);
    EXPECT_NE(obj.err.find(R"(must be {"bytes": BASE64})"), std::string::npos) << obj.err;
    auto b64 = mcast({"send", "--json-values", R"({"bytes": "!!"})"});
    EXPECT_EQ(b64.code, 2);
    EXPECT_NE(b64.err.find(R"("bytes" is not valid base64)"), std::string::npos) << b64.err;
}

TEST_F(Cli, TrustAddListShowRemoveWithFullIds) {
    std::string a(64, 'a'), b(64, 'b');
    EXPECT_EQ(mcast({"trust", "list"}).code, 0);
    ASSERT_EQ(mcast({"trust", "add", a, "--note", "the a node"}).code, 0);
    ASSERT_EQ(mcast({"trust", "add", b}).code, 0);
    ASSERT_EQ(mcast({"trust", "add", a}).code, 0); // again, without --note: the note stays
    auto list = mcast({"trust", "list", "--json"});
    ASSERT_EQ(list.code, 0);
    EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 2);
    auto show = mcast({"trust", "show", "aaaa", "--json"});
    ASSERT_EQ(show.code, 0) << show.err;
    EXPECT_EQ(json::parse(show.out).at("note").as_string(), "the a node");
    // As text, each field is labelled, and the id is the full one.
    auto shown = mcast({"trust", "show", "aaaa"});
    ASSERT_EQ(shown.code, 0) << shown.err;
    EXPECT_NE(shown.out.find("id     " + a + "\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("note   the a node\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("added  "), std::string::npos) << shown.out;
    auto file = dir_ / "mcast" / "trust";
    EXPECT_TRUE(fs::exists(file));
    EXPECT_EQ(mcast({"trust", "remove", "bbbb"}).code, 0);
    EXPECT_EQ(mcast({"trust", "show", "bbbb"}).code, 1);
    EXPECT_EQ(mcast({"trust", "frobnicate"}).code, 2);
    auto forget = mcast({"trust", "forget"}); // names what forget takes, not PEER
    EXPECT_EQ(forget.code, 2);
    EXPECT_NE(forget.err.find("forget: expected one NAME (or --id PREFIX)"), std::string::npos)
        << forget.err;
    std::ifstream in(file);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(content.find(a + "\t\t"), std::string::npos) << content; // id, empty name
    EXPECT_EQ(content.find(b), std::string::npos);
}

TEST_F(Cli, TrustAddRefusesTheIdOfAKeyReceiversRefuse) {
    // SHA-256 of the identity point 01 00 ... 00, a key of small order (protocol.md 3.3).
    const std::string weak = "01d0fabd251fcbbe2b93b4b927b26ad2a1a99077152e45ded1e678afa45dbec5";
    auto r = mcast({"trust", "add", weak});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), "1") << r.err;
    EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
    auto list = mcast({"trust", "list", "--json"});
    EXPECT_EQ(list.out, "") << list.out;
}

TEST_F(Cli, MalformedTrustStoreIsNamedAndKept) {
    fs::create_directories(dir_ / "mcast");
    std::ofstream(dir_ / "mcast" / "trust") << "garbage line\n";
    auto r = mcast({"trust", "list"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("trust:1:"), std::string::npos) << r.err;
    std::ifstream in(dir_ / "mcast" / "trust");
    std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(content, "garbage line\n");
}

TEST_F(Cli, HelpAndVersion) {
    auto v = mcast({"--version"});
    EXPECT_EQ(v.code, 0);
    EXPECT_EQ(v.out.rfind("mcast ", 0), 0u);
    for (std::string cmd : {"id", "send", "listen"}) {
        auto h = mcast({cmd, "--help"});
        EXPECT_EQ(h.code, 0) << cmd;
        EXPECT_NE(h.out.find("EXAMPLES"), std::string::npos) << cmd;
        EXPECT_EQ(mcast({"help", cmd}).out, h.out) << cmd;
    }
    auto top = mcast({"--help"});
    for (auto cmd : {"id", "send", "listen"})
        EXPECT_NE(top.out.find(cmd), std::string::npos);
}

} // namespace

// --json selects JSON output only; the old meaning (VALUEs are JSON) is --json-values, and a
// command line written for the old meaning is refused rather than sent as text.
TEST_F(Cli, SendJsonWithoutVerboseOrJsonValuesIsRefused) {
    auto r = mcast({"send", "--json", "[1, 2]"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--json-values"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), "1") << r.err;
    auto j = json::parse(r.out).as_object(); // an error record, as --json promises
    EXPECT_EQ(j.at("type").as_string(), "error");
    auto lines_mode = mcast({"send", "--json", "--lines"});
    EXPECT_EQ(lines_mode.code, 2);
    EXPECT_NE(lines_mode.err.find("--json-values"), std::string::npos) << lines_mode.err;
}

TEST_F(Cli, NewKeyInAMissingDirectoryIsRefused) {
    auto file = dir_ / "no" / "such" / "k.pem";
    auto r = mcast({"id", "--new", "--identity", file.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no directory '" + (dir_ / "no" / "such").string() + "'"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "no")); // as ssh-keygen: nothing left behind
    std::ofstream(dir_ / "plain") << "x\n";
    auto f = mcast({"id", "--new", "--identity", (dir_ / "plain" / "k.pem").string()});
    EXPECT_EQ(f.code, 2);
    EXPECT_NE(f.err.find("is not a directory"), std::string::npos) << f.err;
}

TEST_F(Cli, TrustAddOfThisNodesOwnIdIsRefused) {
    auto me = mcast({"id", "--json"});
    ASSERT_EQ(me.code, 0) << me.err;
    const std::string own(json::parse(me.out).at("id").as_string());
    auto r = mcast({"trust", "add", own});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("own id"), std::string::npos) << r.err;
    EXPECT_EQ(mcast({"trust", "list", "--json"}).out, "");
}

// mcast config shows what --scope expands to, from the environment or a config file too.
TEST_F(Cli, ConfigShowsTheScopeExpansion) {
    auto r = run_command({"env", "XDG_CONFIG_HOME=" + dir_.string(), "MCAST_SCOPE=site",
                          Paths::mcast(), "config", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::optional<json::object> scope;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        auto o = json::parse(line).as_object();
        if (o.at("type").as_string() == "scope") scope = o;
    }
    ASSERT_TRUE(scope) << r.out;
    EXPECT_EQ(scope->at("scope").as_string(), "site");
    EXPECT_EQ(scope->at("group_v4").as_string(), "239.255.77.67");
    EXPECT_EQ(scope->at("group_v6").as_string(), "ff05::4d43");
    EXPECT_EQ(scope->at("ttl").as_int64(), 15);
    fs::create_directories(dir_ / "mcast");
    std::ofstream(dir_ / "mcast" / "config") << "scope = org\nttl = 9\n";
    auto text = run_command({"env", "XDG_CONFIG_HOME=" + dir_.string(), Paths::mcast(), "config"});
    ASSERT_EQ(text.code, 0) << text.err;
    EXPECT_NE(text.out.find("# scope org: IPv4 group 239.192.77.67, IPv6 group ff08::4d43, TTL "
                            "and hop limit 9"),
              std::string::npos)
        << text.out;
    auto bad = run_command({"env", "XDG_CONFIG_HOME=" + dir_.string(), "MCAST_SCOPE=galaxy",
                            Paths::mcast(), "config"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("galaxy"), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

TEST_F(Cli, ADirectoryAsConfigFileIsAnError) {
    auto r = run_command({"env", "XDG_CONFIG_HOME=" + dir_.string(),
                          "MCAST_SYSTEM_CONFIG=" + dir_.string(), Paths::mcast(), "config"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("is a directory, not a config file"), std::string::npos) << r.err;
}
