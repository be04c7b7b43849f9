// mcast: parse the command line with the option table, dispatch to the subcommand's runner
// (command_runners.cpp), and map
// every failure to one line on stderr and a documented exit status (0 ok, 1 nothing found,
// 2 error; a closed output pipe is a quiet 0).
#include "command_runners.hpp"
#include "commands.hpp"
#include "generate_main.hpp"
#include "help_text.hpp"
#include "node_options.hpp"
#include "option_parser.hpp"
#include "output.hpp"
#include "settings.hpp"

#include <mcast/control.hpp>
#include <mcast/identity.hpp>
#include <mcast/session.hpp>
#include <mcast/wire.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

using namespace mcast::cli;

namespace {

int usage_error(std::string_view command, const std::string& message, bool json) {
    std::string prefix = command.empty() ? "mcast" : "mcast " + std::string(command);
    // An ambiguous PEER error lists names from the network: escaped as every note is.
    std::fprintf(stderr, "%s: %s\n", prefix.c_str(), escape_text(message, false).c_str());
    if (json) { // the caller reads stdout: give it the error as a record too
        boost::json::object o{{"type", "error"}, {"command", command}, {"message", message}};
        std::printf("%s\n", json_text(o).c_str());
    }
    return exit_error;
}

int run_program(const std::vector<std::string>& args) {
    auto p = parse(program(), args);
    if (auto kind = p.value("generate")) {
        std::string cmd = p.positional.empty() ? "" : p.positional[0];
        return mcast::cli::generate(*kind, cmd, std::cout);
    }
    if (p.flag("version")) {
        std::printf("mcast %s\n", MCAST_VERSION);
        return exit_ok;
    }
    if (p.flag("help")) return print_help(nullptr);
    if (!p.positional.empty()) throw UsageError("unknown command '" + p.positional[0] + "'");
    std::fputs(help_text(nullptr).c_str(), stderr);
    return exit_error;
}

int dispatch(const CommandLine& cl) {
    if (cl.command.empty()) return run_program(cl.args);
    const auto* cmd = find_command(cl.command);
    if (!cmd) throw UsageError("unknown command '" + cl.command + "'");
    const CommandRunner* runner = find_runner(cl.command);
    if (runner == nullptr) // the table and command_runners() disagree: a test catches this
        throw std::logic_error("command '" + cl.command + "' has no runner");
    if (runner->run_raw != nullptr) return runner->run_raw(cl.args);
    // `mcast config ping --count 3` shows what `mcast ping --count 3` would run with: the
    // command line after COMMAND is COMMAND's.
    std::vector<std::string> cmd_args = cl.args;
    const CommandSpec* config_target = nullptr;
    if (cl.command == "config") {
        auto inner = split_command_line(cl.args);
        if (!inner.command.empty()) {
            config_target = find_command(inner.command);
            if (config_target == nullptr || inner.command == "help" || inner.command == "config") {
                bool setting = false;
                for (const auto& c : commands()) {
                    const OptionSpec* o = find_option(c, inner.command);
                    setting = setting || (o != nullptr && o->settable);
                }
                throw UsageError("unknown command '" + inner.command + "'" +
                                 (setting ? " ('" + inner.command +
                                                "' is a setting: mcast config lists them all)"
                                          : ""));
            }
            cmd_args = std::move(inner.args);
        }
    }
    // Help first, so that it works even when a config file has a mistake.
    if (asks_for_help(config_target ? *config_target : *cmd, cmd_args)) return print_help(cmd);
    auto args = parse_with_settings(config_target ? *config_target : *cmd, cmd_args);
    Output out(cl.command, args.flag("json"), args.flag("quiet"), args.flag("verbose"));
    (void)network_options(args); // groups against --scope and --source: before any note
    for (const auto& note : group_notes(args))
        out.note(note);
    try {
        return runner->run(config_target ? *config_target : *cmd, args, out);
    } catch (const UsageError&) {
        throw;
    } catch (const PipeClosed&) {
        throw;
    } catch (const mcast::ControlError& e) {
        // No resident node to ask is "nothing there" (1), as an unanswered ping; a request the
        // node refused is an error (2).
        out.error(e.what());
        return e.no_node || e.not_found ? exit_nothing : exit_error;
    } catch (const std::exception& e) {
        out.error(e.what());
        return exit_error;
    }
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN); // a closed pipe shows up as EPIPE, handled as a quiet exit
    std::vector<std::string> argv_copy(argv + 1, argv + argc);
    CommandLine cl;
    try {
        cl = split_command_line(argv_copy);
        return dispatch(cl);
    } catch (const UsageError& e) {
        bool json = std::find(argv_copy.begin(), argv_copy.end(), "--json") != argv_copy.end();
        return usage_error(cl.command, e.what(), json);
    } catch (const PipeClosed&) {
        return exit_ok;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mcast: %s\n", escape_text(e.what(), false).c_str());
        return exit_error;
    }
}
