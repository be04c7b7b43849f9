// What runs each command of the option table: main() looks the command up here instead of in a
// chain of ifs, and a unit test checks that this list and commands() name the same commands.
#pragma once

#include "option_parser.hpp"
#include "output.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mcast::cli {

struct CommandRunner {
    std::string_view name;
    // Runs the command on its parsed arguments; spec is the CommandSpec they were parsed with
    // (for config, the COMMAND it shows).
    int (*run)(const CommandSpec& spec, const ParsedArgs& args, Output& out) = nullptr;
    // Instead, for help: runs on the raw arguments, before any setting is read, so that help
    // works even when a config file has a mistake.
    int (*run_raw)(std::span<const std::string> args) = nullptr;
};

// One per command, in the order of commands().
const std::vector<CommandRunner>& command_runners();
// The runner of the command called name, or nullptr.
const CommandRunner* find_runner(std::string_view name);

} // namespace mcast::cli
