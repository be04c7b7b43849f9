// The command-line interface as data: the types of the option table and its lookups. One table
// (option_table.cpp) describes every command and option; the parser (option_parser.hpp, on
// Boost.Program_options), `--help`, the man pages and the bash/zsh/fish completions are all
// generated from it, so none of them can drift from the others.
//
// Adding a command is adding a CommandSpec to commands() in option_table.cpp, a cmd_*.cpp that
// reads its ParsedArgs, and its runner in command_runners.cpp (a test checks that the two lists
// match); `scripts/gen-docs` then regenerates man/ and completions/.
#pragma once

#include <chrono>
#include <cstdint>
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
// Duration, Address, Choice, Rate and NodeId values (option_values.hpp); the completions use the
// hint to offer values.
enum class Hint {
    None,
    File,
    Interface,
    Address,
    Duration,
    Number,
    Topic,
    Choice,
    Command,
    Rate,   // datagrams or bits per second: 1000, 20k, 50Mbit, max
    NodeId, // a node id or a prefix of one: 1 to 64 hex digits
};

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
    std::int64_t min = 0, max = 0; // Number: the range, checked when min < max
    // Duration: the bounds, checked when not zero; bound_note follows "at most 24h" in the
    // message, saying why ("which receivers accept").
    std::chrono::nanoseconds min_duration{0}, max_duration{0};
    std::string_view bound_note = {};
    std::vector<std::string_view> choices = {};   // Choice: the accepted values
    std::vector<std::string_view> conflicts = {}; // long names (or the positional_name) it excludes
    std::vector<std::string_view> needs = {};     // long names it is only valid with
    bool hidden = false; // accepted, but left out of help, man pages and completions
    // Whether a config file or MCAST_* variable may set it; false for what picks an action (id
    // --new, pair --answer), which a file should not choose for every run.
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
    // The words the first argument takes, when it names an action (trust: list, add, ...): the
    // completions offer them.
    std::vector<std::string_view> actions = {};
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

} // namespace mcast::cli
