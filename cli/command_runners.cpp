// The runner of every command; see command_runners.hpp.
#include "command_runners.hpp"

#include "commands.hpp"

#include <algorithm>

namespace mcast::cli {

const std::vector<CommandRunner>& command_runners() {
    // Captureless lambdas: most commands need only their arguments, not the spec.
    static const std::vector<CommandRunner> runners = {
        {"id", [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_id(a, o); }},
        {"send", [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_send(a, o); }},
        {"listen",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_listen(a, o); }},
        {"announce",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_announce(a, o); }},
        {"discover",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_discover(a, o); }},
        {"ping", [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_ping(a, o); }},
        {"trust",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_trust(a, o); }},
        {"pair", [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_pair(a, o); }},
        {"weather",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_weather(a, o); }},
        {"activity",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_activity(a, o); }},
        {"share",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_share(a, o); }},
        {"search",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_search(a, o); }},
        {"fetch",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_fetch(a, o); }},
        {"yield",
         [](const CommandSpec&, const ParsedArgs& a, Output& o) { return run_yield(a, o); }},
        {"config", run_config},
        {"help", nullptr, run_help},
    };
    return runners;
}

const CommandRunner* find_runner(std::string_view name) {
    const auto& runners = command_runners();
    const auto it = std::find_if(runners.begin(), runners.end(),
                                 [&](const CommandRunner& r) { return r.name == name; });
    return it == runners.end() ? nullptr : &*it;
}

} // namespace mcast::cli
