// Settings below the command line: parse() with SettingLayers (precedence, flags set to false,
// conflicts across layers, errors naming the place), and the config-file reader through
// setting_layers() on files this test writes. No network, no binary.
#include "option_parser.hpp"
#include "settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace mcast::cli {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;

SettingLayer layer(SettingLayer::Source source,
                   std::vector<std::pair<std::string, std::vector<std::string>>> settings,
                   const std::string& origin) {
    SettingLayer l{source, {}};
    for (auto& [name, values] : settings)
        l.settings[name] = {values, origin};
    return l;
}

const CommandSpec& ping() {
    return *find_command("ping");
}

TEST(Settings, LaterLayersWinAndTheCommandLineWinsOverAll) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::system, {{"ttl", {"3"}}, {"port", {"9000"}}}, "sys:1"),
        layer(SettingLayer::Source::user, {{"ttl", {"4"}}}, "user:2"),
        layer(SettingLayer::Source::environment, {{"interval", {"300ms"}}}, "MCAST_PING_INTERVAL"),
    };
    auto a = parse(ping(), Args{"--port", "9100"}, layers);
    EXPECT_EQ(a.number("ttl"), 4);
    EXPECT_EQ(a.origin("ttl"), Origin::user);
    EXPECT_EQ(a.origin_text("ttl"), "user:2");
    EXPECT_EQ(a.number("port"), 9100);
    EXPECT_EQ(a.origin("port"), Origin::command_line);
    EXPECT_EQ(a.origin_text("interval"), "MCAST_PING_INTERVAL");
    EXPECT_TRUE(a.given("ttl"));
    EXPECT_EQ(a.origin("size"), Origin::unset);
    EXPECT_EQ(a.origin("accept"), Origin::default_value);
}

TEST(Settings, ManyValuesOfAHigherPlaceReplaceTheLowerOnes) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::system, {{"interface", {"eth0", "eth1"}}}, "sys:1"),
    };
    EXPECT_EQ(parse(ping(), Args{}, layers).values("interface"), (Args{"eth0", "eth1"}));
    EXPECT_EQ(parse(ping(), Args{"-i", "wlan0"}, layers).values("interface"), (Args{"wlan0"}));
}

TEST(Settings, AFlagSetToFalseUndoesALowerTrue) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::system, {{"verbose", {"true"}}}, "sys:1"),
        layer(SettingLayer::Source::user, {{"verbose", {"false"}}}, "user:1"),
    };
    auto a = parse(ping(), Args{}, layers);
    EXPECT_FALSE(a.flag("verbose"));
    EXPECT_EQ(a.origin_text("verbose"), "user:1");
    layers.pop_back();
    EXPECT_TRUE(parse(ping(), Args{}, layers).flag("verbose"));
}

TEST(Settings, AConflictingLowerSettingGivesWay) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::user, {{"ipv4", {"true"}}, {"quiet", {"true"}}}, "user:1"),
    };
    auto a = parse(ping(), Args{"-6", "-v"}, layers);
    EXPECT_TRUE(a.flag("ipv6"));
    EXPECT_FALSE(a.flag("ipv4"));
    EXPECT_TRUE(a.flag("verbose"));
    EXPECT_FALSE(a.flag("quiet"));
}

TEST(Settings, AConflictWithinOneLayerNamesItsPlaces) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::user, {{"ipv4", {"true"}}, {"ipv6", {"true"}}}, "f:7"),
    };
    try {
        parse(ping(), Args{}, layers);
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "ipv4 (from f:7): cannot be combined with ipv6 (from f:7)");
    }
}

TEST(Settings, AConflictListedOnlyByTheLowerSideStillGivesWay) {
    // respond lists count among its conflicts; count does not list respond.
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::user, {{"respond", {"true"}}}, "f:2"),
    };
    auto a = parse(ping(), Args{"--count", "2"}, layers);
    EXPECT_FALSE(a.flag("respond"));
    EXPECT_EQ(a.number("count"), 2);
    EXPECT_TRUE(parse(ping(), Args{}, layers).flag("respond"));
}

TEST(Settings, ASettingGivesWayToArgumentsItExcludes) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::user, {{"lines", {"true"}}}, "f:1"),
    };
    auto a = parse(*find_command("send"), Args{"hello"}, layers);
    EXPECT_FALSE(a.flag("lines"));
    EXPECT_EQ(a.positional, Args{"hello"});
    EXPECT_TRUE(parse(*find_command("send"), Args{}, layers).flag("lines"));
}

TEST(Settings, ASettingWaitsForTheOptionItNeeds) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::user, {{"rate", {"100"}}, {"duration", {"1s"}}}, "f:3"),
    };
    auto plain = parse(ping(), Args{}, layers);
    EXPECT_FALSE(plain.given("rate"));
    EXPECT_FALSE(plain.given("duration"));
    auto speed = parse(ping(), Args{"--speed"}, layers);
    EXPECT_EQ(speed.value("rate"), "100");
    EXPECT_EQ(speed.origin_text("rate"), "f:3");
    // On the command line the same thing is still a mistake.
    EXPECT_THROW(parse(ping(), Args{"--rate", "100"}, layers), UsageError);
}

