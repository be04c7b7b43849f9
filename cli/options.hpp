// The command-line interface as data. One table describes every command and option; the parser
// (Boost.Program_options, built from the table), `--help`, the man pages and the bash/zsh/fish
// completions are all generated from it, so none of them can drift from the others.
//
// Adding a command is adding a CommandSpec to commands() in options.cpp (and a cmd_*.cpp that
// reads its ParsedArgs); `scripts/gen-docs` then regenerates man/ and completions/.
#pragma once

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

enum class Arity {
    Flag, // --json: present or not (may be given more than once)
    One,  // --port N: takes a value; given twice, the last one wins
    Many, // --interface NAME: repeatable, every value kept in order
};

// What kind of value an option (or the positional arguments) takes. The parser validates Number,
// Duration, Address and Choice values; the completions use the hint to offer values.
enum class Hint { None, File, Interface, Address, Duration, Number, Topic, Choice, Command };

struct OptionSpec {
    std::string_view long_name = {};  // "ttl", given as --ttl
    char short_name = 0;              // 'i' for -i; 0 if none
    std::string_view value_name = {}; // "N"; empty for flags
    std::string_view help = {};       // one or two sentences, ending in a period
    // The default: applied by the parser and shown in help as [default: ...]; "" for none.
    std::string_view default_value = {};
    // Shown as [default: ...] instead when the default is worked out at run time (for example from
    // the environment); the parser does not apply it.
    std::string_view default_help = {};
    Arity arity = Arity::Flag;
    Hint hint = Hint::None;
    std::int64_t min = 0, max = 0;                // Number: the range, checked when min < max
    std::vector<std::string_view> choices = {};   // Choice: the accepted values
    std::vector<std::string_view> conflicts = {}; // long names (or the positional_name) it excludes
    std::vector<std::string_view> needs = {};     // long names it is only valid with
    bool hidden = false; // accepted, but left out of help, man pages and completions
    // Whether a config file or MCAST_* variable may set it; false for what picks an action (id
    // --new, pair --accept), which a file should not choose for every run.
    bool settable = true;
};

struct Example {
    std::string_view command = {};     // exactly as typed in a shell
    std::string_view explanation = {}; // a sentence
};

struct ExitCode {
    int code = 0;
    std::string_view meaning = {};
};

struct CommandSpec {
    std::string_view name = {};    // "send"
    std::string_view summary = {}; // lower-case phrase, no period: "sign and send one message"
    // Usage lines separated by '\n', each starting "mcast NAME"; "" = generated (synopsis_lines).
    std::string_view synopsis = {};
    std::string_view description = {};     // paragraphs separated by "\n\n"
    std::vector<OptionSpec> options = {};  // the command's own; global_options() apply too
    std::string_view positional_name = {}; // "VALUE", or "" when the command takes no arguments
    std::string_view positional_help = {};
    bool positional_many = false;
    Hint positional_hint = Hint::None;
    std::vector<Example> examples = {};
    std::vector<ExitCode> exit_codes = {};
};

// A name and what it means: an environment variable or a file, for the man page.
struct Definition {
    std::string_view term = {};
    std::string_view text = {};
};

// Options every command accepts, anywhere on its command line (-4, -i, --json, -h, ...).
const std::vector<OptionSpec>& global_options();
// Every subcommand, in the order help lists them.
const std::vector<CommandSpec>& commands();
// `mcast` itself: the overview, the options valid only without a command (--version and the
// hidden --generate KIND [COMMAND]), and the exit status conventions shared by all commands.
const CommandSpec& program();
// The subcommand called name, or nullptr.
const CommandSpec* find_command(std::string_view name);
// The option --long_name of cmd, looking in the command's options, then the global ones.
const OptionSpec* find_option(const CommandSpec& cmd, std::string_view long_name);
// The environment variables and files mcast reads, for mcast(1).
const std::vector<Definition>& environment_variables();
const std::vector<Definition>& files();

// The usage lines of cmd: its synopsis, or "mcast send [OPTIONS] [VALUE...]" built from the table.
std::vector<std::string> synopsis_lines(const CommandSpec& cmd);
// "--ttl" or "-i, --interface": how help and errors name an option.
std::string option_names(const OptionSpec& option);

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
// anywhere, "--" ends the options). Checks Number ranges, Duration, Address and Choice values,
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

// Why value is not valid for option ("bad value '300' (expected 0-255)"), or "" when it is.
std::string value_problem(const OptionSpec& option, const std::string& value);

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
