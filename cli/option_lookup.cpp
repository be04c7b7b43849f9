// The lookups of the option table: a command by name, an option of a command, and the names and
// usage lines that help, man pages and errors print.
#include "option_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {

const CommandSpec* find_command(std::string_view name) {
    for (const CommandSpec& cmd : commands()) {
        if (cmd.name == name) return &cmd;
    }
    return nullptr;
}

const OptionSpec* find_option(const CommandSpec& cmd, std::string_view long_name) {
    for (const auto* list : {&cmd.options, &global_options()}) {
        for (const OptionSpec& option : *list) {
            if (option.long_name == long_name) return &option;
        }
    }
    return nullptr;
}

std::vector<std::string> synopsis_lines(const CommandSpec& cmd) {
    std::vector<std::string> lines;
    if (!cmd.synopsis.empty()) {
        std::string_view rest = cmd.synopsis;
        while (!rest.empty()) {
            const std::size_t end = std::min(rest.find('\n'), rest.size());
            lines.emplace_back(rest.substr(0, end));
            rest.remove_prefix(std::min(end + 1, rest.size()));
        }
        return lines;
    }
    std::string line = fmt::format("mcast {} [OPTIONS]", cmd.name);
    if (!cmd.positional_name.empty()) {
        line += fmt::format(" [{}{}]", cmd.positional_name, cmd.positional_many ? "..." : "");
    }
    lines.push_back(std::move(line));
    return lines;
}

std::string option_names(const OptionSpec& option) {
    if (option.short_name != 0)
        return fmt::format("-{}, --{}", option.short_name, option.long_name);
    return fmt::format("--{}", option.long_name);
}

} // namespace mcast::cli
