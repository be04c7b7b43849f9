// Unit tests of the CLI's option table and everything generated from it: the parser and its exact
// error messages, durations, --help, the man pages and the shell completions. No network, no
// binary: the generators are called directly. Shell syntax checks run bash/zsh/fish -n when the
// shell is installed and are skipped otherwise. Also the table against what it feeds and what
// feeds it: a runner per command, the library's default structs, and the value kinds (bounded
// durations, rates, node ids) with the messages the command files printed before.
#include "command_runners.hpp"
#include "duration.hpp"
#include "generate_completions.hpp"
#include "generate_main.hpp"
#include "generate_man.hpp"
#include "help_text.hpp"
#include "node_options.hpp"
#include "option_parser.hpp"
#include "option_values.hpp"

#include <mcast/announce_schedule.hpp>
#include <mcast/node.hpp>
#include <mcast/pinger.hpp>
#include <mcast/session.hpp>
#include <mcast/speed_test.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <unistd.h>

namespace mcast::cli {
namespace {

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

const CommandSpec& command(std::string_view name) {
    const CommandSpec* cmd = find_command(name);
    if (cmd == nullptr) throw std::logic_error("no command " + std::string(name));
    return *cmd;
}

ParsedArgs parse_as(std::string_view name, const Args& args) {
    return parse(command(name), args);
}

// The UsageError message of parsing args, or "(no error)".
std::string error_of(const CommandSpec& cmd, const Args& args) {
    try {
        parse(cmd, args);
    } catch (const UsageError& error) {
        return error.what();
    }
    return "(no error)";
}
std::string error_of(std::string_view name, const Args& args) {
    return error_of(command(name), args);
}

// Every command, and the top level (nullptr).
std::vector<const CommandSpec*> all_pages() {
    std::vector<const CommandSpec*> pages{nullptr};
    for (const CommandSpec& cmd : commands())
        pages.push_back(&cmd);
    return pages;
}

std::vector<const OptionSpec*> visible_options(const CommandSpec& cmd) {
    std::vector<const OptionSpec*> options;
    for (const auto* list : {&cmd.options, &global_options()}) {
        for (const OptionSpec& option : *list) {
            if (!option.hidden) options.push_back(&option);
        }
    }
    return options;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Parsing: good input

TEST(CliParse, DefaultsComeFromTheTable) {
    const ParsedArgs args = parse_as("send", {});
    EXPECT_EQ(args.value("topic"), "default");
    EXPECT_EQ(args.number("repeat"), 1);
    EXPECT_EQ(args.duration("interval"), 1s);
    EXPECT_EQ(args.number("port"), 7767);
    EXPECT_EQ(args.number("ttl"), 1); // link scope's; another --scope brings its own
    EXPECT_EQ(args.value("scope"), "link");
    EXPECT_EQ(args.number("rate"), std::nullopt);
    EXPECT_EQ(args.value("identity"), std::nullopt); // worked out at run time, not by the parser
    EXPECT_TRUE(args.values("group").empty());
    EXPECT_FALSE(args.flag("json"));
    EXPECT_FALSE(args.given("port"));
    EXPECT_TRUE(args.positional.empty());
}

TEST(CliParse, ValuesInEverySpelling) {
    const ParsedArgs args =
        parse_as("send", {"--ttl", "2", "--port=7000", "-ieth0", "-i", "lo", "--interface=wlan0"});
    EXPECT_EQ(args.number("ttl"), 2);
    EXPECT_EQ(args.number("port"), 7000);
    EXPECT_TRUE(args.given("ttl"));
    EXPECT_EQ(args.values("interface"), (Args{"eth0", "lo", "wlan0"}));
}

TEST(CliParse, ShortOptionWithEquals) {
    // -i=eth0 as --interface=eth0 is read, not as an interface called "=eth0".
    EXPECT_EQ(parse_as("send", {"-i=eth0"}).values("interface"), Args{"eth0"});
    EXPECT_EQ(parse_as("send", {"-4i=eth1"}).values("interface"), Args{"eth1"});
    EXPECT_EQ(parse_as("send", {"-i", "=odd"}).values("interface"), Args{"=odd"});
    EXPECT_EQ(error_of("send", {"-i="}), "--interface: missing value");
}

TEST(CliParse, ShortFlagsCombine) {
    const ParsedArgs args = parse_as("listen", {"-4q", "-ilo"});
    EXPECT_TRUE(args.flag("ipv4"));
    EXPECT_TRUE(args.flag("quiet"));
    EXPECT_FALSE(args.flag("ipv6"));
    EXPECT_EQ(args.values("interface"), Args{"lo"});
}

TEST(CliParse, GlobalOptionsAnywhere) {
    const ParsedArgs args = parse_as("send", {"hello", "--json", "world", "-4", "--topic", "t"});
    EXPECT_EQ(args.positional, (Args{"hello", "world"}));
    EXPECT_TRUE(args.flag("json"));
    EXPECT_TRUE(args.flag("ipv4"));
    EXPECT_EQ(args.value("topic"), "t");
}

TEST(CliParse, DoubleDashEndsOptions) {
    const ParsedArgs args = parse_as("send", {"--", "-5", "--json"});
    EXPECT_EQ(args.positional, (Args{"-5", "--json"}));
    EXPECT_FALSE(args.flag("json"));
}

TEST(CliParse, LastValueOfAnOptionWins) {
    EXPECT_EQ(parse_as("send", {"--port", "1", "--port", "2"}).number("port"), 2);
}

TEST(CliParse, RepeatableOptionsKeepEveryValueInOrder) {
    const ParsedArgs args = parse_as("listen", {"--topic", "a", "--topic=b", "--topic", "a"});
    EXPECT_EQ(args.values("topic"), (Args{"a", "b", "a"}));
    EXPECT_EQ(parse_as("listen", {"--group", "239.1.2.3", "--group", "ff05::1"}).values("group"),
              (Args{"239.1.2.3", "ff05::1"}));
}

TEST(CliParse, RangeEnds) {
    EXPECT_EQ(parse_as("id", {"--ttl", "0"}).number("ttl"), 0);
    EXPECT_EQ(parse_as("id", {"--ttl", "255"}).number("ttl"), 255);
    EXPECT_EQ(parse_as("id", {"--port", "65535"}).number("port"), 65535);
    EXPECT_EQ(parse_as("send", {"--repeat", "1000000000"}).number("repeat"), 1'000'000'000);
    EXPECT_EQ(parse_as("listen", {"--count", "9223372036854775807"}).number("count"),
              9223372036854775807);
}

TEST(CliParse, Durations) {
    EXPECT_EQ(parse_as("listen", {"--timeout", "250ms"}).duration("timeout"), 250ms);
    EXPECT_EQ(parse_as("listen", {"--timeout=1m30s"}).duration("timeout"), 90s);
    EXPECT_EQ(parse_as("send", {"--interval", "0"}).duration("interval"), 0s);
    EXPECT_EQ(parse_as("listen", {}).duration("timeout"), std::nullopt);
}

TEST(CliParse, EveryCommandTakesHelp) {
    for (const CommandSpec* cmd : all_pages()) {
        const CommandSpec& spec = cmd == nullptr ? program() : *cmd;
        EXPECT_TRUE(parse(spec, Args{"-h"}).flag("help")) << spec.name;
        EXPECT_TRUE(parse(spec, Args{"--help"}).flag("help")) << spec.name;
        EXPECT_FALSE(parse(spec, Args{}).flag("help")) << spec.name;
    }
}

TEST(CliParse, HelpSkipsValueChecks) {
    const ParsedArgs args = parse_as("send", {"--ttl", "300", "--lines", "x", "--help"});
    EXPECT_TRUE(args.flag("help"));
}

TEST(CliParse, TopLevel) {
    EXPECT_TRUE(parse(program(), Args{"--version"}).flag("version"));
    const ParsedArgs args = parse(program(), Args{"--generate", "man", "send"});
    EXPECT_EQ(args.value("generate"), "man");
    EXPECT_EQ(args.positional, Args{"send"});
    EXPECT_EQ(error_of(program(), {"--generate", "pdf"}),
              "--generate: bad value 'pdf' (expected one of man, bash, zsh, fish, commands)");
}

TEST(CliParse, AskingForAnOptionNotInTheTableIsAProgrammingError) {
    const ParsedArgs args = parse_as("id", {});
    EXPECT_THROW(args.flag("nope"), std::logic_error);
    EXPECT_THROW(args.given("nope"), std::logic_error);
    EXPECT_THROW(args.flag("port"), std::logic_error);       // not a flag
    EXPECT_THROW(args.value("interface"), std::logic_error); // repeatable: use values()
    EXPECT_THROW(args.number("identity"), std::logic_error); // not a number
}

// ---------------------------------------------------------------------------------------------
// Parsing: mistakes, and their exact messages

TEST(CliParseErrors, NumbersOutOfRange) {
    EXPECT_EQ(error_of("send", {"--ttl", "300"}), "--ttl: bad value '300' (expected 0-255)");
    EXPECT_EQ(error_of("send", {"--ttl=-1"}), "--ttl: bad value '-1' (expected 0-255)");
    EXPECT_EQ(error_of("send", {"--port", "0"}), "--port: bad value '0' (expected 1-65535)");
    EXPECT_EQ(error_of("send", {"--repeat", "1000000001"}),
              "--repeat: bad value '1000000001' (expected 1-1000000000)");
    EXPECT_EQ(error_of("send", {"--rate", "0"}), "--rate: bad value '0' (expected 1-10000000)");
    EXPECT_EQ(error_of("listen", {"--count", "0"}),
              "--count: bad value '0' (expected a whole number from 1 up)");
}

TEST(CliParseErrors, NumbersThatAreNotNumbers) {
    EXPECT_EQ(error_of("send", {"--ttl", "abc"}), "--ttl: bad value 'abc' (expected 0-255)");
    EXPECT_EQ(error_of("send", {"--ttl", "2x"}), "--ttl: bad value '2x' (expected 0-255)");
    EXPECT_EQ(error_of("send", {"--ttl", "1.5"}), "--ttl: bad value '1.5' (expected 0-255)");
    EXPECT_EQ(error_of("send", {"--ttl", " 1"}), "--ttl: bad value ' 1' (expected 0-255)");
    EXPECT_EQ(error_of("send", {"--port", "99999999999999999999"}),
              "--port: bad value '99999999999999999999' (expected 1-65535)");
    EXPECT_EQ(error_of("listen", {"--count", "99999999999999999999"}),
              "--count: bad value '99999999999999999999' (expected a whole number from 1 up)");
}

TEST(CliParseErrors, Durations) {
    EXPECT_EQ(
        error_of("listen", {"--timeout", "soon"}),
        "--timeout: bad value 'soon' (expected a duration like 250ms, 2s, 1m; a bare number is "
        "seconds)");
    EXPECT_EQ(
        error_of("send", {"--interval", "-1s"}),
        "--interval: bad value '-1s' (expected a duration like 250ms, 2s, 1m; a bare number is "
        "seconds)");
    EXPECT_EQ(error_of("send", {"--interval="}), "--interval: missing value");
}

TEST(CliParseErrors, UnknownOptions) {
    EXPECT_EQ(error_of("send", {"--frob"}), "unknown option '--frob'");
    EXPECT_EQ(error_of("send", {"--frob=1"}), "unknown option '--frob'");
    EXPECT_EQ(error_of("send", {"-x"}), "unknown option '-x'");
    EXPECT_EQ(error_of("send", {"-4x"}), "unknown option '-x'");
    EXPECT_EQ(error_of("send", {"--int", "1s"}), "unknown option '--int'");   // no abbreviations
    EXPECT_EQ(error_of("id", {"--topic", "x"}), "unknown option '--topic'");  // another command's
    EXPECT_EQ(error_of("send", {"--version"}), "unknown option '--version'"); // top level only
    EXPECT_EQ(error_of("send", {"--mcast-positional-arguments", "x"}),
              "unknown option '--mcast-positional-arguments'");
    // A negative number meant as a VALUE: the hint says how to pass it.
    EXPECT_EQ(error_of("send", {"-5"}),
              "unknown option '-5' (an argument that starts with '-' goes after '--', as in: -- "
              "-5)");
    EXPECT_TRUE(contains(error_of("send", {"--json-values", "-1.5"}), "goes after '--'"));
}

TEST(CliParseErrors, MissingValues) {
    EXPECT_EQ(error_of("send", {"--port"}), "--port: missing value");
    EXPECT_EQ(error_of("send", {"--port="}), "--port: missing value");
    EXPECT_EQ(error_of("send", {"-i"}), "--interface: missing value");
    EXPECT_EQ(error_of("listen", {"--topic"}), "--topic: missing value");
}

TEST(CliParseErrors, FlagsTakeNoValue) {
    EXPECT_EQ(error_of("send", {"--json=yes"}), "--json: takes no value");
}

TEST(CliParseErrors, EmptyValues) {
    EXPECT_EQ(error_of("send", {"--topic", ""}), "--topic: bad value '' (expected a topic name)");
    EXPECT_EQ(error_of("send", {"--identity", ""}),
              "--identity: bad value '' (expected a file name)");
}

TEST(CliParseErrors, GroupsMustBeMulticastAndOnePerFamily) {
    EXPECT_EQ(error_of("listen", {"--group", "10.0.0.1"}),
              "--group: bad value '10.0.0.1' (expected an IPv4 or IPv6 multicast address)");
    EXPECT_EQ(error_of("listen", {"--group", "fe80::1"}),
              "--group: bad value 'fe80::1' (expected an IPv4 or IPv6 multicast address)");
    EXPECT_EQ(error_of("listen", {"--group", "lunch"}),
              "--group: bad value 'lunch' (expected an IPv4 or IPv6 multicast address)");
    EXPECT_EQ(error_of("listen", {"--group", "239.1.1.1", "--group", "239.2.2.2"}),
              "--group: '239.1.1.1' and '239.2.2.2' are both IPv4 groups (give at most one of "
              "each family)");
    EXPECT_EQ(error_of("listen", {"--group", "224.0.0.1"}), "(no error)");
    EXPECT_EQ(error_of("listen", {"--group", "ff02::4d43"}), "(no error)");
}

// One --group of one family isolates the run: the other family's default group is not used.
TEST(CliGroups, OneFamilyGroupTurnsTheOtherFamilyOff) {
    SessionOptions v4 = session_options(parse_as("send", {"--group", "239.1.1.1"}));
    EXPECT_TRUE(v4.ipv4);
    EXPECT_FALSE(v4.ipv6);
    EXPECT_EQ(v4.group_v4, "239.1.1.1");
    SessionOptions v6 = session_options(parse_as("listen", {"--group", "ff02::77"}));
    EXPECT_FALSE(v6.ipv4);
    EXPECT_TRUE(v6.ipv6);
    SessionOptions both =
        session_options(parse_as("send", {"--group", "239.1.1.1", "--group", "ff02::77"}));
    EXPECT_TRUE(both.ipv4 && both.ipv6);
    SessionOptions plain = session_options(parse_as("send", {}));
    EXPECT_TRUE(plain.ipv4 && plain.ipv6);
    // The note says why IPv6 is off, unless -4 already says so.
    auto notes = group_notes(parse_as("send", {"--group", "239.1.1.1"}));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(contains(notes[0], "IPv6 is off")) << notes[0];
    EXPECT_TRUE(group_notes(parse_as("send", {"-4", "--group", "239.1.1.1"})).empty());
    // A group of the family that -4 or -6 turns off is a contradiction.
    EXPECT_THROW(session_options(parse_as("send", {"-6", "--group", "239.1.1.1"})), UsageError);
    EXPECT_THROW(session_options(parse_as("send", {"-4", "--group", "ff02::77"})), UsageError);
}

std::string session_error(std::string_view command, const Args& args) {
    try {
        session_options(parse_as(command, args));
    } catch (const UsageError& error) {
        return error.what();
    }
    return "(no error)";
}

// --scope picks both groups and the TTL; --group and --ttl override them.
TEST(CliScope, ExpandsToGroupsAndTtl) {
    SessionOptions link = session_options(parse_as("send", {}));
    EXPECT_EQ(link.group_v4, "239.255.77.67");
    EXPECT_EQ(link.group_v6, "ff02::4d43");
    EXPECT_EQ(link.ttl, 1);
    SessionOptions site = session_options(parse_as("listen", {"--scope", "site"}));
    EXPECT_EQ(site.group_v4, "239.255.77.67");
    EXPECT_EQ(site.group_v6, "ff05::4d43");
    EXPECT_EQ(site.ttl, 15);
    SessionOptions org = session_options(parse_as("ping", {"--scope", "org"}));
    EXPECT_EQ(org.group_v4, "239.192.77.67");
    EXPECT_EQ(org.group_v6, "ff08::4d43");
    EXPECT_EQ(org.ttl, 63);
    EXPECT_EQ(session_options(parse_as("send", {"--scope", "site", "--ttl", "4"})).ttl, 4);
    SessionOptions own = session_options(
        parse_as("send", {"--scope", "site", "--group", "239.255.1.2", "--group", "ff15::9"}));
    EXPECT_EQ(own.group_v4, "239.255.1.2");
    EXPECT_EQ(own.group_v6, "ff15::9");
    EXPECT_EQ(error_of("send", {"--scope", "global"}),
              "--scope: bad value 'global' (expected one of link, site, org)");
}

TEST(CliScope, GroupsMustFitTheScopeAskedFor) {
    EXPECT_EQ(session_error("send", {"--scope", "site", "--group", "ff02::77"}),
              "--group ff02::77: a group of link-local scope (2), not site scope (5, as ff05::) "
              "(--scope site)");
    EXPECT_EQ(session_error("send", {"--scope", "org", "--group", "239.255.1.1"}),
              "--group 239.255.1.1: not an organisation-scope group (239.192.0.0/14, or "
              "232.0.0.0/8 for SSM) (--scope org)");
    EXPECT_EQ(session_error("send", {"--scope", "site", "-4", "--group", "224.0.0.9"}),
              "--group 224.0.0.9: 224.0.0.0/24 is link-local (routers never forward it), not "
              "site scope (--scope site)");
    // Without --scope, any group goes, as before scopes.
    EXPECT_EQ(session_error("send", {"--group", "ff05::77"}), "(no error)");
}

TEST(CliScope, SourcesNeedSourceSpecificGroups) {
    SessionOptions ssm = session_options(parse_as(
        "listen", {"--group", "232.1.2.3", "--source", "10.0.0.1", "--source", "10.0.0.2"}));
    EXPECT_EQ(ssm.sources, (Args{"10.0.0.1", "10.0.0.2"}));
    EXPECT_FALSE(ssm.ipv6);
    EXPECT_EQ(session_error("listen", {"--source", "10.0.0.1"}),
              "--source 10.0.0.1: group 239.255.77.67 is not source-specific (give one in "
              "232.0.0.0/8 with --group)");
    EXPECT_EQ(session_error("discover", {"-6", "--source", "fd00::1"}),
              "--source fd00::1: group ff02::4d43 is not source-specific (give one in ff3x::/32 "
              "with --group)");
    EXPECT_EQ(session_error("ping", {"--group", "ff35::4d43", "--source", "10.0.0.1"}),
              "--source 10.0.0.1: an IPv4 source, but IPv4 is off");
    EXPECT_EQ(session_error("listen", {"--group", "232.1.2.3"}),
              "--group 232.1.2.3: a source-specific group needs its senders (--source ADDR)");
    EXPECT_EQ(session_error("listen", {"--group", "232.1.2.3", "--source", "nowhere"}),
              "--source: bad value 'nowhere' (expected an IPv4 or IPv6 address)");
    EXPECT_EQ(
        session_error("ping", {"--scope", "site", "--group", "ff35::1", "--source", "fd77::1"}),
        "(no error)");
    // Only the commands that receive take --source; a sender to an SSM group needs none.
    EXPECT_NE(error_of("send", {"--source", "10.0.0.1"}), "(no error)");
    EXPECT_EQ(session_error("send", {"--scope", "site", "--group", "232.1.2.3"}), "(no error)");
}

TEST(CliGroups, ReservedGroupsAreWarned) {
    for (const char* group :
         {"224.0.0.1", "224.0.0.251", "224.0.0.77", "224.0.1.1", "232.1.2.3", "239.255.255.250",
          "ff02::1", "ff02::2", "ff05::1", "ff02::fb", "ff02::1:ff00:1234", "ff02::1:2",
          "ff01::4d43", "ff00::4d43", "ff32::8000:1"})
        EXPECT_FALSE(group_caution(group).empty()) << group;
    for (const char* group : {"239.255.77.67", "239.1.1.1", "225.1.2.3", "ff02::4d43", "ff05::4d43",
                              "ff12::1", "ff02::1:3:4"})
        EXPECT_EQ(group_caution(group), "") << group;
    auto notes = group_notes(parse_as("send", {"--group", "224.0.0.1", "--group", "ff02::1"}));
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_TRUE(contains(notes[0], "all hosts")) << notes[0];
    EXPECT_TRUE(contains(notes[1], "all-nodes")) << notes[1];
}

// mcast(1)'s EXIT STATUS speaks for every command: each that can exit 1 is named in what 1
// means, and the others in the sentence that says they never do.
TEST(CliTable, ProgramExitStatusCoversEveryCommand) {
    std::string one;
    for (const ExitCode& code : program().exit_codes)
        if (code.code == 1) one = std::string(code.meaning);
    const std::size_t never = one.find("never exit with 1");
    ASSERT_NE(never, std::string::npos) << one;
    const std::size_t sentence = one.rfind(". ", never);
    ASSERT_NE(sentence, std::string::npos);
    const std::string can = one.substr(0, sentence),
                      cannot = one.substr(sentence, never - sentence);
    for (const CommandSpec& cmd : commands()) {
        const bool exits_one = std::any_of(cmd.exit_codes.begin(), cmd.exit_codes.end(),
                                           [](const ExitCode& c) { return c.code == 1; });
        EXPECT_TRUE(contains(exits_one ? can : cannot, std::string(cmd.name)))
            << cmd.name << (exits_one ? " exits 1 but" : " never exits 1 but")
            << " mcast(1) does not say so: " << one;
    }
}

TEST(CliParseErrors, DiscoverWatchRefusesExpect) {
    EXPECT_EQ(error_of("discover", {"--watch", "--expect", "3"}),
              "--expect: cannot be combined with --watch");
}

TEST(CliParse, PairAnswerAndItsFormerName) {
    EXPECT_TRUE(parse_as("pair", {"--answer"}).flag("answer"));
    EXPECT_TRUE(parse_as("pair", {"--accept"}).flag("accept")); // scripts written before still run
    EXPECT_TRUE(find_option(command("pair"), "accept")->hidden);
    EXPECT_TRUE(contains(help_text(&command("pair")), "--answer"));
}

TEST(CliParseErrors, UnexpectedArguments) {
    EXPECT_EQ(error_of("id", {"extra"}), "unexpected argument 'extra'");
    EXPECT_EQ(error_of("listen", {"--count", "1", "chat"}), "unexpected argument 'chat'");
    EXPECT_EQ(error_of("help", {"send", "listen"}), "unexpected argument 'listen'");
}

TEST(CliParseErrors, ConflictsAndNeeds) {
    EXPECT_EQ(error_of("send", {"-4", "-6"}), "--ipv4: cannot be combined with --ipv6");
    EXPECT_EQ(error_of("send", {"-q", "-v"}), "--quiet: cannot be combined with --verbose");
    EXPECT_EQ(error_of("send", {"--lines", "--stdin"}), "--lines: cannot be combined with --stdin");
    EXPECT_EQ(error_of("send", {"--stdin", "hello"}),
              "--stdin: cannot be combined with VALUE arguments");
    EXPECT_EQ(error_of("id", {"--force"}), "--force: only valid with --new");
    EXPECT_EQ(error_of("id", {"--force", "--new"}), "(no error)");
}

TEST(CliParseErrors, FirstBadValueOnTheLineIsReported) {
    EXPECT_EQ(error_of("send", {"--port", "0", "--ttl", "300"}),
              "--port: bad value '0' (expected 1-65535)");
    EXPECT_EQ(error_of("send", {"--ttl", "300", "--port", "0"}),
              "--ttl: bad value '300' (expected 0-255)");
}

TEST(CliParseErrors, Choices) {
    const CommandSpec spec{
        .name = "test",
        .options = {{.long_name = "color",
                     .value_name = "WHEN",
                     .help = "When to color.",
                     .default_value = "auto",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"auto", "always", "never"}}},
    };
    EXPECT_EQ(parse(spec, Args{}).value("color"), "auto");
    EXPECT_EQ(parse(spec, Args{"--color", "never"}).value("color"), "never");
    EXPECT_EQ(error_of(spec, {"--color", "sometimes"}),
              "--color: bad value 'sometimes' (expected one of auto, always, never)");
    // Choices reach the help and the completions too.
    EXPECT_TRUE(contains(option_help(spec.options[0]), "[possible values: auto, always, never]"));
}

// ---------------------------------------------------------------------------------------------
// Splitting the command line at the subcommand

TEST(CliSplit, CommandFirst) {
    const CommandLine line = split_command_line(Args{"send", "--ttl", "2", "hi"});
    EXPECT_EQ(line.command, "send");
    EXPECT_EQ(line.args, (Args{"--ttl", "2", "hi"}));
}

TEST(CliSplit, GlobalOptionsBeforeTheCommandAreKept) {
    const CommandLine line = split_command_line(
        Args{"-4", "-i", "eth0", "--port=9", "--ttl", "3", "-ilo", "listen", "-q"});
    EXPECT_EQ(line.command, "listen");
    EXPECT_EQ(line.args, (Args{"-4", "-i", "eth0", "--port=9", "--ttl", "3", "-ilo", "-q"}));
}

TEST(CliSplit, TopLevelOnly) {
    EXPECT_EQ(split_command_line(Args{}).command, "");
    EXPECT_EQ(split_command_line(Args{"--version"}).command, "");
    const CommandLine generate = split_command_line(Args{"--generate", "man", "send"});
    EXPECT_EQ(generate.command, "");
    EXPECT_EQ(generate.args, (Args{"--generate", "man", "send"}));
    EXPECT_EQ(split_command_line(Args{"--frob", "send"}).command, "");
    EXPECT_EQ(split_command_line(Args{"-h"}).command, "");
    EXPECT_EQ(split_command_line(Args{"-i"}).command,
              ""); // the missing value is parse()'s to report
}

TEST(CliSplit, DoubleDashBeforeTheCommand) {
    const CommandLine line = split_command_line(Args{"-4", "--", "send", "x"});
    EXPECT_EQ(line.command, "send");
    EXPECT_EQ(line.args, (Args{"-4", "x"}));
}

// ---------------------------------------------------------------------------------------------
// Durations

TEST(CliDuration, Parses) {
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("2s"), 2s);
    EXPECT_EQ(parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(parse_duration("1m"), 1min);
    EXPECT_EQ(parse_duration("1h"), 1h);
    EXPECT_EQ(parse_duration("500us"), 500us);
    EXPECT_EQ(parse_duration("500\u00b5s"), 500us);
    EXPECT_EQ(parse_duration("7ns"), 7ns);
    EXPECT_EQ(parse_duration("0"), 0s);
    EXPECT_EQ(parse_duration("0s"), 0s);
    EXPECT_EQ(parse_duration("2"), 2s);
    EXPECT_EQ(parse_duration("0.5"), 500ms);
    EXPECT_EQ(parse_duration(".5s"), 500ms);
    EXPECT_EQ(parse_duration("1m30s"), 90s);
    EXPECT_EQ(parse_duration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
    EXPECT_EQ(parse_duration("0.1s"), 100ms); // exact, no floating point
    EXPECT_EQ(parse_duration("1.000000001s"), 1s + 1ns);
    EXPECT_EQ(parse_duration("1.0000000019s"), 1s + 1ns); // finer than 1ns: truncated
    EXPECT_EQ(parse_duration("0.123456789h"), std::chrono::nanoseconds(444'444'440'400));
}

TEST(CliDuration, Rejects) {
    for (const char* text :
         {"",  "-1s", "+1s",   "-0", "s",    "ms",   "1x",   "1 s",  " 1s",   "1s ",   "1.",
          ".", "1.s", "1..5s", "1S", "1sec", "1m30", "soon", "1e3s", "0x10s", "1m-2s", "inf"}) {
        EXPECT_EQ(parse_duration(text), std::nullopt) << '"' << text << '"';
    }
}

TEST(CliDuration, RejectsOverflow) {
    EXPECT_EQ(parse_duration("9223372036854775807ns"), std::chrono::nanoseconds::max());
    EXPECT_EQ(parse_duration("9223372036854775808ns"), std::nullopt);
    EXPECT_EQ(parse_duration("9223372037s"), std::nullopt);
    EXPECT_EQ(parse_duration("2562048h"), std::nullopt);
    EXPECT_EQ(parse_duration("2562047h48m"), std::nullopt);
    EXPECT_EQ(parse_duration("99999999999999999999999999s"), std::nullopt);
    EXPECT_EQ(parse_duration("9223372036854775807ns1ns"), std::nullopt);
}

TEST(CliDuration, Formats) {
    EXPECT_EQ(format_duration(0s), "0s");
    EXPECT_EQ(format_duration(250ms), "250ms");
    EXPECT_EQ(format_duration(2s), "2s");
    EXPECT_EQ(format_duration(90s), "1m30s");
    EXPECT_EQ(format_duration(1min), "1m");
    EXPECT_EQ(format_duration(1h), "1h");
    EXPECT_EQ(format_duration(1h + 5s), "1h5s");
    EXPECT_EQ(format_duration(1500ms), "1.5s");
    EXPECT_EQ(format_duration(1500us), "1.5ms");
    EXPECT_EQ(format_duration(500us), "500us");
    EXPECT_EQ(format_duration(7ns), "7ns");
    EXPECT_EQ(format_duration(1s + 1ns), "1.000000001s");
    EXPECT_EQ(format_duration(-250ms), "-250ms");
    EXPECT_FALSE(format_duration(std::chrono::nanoseconds::min()).empty());
}

TEST(CliDuration, FormatReadsBack) {
    for (std::chrono::nanoseconds d :
         {std::chrono::nanoseconds(0), std::chrono::nanoseconds(1), std::chrono::nanoseconds(999),
          std::chrono::nanoseconds(1001), std::chrono::nanoseconds(123'456'789),
          std::chrono::nanoseconds(61'000'000'001), std::chrono::nanoseconds(3'723'450'000'000),
          std::chrono::nanoseconds(std::chrono::nanoseconds::max())}) {
        EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
    }
}

// ---------------------------------------------------------------------------------------------
// The table itself

TEST(CliTable, NamesAreUniqueWithinEachCommand) {
    for (const CommandSpec* cmd : all_pages()) {
        const CommandSpec& spec = cmd == nullptr ? program() : *cmd;
        std::set<std::string_view> longs;
        std::set<char> shorts;
        for (const auto* list : {&spec.options, &global_options()}) {
            for (const OptionSpec& option : *list) {
                EXPECT_TRUE(longs.insert(option.long_name).second)
                    << spec.name << " --" << option.long_name;
                if (option.short_name != 0) {
                    EXPECT_TRUE(shorts.insert(option.short_name).second)
                        << spec.name << " -" << option.short_name;
                }
            }
        }
    }
    std::set<std::string_view> names;
    for (const CommandSpec& cmd : commands())
        EXPECT_TRUE(names.insert(cmd.name).second) << cmd.name;
}

TEST(CliTable, EveryEntryIsComplete) {
    for (const CommandSpec* cmd : all_pages()) {
        const CommandSpec& spec = cmd == nullptr ? program() : *cmd;
        SCOPED_TRACE(std::string(spec.name));
        EXPECT_FALSE(spec.summary.empty());
        EXPECT_NE(spec.summary.back(), '.');
        EXPECT_FALSE(spec.description.empty());
        EXPECT_FALSE(spec.examples.empty());
        EXPECT_FALSE(spec.exit_codes.empty());
        EXPECT_EQ(spec.positional_name.empty(), spec.positional_help.empty());
        for (const auto* list : {&spec.options, &global_options()}) {
            for (const OptionSpec& option : *list) {
                SCOPED_TRACE(std::string(option.long_name));
                EXPECT_FALSE(option.help.empty());
                EXPECT_EQ(option.help.back(), '.');
                EXPECT_EQ(option.value_name.empty(), option.arity == Arity::Flag);
                EXPECT_FALSE(!option.default_value.empty() && !option.default_help.empty());
                EXPECT_EQ(option.hint == Hint::Choice, !option.choices.empty());
                for (std::string_view other : option.conflicts) {
                    EXPECT_TRUE(find_option(spec, other) != nullptr ||
                                other == spec.positional_name)
                        << other;
                }
                for (std::string_view other : option.needs) {
                    EXPECT_NE(find_option(spec, other), nullptr) << other;
                }
                if (!option.default_value.empty()) {
                    // The default passes the checks a typed value would.
                    const std::string given = "--" + std::string(option.long_name) + "=" +
                                              std::string(option.default_value);
                    EXPECT_EQ(error_of(spec, {given}), "(no error)");
                }
            }
        }
    }
}

TEST(CliTable, Lookups) {
    EXPECT_EQ(find_command("nope"), nullptr);
    ASSERT_NE(find_command("send"), nullptr);
    EXPECT_EQ(find_command("send")->name, "send");
    ASSERT_NE(find_option(command("send"), "ttl"), nullptr);   // a global one
    EXPECT_EQ(find_option(command("send"), "count"), nullptr); // listen's
    EXPECT_EQ(synopsis_lines(command("listen")), Args{"mcast listen [OPTIONS]"});
    EXPECT_EQ(synopsis_lines(command("help")), Args{"mcast help [COMMAND]"});
    const CommandSpec generated{.name = "x", .positional_name = "FILE", .positional_many = true};
    EXPECT_EQ(synopsis_lines(generated), Args{"mcast x [OPTIONS] [FILE...]"});
    EXPECT_EQ(synopsis_lines(command("send")).size(), 3u);
    EXPECT_EQ(option_names(*find_option(command("send"), "interface")), "-i, --interface");
    EXPECT_EQ(option_names(*find_option(command("send"), "port")), "--port");
}

// ---------------------------------------------------------------------------------------------
// --help

TEST(CliHelp, MentionsEveryOptionOfTheCommand) {
    for (const CommandSpec& cmd : commands()) {
        const std::string help = help_text(&cmd);
        for (const OptionSpec* option : visible_options(cmd)) {
            EXPECT_TRUE(contains(help, option_names(*option)))
                << cmd.name << " --" << option->long_name;
            EXPECT_TRUE(contains(help, option->help.substr(0, 20)))
                << cmd.name << " --" << option->long_name;
        }
        for (const Example& example : cmd.examples)
            EXPECT_TRUE(contains(help, example.command));
        for (const ExitCode& exit : cmd.exit_codes) {
            // A code of three digits (yield's 126) has its meaning on the next line.
            const std::string code = "    " + std::to_string(exit.code);
            EXPECT_TRUE(contains(help, code + "   ") || contains(help, code + "\n")) << cmd.name;
        }
        for (std::string_view heading :
             {"USAGE:", "DESCRIPTION:", "GLOBAL OPTIONS:", "EXAMPLES:", "EXIT STATUS:"}) {
            EXPECT_TRUE(contains(help, heading)) << cmd.name << ' ' << heading;
        }
    }
}

TEST(CliHelp, SectionsInOrder) {
    const std::string help = help_text(&command("send"));
    std::size_t at = 0;
    for (std::string_view heading : {"USAGE:", "DESCRIPTION:", "ARGUMENTS:", "\nOPTIONS:",
                                     "GLOBAL OPTIONS:", "EXAMPLES:", "EXIT STATUS:"}) {
        const std::size_t found = help.find(heading, at);
        ASSERT_NE(found, std::string::npos) << heading;
        at = found;
    }
}

TEST(CliHelp, ShowsDefaultsFromTheTable) {
    const std::string help = help_text(&command("send"));
    // Where the text wraps depends on the widest option (--batch-delay DURATION): the port's
    // default is checked in its own help, as the TTL's below.
    EXPECT_EQ(option_help(*find_option(command("send"), "port")),
              "UDP port to send to and listen on. [default: 7767]");
    EXPECT_TRUE(contains(help, "[default: 1s]"));
    EXPECT_TRUE(contains(help, "[default: default]"));
    EXPECT_TRUE(contains(help, "[repeatable]"));
    EXPECT_EQ(option_help(*find_option(command("send"), "ttl")),
              "IPv4 time-to-live and IPv6 hop limit of the messages sent; 1 keeps them on the "
              "local network; unless given, --scope picks it (15 site, 63 org). Answers to a "
              "node behind routers leave with what gets them back, never more than this. "
              "[default: 1]");
}

TEST(CliHelp, AlignsOptionsInTwoColumns) {
    const std::string help = help_text(&command("send"));
    // Long names line up whether or not there is a short one, and so do the help texts.
    const std::size_t ipv4 = help.find("    -4, --ipv4");
    const std::size_t port = help.find("        --port N");
    ASSERT_NE(ipv4, std::string::npos);
    ASSERT_NE(port, std::string::npos);
    const auto column_of = [&](std::size_t line_start, std::string_view text) {
        return help.find(text, line_start) - line_start;
    };
    EXPECT_EQ(column_of(ipv4, "Use IPv4"), column_of(port, "UDP port"));
}

TEST(CliHelp, FitsIn80Columns) {
    for (const CommandSpec* cmd : all_pages()) {
        std::istringstream lines(help_text(cmd));
        for (std::string line; std::getline(lines, line);) {
            EXPECT_LE(line.size(), 80u) << line;
            EXPECT_TRUE(line.empty() || line.back() != ' ') << '"' << line << '"';
        }
    }
}

TEST(CliHelp, Overview) {
    const std::string help = help_text(nullptr);
    for (const CommandSpec& cmd : commands()) {
        EXPECT_TRUE(contains(help, "    " + std::string(cmd.name))) << cmd.name;
        EXPECT_TRUE(contains(help, cmd.summary)) << cmd.name;
    }
    for (const OptionSpec& option : global_options())
        EXPECT_TRUE(contains(help, option_names(option)));
    EXPECT_TRUE(contains(help, "--version"));
    EXPECT_FALSE(contains(help, "--generate")); // hidden
    EXPECT_TRUE(contains(help, "mcast help COMMAND"));
}

// ---------------------------------------------------------------------------------------------
// Man pages

TEST(CliMan, EscapesForRoff) {
    EXPECT_EQ(roff_escape("--ttl"), "\\-\\-ttl");
    EXPECT_EQ(roff_escape("a\\b"), "a\\eb");
    EXPECT_EQ(roff_escape(".hidden"), "\\&.hidden");
    EXPECT_EQ(roff_escape("'quoted'"), "\\&'quoted'");
    EXPECT_EQ(roff_escape("x\n.y"), "x\n\\&.y");
    EXPECT_EQ(roff_escape("a.b 'c'"), "a.b 'c'");
}

TEST(CliMan, CommandPage) {
    const std::string page = man_page(&command("send"));
    EXPECT_TRUE(page.find(".TH MCAST-SEND 1 \"\" \"mcast ") != std::string::npos);
    EXPECT_TRUE(contains(page, "\" \"mcast manual\"\n"));
    EXPECT_TRUE(contains(page, ".SH NAME\nmcast\\-send \\- sign and send one message\n"));
    std::size_t at = 0;
    for (std::string_view heading :
         {".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH GLOBAL OPTIONS", ".SH EXAMPLES",
          ".SH EXIT STATUS", ".SH SEE ALSO"}) {
        const std::size_t found = page.find(heading, at);
        ASSERT_NE(found, std::string::npos) << heading;
        at = found;
    }
    EXPECT_TRUE(contains(page, "\\fBmcast\\fR(1)"));
}

TEST(CliMan, MentionsEveryOption) {
    for (const CommandSpec& cmd : commands()) {
        const std::string page = man_page(&cmd);
        for (const OptionSpec* option : visible_options(cmd)) {
            EXPECT_TRUE(contains(page, "\\fB\\-\\-" + roff_escape(option->long_name) + "\\fR"))
                << cmd.name << " --" << option->long_name;
            if (option->short_name != 0) {
                EXPECT_TRUE(contains(page, fmt::format("\\fB\\-{}\\fR", option->short_name)));
            }
        }
    }
}

TEST(CliMan, ProgramPage) {
    const std::string page = man_page(nullptr);
    EXPECT_TRUE(contains(page, ".TH MCAST 1 \"\" \"mcast "));
    for (std::string_view text :
         {".SH COMMANDS", ".SH GLOBAL OPTIONS", ".SH EXIT STATUS", ".SH ENVIRONMENT",
          "MCAST_IDENTITY", "XDG_CONFIG_HOME", "NO_COLOR", ".SH FILES",
          "~/.config/mcast/identity.pem", "\\-\\-version"}) {
        EXPECT_TRUE(contains(page, text)) << text;
    }
    for (const CommandSpec& cmd : commands()) {
        EXPECT_TRUE(contains(page, fmt::format("\\fBmcast\\-{}\\fR(1)", cmd.name))) << cmd.name;
    }
    for (const OptionSpec& option : global_options()) {
        EXPECT_TRUE(contains(page, "\\fB\\-\\-" + roff_escape(option.long_name) + "\\fR"));
    }
    EXPECT_FALSE(contains(page, "generate\\fR")); // hidden
}

TEST(CliMan, IsWellFormedRoff) {
    const std::set<std::string_view> macros = {".TH", ".SH", ".PP", ".TP", ".B",
                                               ".nf", ".fi", ".nh", ".ad", ".\\\""};
    for (const CommandSpec* cmd : all_pages()) {
        std::istringstream lines(man_page(cmd));
        for (std::string line; std::getline(lines, line);) {
            if (line.starts_with(".")) {
                EXPECT_TRUE(macros.contains(std::string_view(line).substr(0, line.find(' '))))
                    << line;
                continue;
            }
            EXPECT_FALSE(line.starts_with("'")) << line;
            for (std::size_t i = 0; i < line.size(); ++i) {
                if (line[i] == '-') {
                    EXPECT_TRUE(i > 0 && line[i - 1] == '\\') << "unescaped '-': " << line;
                }
            }
        }
    }
}

TEST(CliMan, IsReproducible) {
    for (const CommandSpec* cmd : all_pages())
        EXPECT_EQ(man_page(cmd), man_page(cmd));
    EXPECT_TRUE(contains(man_page(nullptr), " 1 \"\" ")); // no date in .TH
}

// ---------------------------------------------------------------------------------------------
// Completions

TEST(CliCompletions, MentionEveryOptionOfEveryCommand) {
    const std::string bash = bash_completion();
    const std::string zsh = zsh_completion();
    const std::string fish = fish_completion();
    for (const CommandSpec* cmd : all_pages()) {
        const CommandSpec& spec = cmd == nullptr ? program() : *cmd;
        if (cmd != nullptr) {
            EXPECT_TRUE(contains(bash, std::string(spec.name))) << spec.name;
            EXPECT_TRUE(contains(zsh, "(" + std::string(spec.name) + ")")) << spec.name;
            EXPECT_TRUE(contains(fish, "__mcast_command_is " + std::string(spec.name)))
                << spec.name;
        }
        for (const OptionSpec* option : visible_options(spec)) {
            const std::string name = "--" + std::string(option->long_name);
            SCOPED_TRACE(std::string(spec.name) + " " + name);
            EXPECT_TRUE(contains(bash, name));
            EXPECT_TRUE(contains(zsh, name));
            EXPECT_TRUE(contains(fish, "-l " + std::string(option->long_name)));
            if (option->short_name != 0) {
                EXPECT_TRUE(contains(bash, fmt::format("-{}", option->short_name)));
                EXPECT_TRUE(contains(fish, fmt::format("-s {}", option->short_name)));
            }
        }
    }
    for (const std::string* script : {&bash, &zsh, &fish}) {
        // --generate is hidden: only the "Generated by" comment may name it.
        std::istringstream lines(*script);
        for (std::string line; std::getline(lines, line);) {
            if (!line.starts_with("#")) {
                EXPECT_FALSE(contains(line, "generate")) << line;
            }
        }
    }
}

TEST(CliCompletions, PerCommandOptionsAreScoped) {
    // bash: each command's line of option names holds its own options and the global ones only.
    const std::string bash = bash_completion();
    const std::size_t send = bash.find("            send) _mcast_words '");
    ASSERT_NE(send, std::string::npos);
    const std::string line = bash.substr(send, bash.find('\n', send) - send);
    EXPECT_TRUE(contains(line, "--lines"));
    EXPECT_TRUE(contains(line, "--ttl"));
    EXPECT_FALSE(contains(line, "--count"));
    EXPECT_FALSE(contains(line, "--new"));
}

TEST(CliCompletions, ValuesByHint) {
    const std::string bash = bash_completion();
    EXPECT_TRUE(contains(bash, "/sys/class/net"));
    EXPECT_TRUE(contains(bash, "-i|--interface) _mcast_interfaces"));
    EXPECT_TRUE(contains(bash, "--identity) _mcast_files"));
    const std::string zsh = zsh_completion();
    EXPECT_TRUE(contains(
        zsh, "--identity=[Key file holding this node'\\''s Ed25519 private key]:file:_files"));
    EXPECT_TRUE(contains(zsh, ":network interface:_mcast_interfaces"));
    const std::string fish = fish_completion();
    EXPECT_TRUE(contains(fish, "-l identity -r -F"));
    EXPECT_TRUE(contains(fish, "-l interface -x -a '(__mcast_interfaces)'"));
}

// Runs `shell -n` on script; skips when the shell is not installed.
void expect_valid_syntax(const char* shell, const std::string& script) {
    if (std::system(fmt::format("command -v {} >/dev/null 2>&1", shell).c_str()) != 0) {
        GTEST_SKIP() << shell << " is not installed";
    }
    const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                       fmt::format("mcast-completion-{}.{}", ::getpid(), shell);
    std::ofstream(file) << script;
    const int status = std::system(fmt::format("{} -n '{}'", shell, file.string()).c_str());
    std::filesystem::remove(file);
    EXPECT_EQ(status, 0) << shell << " -n rejected the script";
}

// What bash offers for the words of a command line (the last one being completed), by running
// the generated function; nullopt when bash is not installed.
std::optional<std::string> bash_offers(const std::vector<std::string>& words) {
    if (std::system("command -v bash >/dev/null 2>&1") != 0) return std::nullopt;
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / fmt::format("mcast-offers-{}.bash", ::getpid());
    std::ofstream(file) << bash_completion();
    std::string quoted;
    for (const auto& w : words)
        quoted += " '" + w + "'";
    const std::string command =
        fmt::format("bash -c 'source \"$0\"; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); "
                    "_mcast; echo \"${{COMPREPLY[*]}}\"' '{}'{}",
                    file.string(), quoted);
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
            out.append(buf, n);
        ::pclose(p);
    }
    std::filesystem::remove(file);
    return out;
}

TEST(CliCompletions, TrustOffersItsActions) {
    const auto after_trust = bash_offers({"mcast", "trust", ""});
    if (!after_trust) GTEST_SKIP() << "bash is not installed";
    EXPECT_EQ(*after_trust, "list add remove show forget\n");
    EXPECT_EQ(*bash_offers({"mcast", "trust", "f"}), "forget\n");
    EXPECT_EQ(*bash_offers({"mcast", "-4", "trust", "re"}), "remove\n");
    EXPECT_EQ(*bash_offers({"mcast", "trust", "show", ""}), "\n"); // PEER: nothing to offer
    EXPECT_TRUE(contains(zsh_completion(), "'1:action:(list add remove show forget)'"));
    EXPECT_TRUE(contains(fish_completion(),
                         "__mcast_command_is trust; and not __fish_seen_subcommand_from list add "
                         "remove show forget' -a 'list add remove show forget'"));
}

TEST(CliCompletions, BashSyntax) {
    expect_valid_syntax("bash", bash_completion());
}
TEST(CliCompletions, ZshSyntax) {
    expect_valid_syntax("zsh", zsh_completion());
}
TEST(CliCompletions, FishSyntax) {
    expect_valid_syntax("fish", fish_completion());
}

// ---------------------------------------------------------------------------------------------
// mcast --generate

TEST(CliGenerate, Kinds) {
    const auto run = [](std::string_view kind, std::string_view cmd) {
        std::ostringstream out;
        const int status = mcast::cli::generate(kind, cmd, out); // qualified: not std::generate
        return std::make_pair(status, out.str());
    };
    EXPECT_EQ(run("man", ""), std::make_pair(0, man_page(nullptr)));
    EXPECT_EQ(run("man", "listen"), std::make_pair(0, man_page(&command("listen"))));
    EXPECT_EQ(run("bash", ""), std::make_pair(0, bash_completion()));
    EXPECT_EQ(run("zsh", ""), std::make_pair(0, zsh_completion()));
    EXPECT_EQ(run("fish", ""), std::make_pair(0, fish_completion()));
    std::string names;
    for (const auto& c : commands())
        names += std::string(c.name) + "\n";
    EXPECT_EQ(run("commands", ""), std::make_pair(0, names));
    EXPECT_NE(names.find("send\n"), std::string::npos);
    EXPECT_EQ(run("pdf", "").first, 2);
    EXPECT_EQ(run("man", "frob").first, 2);
    EXPECT_EQ(run("bash", "send").first, 2);
}

// ---------------------------------------------------------------------------------------------
// Dispatch: every command of the table has exactly one runner, and every runner a command

const OptionSpec& option(std::string_view cmd, std::string_view name) {
    const OptionSpec* o = find_option(command(cmd), name);
    if (o == nullptr) throw std::logic_error("no option --" + std::string(name));
    return *o;
}

TEST(CliRunners, EveryCommandHasExactlyOneRunner) {
    std::set<std::string_view> table, runners;
    for (const CommandSpec& cmd : commands())
        table.insert(cmd.name);
    for (const CommandRunner& r : command_runners()) {
        EXPECT_TRUE(runners.insert(r.name).second) << "two runners for " << r.name;
        EXPECT_NE(find_command(r.name), nullptr) << "a runner without a table entry: " << r.name;
        // Exactly one way to run it.
        EXPECT_NE(r.run == nullptr, r.run_raw == nullptr) << r.name;
    }
    for (std::string_view name : table)
        EXPECT_TRUE(runners.count(name)) << "a command without a runner: " << name;
    EXPECT_EQ(table, runners);
}

TEST(CliRunners, Lookup) {
    ASSERT_NE(find_runner("ping"), nullptr);
    EXPECT_EQ(find_runner("ping")->name, "ping");
    EXPECT_EQ(find_runner("nope"), nullptr);
    ASSERT_NE(find_runner("help"), nullptr);
    EXPECT_NE(find_runner("help")->run_raw, nullptr); // before any setting is read
}

// ---------------------------------------------------------------------------------------------
// The table's defaults are the library's: one value, checked here, instead of three copies

std::chrono::nanoseconds table_duration(std::string_view cmd, std::string_view name) {
    const OptionSpec& o = option(cmd, name);
    const std::string_view text = o.default_value.empty() ? o.default_help : o.default_value;
    const auto d = parse_duration(text);
    if (!d) throw std::logic_error("no duration default for --" + std::string(name));
    return *d;
}

std::int64_t table_number(std::string_view cmd, std::string_view name) {
    return *parse(command(cmd), Args{}).number(name);
}

TEST(CliDefaults, PingIsPingConfig) {
    const PingConfig lib;
    EXPECT_EQ(table_number("ping", "count"), static_cast<std::int64_t>(lib.count));
    EXPECT_EQ(table_duration("ping", "interval"), lib.interval);
    EXPECT_EQ(table_duration("ping", "timeout"), lib.linger);
    // No --size: no padding, as the library's 0.
    EXPECT_EQ(parse(command("ping"), Args{}).number("size"), std::nullopt);
    EXPECT_EQ(lib.size, 0u);
}

TEST(CliDefaults, PingSpeedIsSpeedConfig) {
    const SpeedConfig lib;
    // Shown in help; the library applies them when the option is not given.
    const auto rate = parse_rate(option("ping", "rate").default_help);
    ASSERT_TRUE(rate);
    EXPECT_FALSE(rate->bits);
    EXPECT_EQ(rate->per_second, lib.rate);
    EXPECT_EQ(table_duration("ping", "duration"), lib.duration);
    EXPECT_NE(option("ping", "size").help.find(std::to_string(lib.size) + " unless given"),
              std::string_view::npos);
}

TEST(CliDefaults, DiscoverIsQueryConfig) {
    EXPECT_EQ(table_duration("discover", "timeout"), QueryConfig{}.timeout);
}

TEST(CliDefaults, AnnounceIsNodeOptions) {
    EXPECT_EQ(table_duration("announce", "interval"), NodeOptions{}.interval);
    EXPECT_EQ(NodeOptions{}.lifetime.count(), 0); // "three intervals", worked out by the node
}

TEST(CliDefaults, NetworkIsSessionOptions) {
    const SessionOptions lib;
    EXPECT_EQ(table_number("send", "port"), lib.port);
    EXPECT_EQ(table_number("send", "ttl"), lib.ttl);
    EXPECT_EQ(option("send", "group").default_help,
              std::string(lib.group_v4) + " and " + std::string(lib.group_v6));
}

// ---------------------------------------------------------------------------------------------
// Value kinds

TEST(CliValues, DurationsWithBounds) {
    EXPECT_EQ(error_of("ping", {"--interval", "50ms"}),
              "--interval: bad value (at least 100ms, every node answers each multicast probe)");
    EXPECT_EQ(error_of("ping", {"--interval", "100ms"}), "(no error)");
    EXPECT_EQ(error_of("announce", {"--interval", "50ms"}),
              "--interval: bad value (expected 100ms to 8h)");
    EXPECT_EQ(error_of("announce", {"--interval", "9h"}),
              "--interval: bad value (expected 100ms to 8h)");
    EXPECT_EQ(error_of("announce", {"--interval", "8h"}), "(no error)");
    EXPECT_EQ(error_of("announce", {"--lifetime", "25h"}),
              "--lifetime: bad value (at most 24h, which receivers accept)");
    EXPECT_EQ(error_of("announce", {"--lifetime", "24h"}), "(no error)");
    // A malformed duration is still reported as one.
    EXPECT_EQ(error_of("announce", {"--interval", "soon"}),
              "--interval: bad value 'soon' (expected a duration like 250ms, 2s, 1m; a bare "
              "number is seconds)");
    // Other commands' options of the same name keep their own bounds (send's may be 0).
    EXPECT_EQ(error_of("send", {"--interval", "0"}), "(no error)");
}

TEST(CliValues, Rates) {
    const auto rate = [](const std::string& text) {
        return parse(command("ping"), Args{"--speed", "--rate", text}).rate("rate");
    };
    EXPECT_EQ(rate("1000")->per_second, 1000);
    EXPECT_EQ(rate("20k")->per_second, 20000);
    EXPECT_EQ(rate("5kpps")->per_second, 5000);
    EXPECT_TRUE(rate("50Mbit")->bits);
    EXPECT_EQ(rate("50Mbit")->per_second, 50e6);
    EXPECT_EQ(rate("max")->per_second, 0);
    EXPECT_EQ(parse_rate("8Mbit")->datagrams_per_second(1000), 1000);
    EXPECT_EQ(parse_rate("1Gbps")->datagrams_per_second(125), 1e6);
    EXPECT_EQ(parse_rate("max")->datagrams_per_second(512), 0);
    EXPECT_EQ(parse(command("ping"), Args{"--speed"}).rate("rate"), std::nullopt);
    for (const char* bad : {"fast", "0", "-5", "10x", "", "inf", "1e999", "Mbit"}) {
        EXPECT_FALSE(parse_rate(bad)) << bad;
        EXPECT_EQ(error_of("ping", {"--speed", "--rate", bad}),
                  fmt::format("--rate: bad value '{}' (expected datagrams/s like 1000 or 20k, "
                              "bits/s like 50Mbit, or max)",
                              bad))
            << bad;
    }
    EXPECT_THROW(parse(command("ping"), Args{}).rate("count"), std::logic_error);
}

TEST(CliValues, NodeIds) {
    EXPECT_TRUE(is_node_id_prefix("4f13"));
    EXPECT_TRUE(is_node_id_prefix("4F13C35D6E4D"));
    EXPECT_TRUE(is_node_id_prefix(std::string(64, 'a')));
    EXPECT_FALSE(is_node_id_prefix(std::string(65, 'a')));
    EXPECT_FALSE(is_node_id_prefix(""));
    EXPECT_FALSE(is_node_id_prefix("media-pc"));
    EXPECT_EQ(parse(command("ping"), Args{"--peer", "4f13", "--peer", "da8b"}).values("peer"),
              (Args{"4f13", "da8b"}));
    // A --peer of ping is a name as well as an id prefix, as trust add and pair take.
    EXPECT_EQ(parse(command("ping"), Args{"--peer", "media-pc"}).values("peer"),
              (Args{"media-pc"}));
    EXPECT_EQ(error_of("ping", {"--peer", ""}), "--peer: bad value '' (expected a value)");
}

TEST(CliValues, SpeedRefusesWhatAStreamCannotHonour) {
    for (const char* other : {"--count", "--interval", "--max-rtt", "--unicast-too"}) {
        Args a{"--speed", other};
        if (std::string_view(other) != "--unicast-too") a.push_back(other[2] == 'c' ? "3" : "1s");
        EXPECT_EQ(error_of("ping", a), fmt::format("--speed: cannot be combined with {}", other))
            << other;
    }
    EXPECT_EQ(error_of("ping", {"--speed", "--find-max", "--expect", "3"}),
              "--find-max: cannot be combined with --expect");
    EXPECT_NO_THROW(parse(command("ping"),
                          Args{"--speed", "--expect", "3", "--peer", "node2", "--max-loss", "5"}));
}

} // namespace
} // namespace mcast::cli
