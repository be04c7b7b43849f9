// `mcast help [COMMAND]` and every --help: the help text of the option table on standard output.
#include "commands.hpp"
#include "help_text.hpp"

namespace mcast::cli {

int print_help(const CommandSpec* cmd) {
    Output out("help", false, false, false);
    out.line(help_text(cmd));
    return exit_ok;
}

int run_help(std::span<const std::string> args) {
    if (args.empty()) return print_help(nullptr);
    const auto* cmd = find_command(args[0]);
    if (!cmd) throw UsageError("unknown command '" + args[0] + "'");
    return print_help(cmd);
}

} // namespace mcast::cli
