// The hidden `mcast --generate KIND [COMMAND]`, which scripts/gen-docs runs to write man/ and
// completions/. Header-only: it only dispatches to the generators.
#pragma once

#include "generate_completions.hpp"
#include "generate_man.hpp"
#include "option_table.hpp"

#include <iostream>
#include <ostream>
#include <string_view>

namespace mcast::cli {

// Writes one generated file to out:
//   man       the man page of command, or mcast(1) when command is ""
//   bash, zsh, fish   the completion script (command must be "")
//   commands  the names of the commands, one per line (for scripts/gen-docs)
// Returns 0, or 2 after a one-line error on std::cerr for an unknown kind or command.
inline int generate(std::string_view kind, std::string_view command, std::ostream& out) {
    const CommandSpec* cmd = nullptr;
    if (!command.empty()) {
        cmd = find_command(command);
        if (cmd == nullptr || kind != "man") {
            std::cerr << "mcast: --generate " << kind << ": unexpected argument '" << command
                      << "'\n";
            return 2;
        }
    }
    if (kind == "man") {
        out << man_page(cmd);
    } else if (kind == "bash") {
        out << bash_completion();
    } else if (kind == "zsh") {
        out << zsh_completion();
    } else if (kind == "fish") {
        out << fish_completion();
    } else if (kind == "commands") {
        for (const CommandSpec& spec : commands())
            out << spec.name << '\n';
    } else {
        std::cerr << "mcast: --generate: bad value '" << kind
                  << "' (expected one of man, bash, zsh, fish, commands)\n";
        return 2;
    }
    return out ? 0 : 2;
}

} // namespace mcast::cli
