// The entry point of each subcommand: parsed arguments in, exit status out. main() parses and
// dispatches through command_runners(); each cmd_*.cpp builds library inputs and prints through
// Output.
#pragma once

#include "option_parser.hpp"
#include "output.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace mcast::cli {

int run_id(const ParsedArgs& args, Output& out);
int run_send(const ParsedArgs& args, Output& out);
int run_listen(const ParsedArgs& args, Output& out);
int run_announce(const ParsedArgs& args, Output& out);
int run_discover(const ParsedArgs& args, Output& out);
int run_ping(const ParsedArgs& args, Output& out);
int run_ping_speed(const ParsedArgs& args, Output& out);
// The smallest --size a speed test takes: a data datagram with its sequence number and stamp.
inline constexpr std::size_t min_speed_size = 160;
int run_trust(const ParsedArgs& args, Output& out);
int run_pair(const ParsedArgs& args, Output& out);
int run_weather(const ParsedArgs& args, Output& out);
int run_activity(const ParsedArgs& args, Output& out);
int run_share(const ParsedArgs& args, Output& out);
int run_search(const ParsedArgs& args, Output& out);
int run_fetch(const ParsedArgs& args, Output& out);
// `mcast yield [OPTIONS] -- CMD [ARGS...]`: returns CMD's exit status (cmd_yield.cpp).
int run_yield(const ParsedArgs& args, Output& out);
// `mcast config [COMMAND [ARGS...]]`: spec is COMMAND's (or config's own), effective what
// that command line would run with.
int run_config(const CommandSpec& spec, const ParsedArgs& effective, Output& out);
// `mcast help [COMMAND]`, on the raw arguments (no settings are read).
int run_help(std::span<const std::string> args);
// Prints the help of cmd (nullptr: of mcast itself) on standard output.
int print_help(const CommandSpec* cmd);

} // namespace mcast::cli