TEST(Settings, AnEmptyListResetsThePlacesBelow) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::system, {{"interface", {"eth0"}}}, "sys:1"),
        layer(SettingLayer::Source::user, {{"interface", {}}}, "user:4"),
    };
    auto a = parse(ping(), Args{}, layers);
    EXPECT_TRUE(a.values("interface").empty());
    EXPECT_FALSE(a.given("interface"));
    EXPECT_EQ(a.origin_text("interface"), "user:4");
}

TEST(Settings, ActionOptionsAreNotTakenFromLayers) {
    std::vector<SettingLayer> layers = {
        layer(SettingLayer::Source::user, {{"new", {"true"}}}, "f:1"),
    };
    EXPECT_FALSE(parse(*find_command("id"), Args{}, layers).flag("new"));
}

TEST(Settings, EnvironmentNames) {
    EXPECT_EQ(environment_name("", "ttl"), "MCAST_TTL");
    EXPECT_EQ(environment_name("ping", "max-loss"), "MCAST_PING_MAX_LOSS");
}

// The reader, on real files: the test points MCAST_SYSTEM_CONFIG and XDG_CONFIG_HOME at its own.
class SettingFiles : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mcast-settings-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        fs::create_directories(dir_ / "xdg" / "mcast");
        ::setenv("MCAST_SYSTEM_CONFIG", (dir_ / "system").c_str(), 1);
        ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
        // Whatever MCAST_ variables the developer has set, the test sees none.
        std::vector<std::string> ours;
        for (char** e = environ; *e != nullptr; ++e) {
            std::string_view entry = *e;
            if (entry.starts_with("MCAST_")) ours.emplace_back(entry.substr(0, entry.find('=')));
        }
        for (const auto& name : ours)
            ::unsetenv(name.c_str());
        ::setenv("MCAST_SYSTEM_CONFIG", (dir_ / "system").c_str(), 1);
    }
    void TearDown() override {
        ::unsetenv("MCAST_SYSTEM_CONFIG");
        ::unsetenv("XDG_CONFIG_HOME");
        ::unsetenv("MCAST_TTL");
        fs::remove_all(dir_);
    }
    void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }
    fs::path user() { return dir_ / "xdg" / "mcast" / "config"; }
    std::string error_of(const CommandSpec& cmd) {
        try {
            parse_with_settings(cmd, Args{});
        } catch (const UsageError& e) {
            return e.what();
        }
        return "(no error)";
    }
    fs::path dir_;
};

TEST_F(SettingFiles, SectionsEnvironmentAndCommandLineInOrder) {
    write(dir_ / "system", "# comment\nttl = 3\ninterface = eth0\ninterface = eth1\n[ping]\n"
                           "interval = 250ms\n[send]\nttl = 9\n");
    write(user(), "ttl = 4   # trailing comment\n[ping]\nttl = 5\ncount = 7\n");
    auto a = parse_with_settings(ping(), Args{});
    EXPECT_EQ(a.number("ttl"), 5);
    EXPECT_EQ(a.origin_text("ttl"), user().string() + ":3");
    EXPECT_EQ(a.values("interface"), (Args{"eth0", "eth1"}));
    EXPECT_EQ(a.origin_text("interval"), (dir_ / "system").string() + ":6");
    EXPECT_EQ(a.number("count"), 7);
    EXPECT_EQ(parse_with_settings(*find_command("send"), Args{}).number("ttl"), 4);
    ::setenv("MCAST_TTL", "6", 1);
    EXPECT_EQ(parse_with_settings(*find_command("send"), Args{}).number("ttl"), 6);
    EXPECT_EQ(parse_with_settings(ping(), Args{}).number("ttl"), 6); // env beats both files
    EXPECT_EQ(parse_with_settings(ping(), Args{"--ttl", "1"}).number("ttl"), 1);
    ::setenv("MCAST_INTERFACE", "a, b", 1);
    EXPECT_EQ(parse_with_settings(ping(), Args{}).values("interface"), (Args{"a", "b"}));
    ::unsetenv("MCAST_INTERFACE");
}

TEST_F(SettingFiles, MistakesNameTheFileAndLine) {
    const std::string u = user().string();
    write(user(), "ttl = 2\nttll = 3\n");
    EXPECT_EQ(error_of(ping()), u + ":2: unknown setting 'ttll'");
    write(user(), "\n[ping]\ncount = many\n");
    EXPECT_EQ(error_of(ping()),
              u + ":3: count: bad value 'many' (expected a whole number from 0 up)");
    write(user(), "[pong]\n");
    EXPECT_EQ(error_of(ping()), u + ":1: unknown section [pong] (expected a command name)");
    write(user(), "[ping]\nttl\n");
    EXPECT_EQ(error_of(ping()), u + ":2: expected 'name = value', got 'ttl'");
    write(user(), "[id]\nnew = yes\n");
    EXPECT_EQ(error_of(ping()), u + ":2: 'new' cannot be set in a file");
    write(user(), "[ping]\nverbose = maybe\n");
    EXPECT_EQ(error_of(ping()), u + ":2: verbose: bad value 'maybe' (expected true or false)");
    // A mistake in another command's section is reported too, whichever command runs.
    write(user(), "[send]\nttl = 300\n");
    EXPECT_EQ(error_of(ping()), u + ":2: ttl: bad value '300' (expected 0-255)");
    write(user(), "");
    ::setenv("MCAST_TTL", "x", 1);
    EXPECT_EQ(error_of(ping()), "MCAST_TTL: bad value 'x' (expected 0-255)");
}

