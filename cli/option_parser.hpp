// The layered parser of the option table: the command line over the settings layers (config
// files and MCAST_* variables, read by settings.cpp), checked against the table's value kinds
// (option_values.hpp), conflicts and needs, into ParsedArgs with the table's defaults applied.
#pragma once

#include "option_table.hpp"
#include "option_values.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mcast::cli {

// A mistake on the command line. The message has no "mcast CMD: " prefix, e.g.
// "--ttl: bad value '300' (expected 0-255)"; the caller adds it and exits with status 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Settings from one place below the command line: a config file section or the environment.
// Built and checked by settings.cpp; parse() lets each layer override the ones before it, and
// the command line override them all.
struct SettingLayer {
    enum class Source { system, user, environment };
    struct Value {
        std::vector<std::string> values; // a flag holds "true" or "false"
        std::string origin;              // "/etc/mcast/config:4", "MCAST_TTL"
    };
    Source source = Source::user;
    std::map<std::string, Value, std::less<>> settings; // by long option name
};

// Where an option's value came from.
enum class Origin { unset, default_value, system, user, environment, command_line };

// What parse() found, with defaults from the table applied. Asking for an option that is not in
// the command's table (a typo in the calling code) throws std::logic_error.
class ParsedArgs {
public:
    // Whether a flag was given. flag("help") is true for -h and --help.
    bool flag(std::string_view name) const;
    // The value of a One option (the last given), else its default, else nullopt.
    std::optional<std::string> value(std::string_view name) const;
    // Every value of a Many option, in command-line order (or its default, if any).
    std::vector<std::string> values(std::string_view name) const;
    // value() of a Number option, as a number (already range-checked by parse()).
    std::optional<std::int64_t> number(std::string_view name) const;
    // value() of a Duration option, as a duration (already checked by parse()).
    std::optional<std::chrono::nanoseconds> duration(std::string_view name) const;
    // value() of a Rate option (already checked by parse()).
    std::optional<Rate> rate(std::string_view name) const;
    // Whether the command has an option called name of that arity (pair's --accept is a flag,
    // listen's takes a value).
    bool has(std::string_view name, Arity arity) const;
    // Whether the option was set on the command line, in a config file or the environment
    // (rather than defaulted). A flag set to false in a file is not given.
    bool given(std::string_view name) const;
    // Where the option's value came from, and that place in words: "command line", "default",
    // "/etc/mcast/config:4", "MCAST_TTL"; "" when unset.
    Origin origin(std::string_view name) const;
    std::string origin_text(std::string_view name) const;
    // The arguments parse() was given, so a command can parse them again (announce on SIGHUP).
    const std::vector<std::string>& raw_args() const { return raw_; }

    std::vector<std::string> positional; // the arguments that are not options, in order

private:
    friend ParsedArgs parse_impl(const CommandSpec&, std::span<const std::string>,
                                 std::span<const SettingLayer>, bool);
    struct Entry {
        Arity arity = Arity::Flag;
        Hint hint = Hint::None;
        bool given = false;
        std::vector<std::string> values; // as given, or the default
        Origin origin = Origin::unset;
        std::string origin_text;
        int rank = 0; // precedence of the source: layers count up from 1, the command line last
    };
    std::vector<std::string> raw_;
    const Entry& entry(std::string_view name, Arity arity) const;
    std::map<std::string, Entry, std::less<>> entries_;
};

// Parses the arguments of cmd (everything after the subcommand name; global options may come
// anywhere, "--" ends the options). Checks every value against its kind (value_problem()),
// conflicts and needs; when --help is given only the syntax is checked. Throws UsageError.
//   auto args = parse(*find_command("send"), std::vector<std::string>{"--ttl", "2", "hi"});
//   args.number("ttl") == 2; args.positional == {"hi"}
// Settings from layers (lowest precedence first) fill in what the command line did not give;
// a setting that conflicts with one from a higher layer is dropped.
ParsedArgs parse(const CommandSpec& cmd, std::span<const std::string> args,
                 std::span<const SettingLayer> layers = {});

// Whether the command line asks for --help; only its syntax is checked, and no settings read,
// so that help works even when a config file has a mistake.
bool asks_for_help(const CommandSpec& cmd, std::span<const std::string> args);
// parse(), and with check_all false only the syntax (for asks_for_help).
ParsedArgs parse_impl(const CommandSpec& cmd, std::span<const std::string> args,
                      std::span<const SettingLayer> layers, bool check_all);

// The command line split at the subcommand. `mcast -4 send --ttl 2 hi` gives command "send" and
// args {"-4", "--ttl", "2", "hi"}, ready for parse(*find_command(command), args). When there is
// no subcommand, or an option before it is not a global one (--version, --generate, a typo),
// command is "" and args is the whole command line, for parse(program(), args).
struct CommandLine {
    std::string command;
    std::vector<std::string> args;
};
CommandLine split_command_line(std::span<const std::string> argv); // argv without argv[0]

} // namespace mcast::cli