TEST_F(SettingFiles, TheTopHoldsOnlyGlobalOptions) {
    const std::string u = user().string();
    write(user(), "name = media-pc\n");
    EXPECT_EQ(error_of(ping()), u + ":1: 'name' is not a setting of every command; put it under "
                                    "[announce], [discover], [pair]");
    write(user(), "[announce]\nname = \"living room\"\n[discover]\nname = media*\n");
    EXPECT_EQ(parse_with_settings(*find_command("announce"), Args{}).value("name"), "living room");
    EXPECT_EQ(parse_with_settings(*find_command("discover"), Args{}).value("name"), "media*");
    write(user(), "help = true\n");
    EXPECT_EQ(error_of(ping()), u + ":1: 'help' cannot be set in a file");
}

TEST_F(SettingFiles, VariablesForACommandAndLists) {
    ::setenv("MCAST_ANNOUNCE_META", "tags=a,b", 1);
    ::setenv("MCAST_GROUP", "239.1.2.3, ff02::99", 1);
    auto a = parse_with_settings(*find_command("announce"), Args{});
    EXPECT_EQ(a.values("meta"), Args{"tags=a,b"}); // a meta value keeps its commas
    EXPECT_EQ(a.values("group"), (Args{"239.1.2.3", "ff02::99"}));
    EXPECT_EQ(a.origin_text("meta"), "MCAST_ANNOUNCE_META");
    EXPECT_TRUE(parse_with_settings(ping(), Args{}).given("group"));
    ::unsetenv("MCAST_ANNOUNCE_META");
    ::unsetenv("MCAST_GROUP");
    ::setenv("MCAST_PING_TTL", "3", 1); // a global option for one command
    EXPECT_EQ(parse_with_settings(ping(), Args{}).number("ttl"), 3);
    EXPECT_EQ(parse_with_settings(*find_command("send"), Args{}).number("ttl"), 1);
    EXPECT_TRUE(unknown_variables().empty());
    ::unsetenv("MCAST_PING_TTL");
    ::setenv("MCAST_TLL", "3", 1); // a typo: ignored, but mcast config points it out
    EXPECT_EQ(unknown_variables(), Args{"MCAST_TLL"});
    ::unsetenv("MCAST_TLL");
    ::setenv("MCAST_NAME", "x", 1); // not a global option: not a setting at all
    EXPECT_FALSE(parse_with_settings(*find_command("announce"), Args{}).given("name"));
    ::unsetenv("MCAST_NAME");
}

TEST_F(SettingFiles, CommentsStartAfterASpaceAndNotInQuotes) {
    write(user(), "[announce]   # the node\nname = \"a # b\"  ; c\nmeta = color=#ff0000 # red\n"
                  "meta = x;y\nmeta = 'k=v # w'\n; a whole-line comment\n");
    auto a = parse_with_settings(*find_command("announce"), Args{});
    EXPECT_EQ(a.value("name"), "a # b");
    EXPECT_EQ(a.values("meta"), (Args{"color=#ff0000", "x;y", "k=v # w"}));
}

TEST_F(SettingFiles, RelativeFileNamesAreRelativeToTheConfigFile) {
    write(user(), "identity = keys/node.pem\n");
    auto a = parse_with_settings(ping(), Args{});
    EXPECT_EQ(a.value("identity"), (dir_ / "xdg" / "mcast" / "keys" / "node.pem").string());
}

TEST_F(SettingFiles, ADirectoryIsNotAConfigFile) {
    // MCAST_SYSTEM_CONFIG=/etc/mcast instead of /etc/mcast/config: an error, not no settings.
    fs::create_directories(dir_ / "system");
    EXPECT_EQ(error_of(ping()), (dir_ / "system").string() + ": is a directory, not a config file");
    fs::remove(dir_ / "system");
    fs::create_directories(user());
    EXPECT_EQ(error_of(ping()), user().string() + ": is a directory, not a config file");
}

TEST_F(SettingFiles, MissingFilesAreNoSettings) {
    auto files = config_files();
    ASSERT_EQ(files.size(), 2u);
    EXPECT_FALSE(files[0].exists);
    EXPECT_EQ(files[1].path, user());
    EXPECT_EQ(parse_with_settings(ping(), Args{}).origin("ttl"), Origin::default_value);
}

} // namespace
} // namespace mcast::cli
