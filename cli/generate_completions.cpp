// Writes the bash, zsh and fish completion scripts from the option table. Each generator walks
// the same three scopes: the top level (no command yet), each command, and the global options
// that apply everywhere; what to offer for a value comes from the option's Hint.
#include "generate_completions.hpp"

#include "option_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace mcast::cli {
namespace {

std::vector<const OptionSpec*> visible(const std::vector<OptionSpec>& options) {
    std::vector<const OptionSpec*> shown;
    for (const OptionSpec& option : options) {
        if (!option.hidden) shown.push_back(&option);
    }
    return shown;
}

// The options valid in a scope: its own, then the global ones.
std::vector<const OptionSpec*> scope_options(const CommandSpec& scope) {
    std::vector<const OptionSpec*> all = visible(scope.options);
    for (const OptionSpec* option : visible(global_options()))
        all.push_back(option);
    return all;
}

std::vector<std::string> command_names() {
    std::vector<std::string> names;
    for (const CommandSpec& cmd : commands())
        names.emplace_back(cmd.name);
    return names;
}

// "-i" and "--interface", or just "--port".
std::vector<std::string> spellings(const OptionSpec& option) {
    std::vector<std::string> names;
    if (option.short_name != 0) names.push_back(fmt::format("-{}", option.short_name));
    names.push_back(fmt::format("--{}", option.long_name));
    return names;
}

// The global options that take a value, which a completer must skip over (with the value) when
// it looks for the subcommand: in "mcast -i eth0 send", "eth0" is not a command.
std::vector<std::string> global_value_spellings() {
    std::vector<std::string> names;
    for (const OptionSpec& option : global_options()) {
        if (option.arity == Arity::Flag) continue;
        for (std::string& name : spellings(option))
            names.push_back(std::move(name));
    }
    return names;
}

// The help up to the end of its first sentence or clause, without the period: completion menus
// are narrow.
std::string short_help(std::string_view help) {
    const std::size_t end = std::min({help.find(". "), help.find("; "), help.size()});
    std::string text(help.substr(0, end));
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
}

// 'text' for sh-like shells: bash and zsh.
std::string sh_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

// 'text' for fish, where \ and ' are escaped inside single quotes.
std::string fish_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// ---------------------------------------------------------------------------------------------
// bash

// A shell command that sets COMPREPLY to the values a Hint allows, or "" for none to offer.
std::string bash_values(Hint hint, const std::vector<std::string_view>& choices) {
    switch (hint) {
    case Hint::File:
        return "_mcast_files";
    case Hint::Interface:
        return "_mcast_interfaces";
    case Hint::Command:
        return fmt::format("_mcast_words {}",
                           sh_quote(fmt::format("{}", fmt::join(command_names(), " "))));
    case Hint::Choice:
        return fmt::format("_mcast_words {}", sh_quote(fmt::format("{}", fmt::join(choices, " "))));
    default:
        return "";
    }
}

// The case arms that complete the value of one of these options, when it is before the cursor.
std::string bash_value_arms(const std::vector<const OptionSpec*>& options,
                            std::string_view indent) {
    std::vector<std::pair<std::string, std::vector<std::string>>> arms; // action, patterns
    for (const OptionSpec* option : options) {
        if (option->arity == Arity::Flag) continue;
        const std::string action = bash_values(option->hint, option->choices);
        auto arm = std::find_if(arms.begin(), arms.end(),
                                [&](const auto& a) { return a.first == action; });
        if (arm == arms.end() || option->hint == Hint::Choice) {
            arms.emplace_back(action, std::vector<std::string>{});
            arm = std::prev(arms.end());
        }
        for (std::string& name : spellings(*option))
            arm->second.push_back(std::move(name));
    }
    std::string out;
    for (const auto& [action, patterns] : arms) {
        out += fmt::format("{}{}) {}return 0 ;;\n", indent, fmt::join(patterns, "|"),
                           action.empty() ? "" : action + "; ");
    }
    return out;
}

std::string bash_option_words(const CommandSpec& scope) {
    std::vector<std::string> words;
    for (const OptionSpec* option : scope_options(scope)) {
        for (std::string& name : spellings(*option))
            words.push_back(std::move(name));
    }
    return sh_quote(fmt::format("{}", fmt::join(words, " ")));
}

// ---------------------------------------------------------------------------------------------
// zsh

std::string zsh_escape_help(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string zsh_message(const OptionSpec& option) {
    switch (option.hint) {
    case Hint::File:
        return "file";
    case Hint::Interface:
        return "network interface";
    case Hint::Address:
        return "multicast group address";
    case Hint::Duration:
        return "duration (like 250ms, 2s, 1m)";
    case Hint::Topic:
        return "topic";
    case Hint::Command:
        return "command";
    case Hint::Number:
        if (option.min >= option.max) return "number";
        if (option.max == std::numeric_limits<std::int64_t>::max()) {
            return fmt::format("number (at least {})", option.min);
        }
        return fmt::format("number ({}-{})", option.min, option.max);
    default:
        return lower(option.value_name);
    }
}

std::string zsh_action(Hint hint, const std::vector<std::string_view>& choices) {
    switch (hint) {
    case Hint::File:
        return "_files";
    case Hint::Interface:
        return "_mcast_interfaces";
    case Hint::Command:
        return "_mcast_commands";
    case Hint::Choice:
        return fmt::format("({})", fmt::join(choices, " "));
    default:
        return " ";
    }
}

// One _arguments spec, e.g. '(-q --quiet -v --verbose)'{-q,--quiet}'[Print only results]'.
std::string zsh_spec(const OptionSpec& option, const CommandSpec& scope) {
    std::vector<std::string> excluded;
    if (option.arity != Arity::Many && option.short_name != 0) excluded = spellings(option);
    for (std::string_view other : option.conflicts) {
        if (other == scope.positional_name) {
            excluded.emplace_back(scope.positional_many ? "*" : "1");
        } else if (const OptionSpec* spec = find_option(scope, other)) {
            for (std::string& name : spellings(*spec))
                excluded.push_back(std::move(name));
        }
    }
    std::string prefix;
    if (!excluded.empty()) prefix = fmt::format("({})", fmt::join(excluded, " "));
    if (option.arity == Arity::Many) prefix += '*';

    const bool takes_value = option.arity != Arity::Flag;
    std::string rest = fmt::format("[{}]", zsh_escape_help(short_help(option.help)));
    if (takes_value) {
        rest += fmt::format(":{}:{}", zsh_message(option), zsh_action(option.hint, option.choices));
    }
    const std::string long_form = fmt::format("--{}{}", option.long_name, takes_value ? "=" : "");
    if (option.short_name == 0) return sh_quote(prefix + long_form + rest);
    const std::string short_form = fmt::format("-{}{}", option.short_name, takes_value ? "+" : "");
    return fmt::format("{}{{{},{}}}{}", prefix.empty() ? "" : sh_quote(prefix), short_form,
                       long_form, sh_quote(rest));
}

std::string zsh_positional(const CommandSpec& cmd) {
    if (cmd.positional_name.empty()) return "";
    const std::string message = lower(cmd.positional_name);
    if (!cmd.actions.empty()) // the action, then its arguments
        return sh_quote(fmt::format("1:{}:({})", message, fmt::join(cmd.actions, " "))) + " " +
               sh_quote("*::argument: ");
    const std::string action = zsh_action(cmd.positional_hint, {});
    if (cmd.positional_many) return sh_quote(fmt::format("*:{}:{}", message, action));
    return sh_quote(fmt::format("1::{}:{}", message, action));
}

// ---------------------------------------------------------------------------------------------
// fish

// The completion arguments after the option names: how its value is completed, and its help.
std::string fish_option_tail(const OptionSpec& option) {
    std::string tail;
    if (option.arity != Arity::Flag) {
        switch (option.hint) {
        case Hint::File:
            tail = " -r -F";
            break;
        case Hint::Interface:
            tail = " -x -a '(__mcast_interfaces)'";
            break;
        case Hint::Command:
            tail = " -x -a '(__mcast_commands)'";
            break;
        case Hint::Choice:
            tail = fmt::format(" -x -a {}",
                               fish_quote(fmt::format("{}", fmt::join(option.choices, " "))));
            break;
        default:
            tail = " -x";
            break;
        }
    }
    return tail + " -d " + fish_quote(short_help(option.help));
}

std::string fish_option(const OptionSpec& option, std::string_view condition) {
    std::string line = "complete -c mcast";
    if (!condition.empty()) line += fmt::format(" -n {}", fish_quote(condition));
    if (option.short_name != 0) line += fmt::format(" -s {}", option.short_name);
    line += fmt::format(" -l {}", option.long_name);
    return line + fish_option_tail(option) + '\n';
}

} // namespace

std::string bash_completion() {
    std::string out = R"(# bash completion for mcast.
# Generated by 'mcast --generate bash' from mcast's option table; do not edit.

_mcast_words() {
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_mcast_files() {
    if declare -F _filedir >/dev/null; then
        _filedir
    else
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

_mcast_interfaces() {
    local interfaces=(/sys/class/net/*)
    [[ -e ${interfaces[0]} ]] || return 0
    _mcast_words "${interfaces[*]##*/}"
}

_mcast() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=""
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # bash splits "--port=7767" into "--port" "=" "7767".
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    COMPREPLY=()

    # The command is the first word that is neither an option nor an option's value.
    local command="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
)";
    out += fmt::format("            {})\n", fmt::join(global_value_spellings(), "|"));
    out += R"(                [[ ${COMP_WORDS[i + 1]-} == "=" ]] && ((i += 1))
                ((i += 1)) ;;
            -*) ;;
            *)
                command=${COMP_WORDS[i]}
                break ;;
        esac
    done

    # The value of an option.
    case $prev in
)";
    out += bash_value_arms(visible(global_options()), "        ");
    out += R"(    esac
    case $command in
)";
    const auto scope_arm = [&](std::string_view pattern, const CommandSpec& scope) {
        const std::string arms = bash_value_arms(visible(scope.options), "                ");
        if (arms.empty()) return;
        out += fmt::format("        {})\n            case $prev in\n{}            esac ;;\n",
                           pattern, arms);
    };
    scope_arm("\"\"", program());
    for (const CommandSpec& cmd : commands())
        scope_arm(cmd.name, cmd);
    out += R"(    esac

    # Option names.
    if [[ $cur == -* ]]; then
        case $command in
)";
    out += fmt::format("            \"\") _mcast_words {} ;;\n", bash_option_words(program()));
    for (const CommandSpec& cmd : commands()) {
        out +=
            fmt::format("            {}) _mcast_words {} ;;\n", cmd.name, bash_option_words(cmd));
    }
    const CommandSpec no_command{}; // an unknown command: the global options still apply
    out += fmt::format("            *) _mcast_words {} ;;\n", bash_option_words(no_command));
    out += R"(        esac
        return 0
    fi

    # Arguments; nargs counts those typed after the command (its first one may be an action).
    local nargs=0 j
    for ((j = i + 1; j < COMP_CWORD; j++)); do
        [[ ${COMP_WORDS[j]} == -* ]] || ((nargs += 1))
    done
    case $command in
)";
    out += fmt::format("        \"\") {} ;;\n", bash_values(Hint::Command, {}));
    for (const CommandSpec& cmd : commands()) {
        if (!cmd.actions.empty()) {
            out += fmt::format("        {}) ((nargs == 0)) && _mcast_words {} ;;\n", cmd.name,
                               sh_quote(fmt::format("{}", fmt::join(cmd.actions, " "))));
            continue;
        }
        const std::string action = bash_values(cmd.positional_hint, {});
        if (!cmd.positional_name.empty() && !action.empty()) {
            out += fmt::format("        {}) {} ;;\n", cmd.name, action);
        }
    }
    out += R"(    esac
    return 0
}

complete -F _mcast mcast
)";
    return out;
}

std::string zsh_completion() {
    std::string out = R"(#compdef mcast
# zsh completion for mcast.
# Generated by 'mcast --generate zsh' from mcast's option table; do not edit.

_mcast_interfaces() {
    local -a interfaces
    interfaces=(/sys/class/net/*(N:t))
    _wanted interfaces expl 'network interface' compadd -a interfaces
}

_mcast_commands() {
    local -a commands
    commands=(
)";
    for (const CommandSpec& cmd : commands()) {
        out += fmt::format("        {}\n", sh_quote(fmt::format("{}:{}", cmd.name, cmd.summary)));
    }
    out += R"(    )
    _describe -t commands 'mcast command' commands
}

_mcast() {
    local curcontext=$curcontext state state_descr line ret=1
    local -A opt_args
    local -a global_options
    global_options=(
)";
    const CommandSpec no_command{};
    for (const OptionSpec* option : visible(global_options())) {
        out += fmt::format("        {}\n", zsh_spec(*option, no_command));
    }
    out += "    )\n\n    _arguments -C -S \"${global_options[@]}\" \\\n";
    for (const OptionSpec* option : visible(program().options)) {
        out += fmt::format("        {} \\\n", zsh_spec(*option, program()));
    }
    out += R"(        '1: :_mcast_commands' \
        '*:: :->command' && ret=0

    case $state in
        (command)
            curcontext=${curcontext%:*:*}:mcast-$words[1]:
            case $words[1] in
)";
    for (const CommandSpec& cmd : commands()) {
        out += fmt::format("                ({})\n", cmd.name);
        out += "                    _arguments -S \"${global_options[@]}\"";
        for (const OptionSpec* option : visible(cmd.options)) {
            out += fmt::format(" \\\n                        {}", zsh_spec(*option, cmd));
        }
        if (const std::string positional = zsh_positional(cmd); !positional.empty()) {
            out += fmt::format(" \\\n                        {}", positional);
        }
        out += " && ret=0\n                    ;;\n";
    }
    out += R"(            esac
            ;;
    esac
    return ret
}

_mcast "$@"
)";
    return out;
}

std::string fish_completion() {
    std::string out = R"(# fish completion for mcast.
# Generated by 'mcast --generate fish' from mcast's option table; do not edit.

# Prints the subcommand on the command line, if there is one yet.
function __mcast_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip_value 0
    for token in $tokens
        if test $skip_value -eq 1
            set skip_value 0
            continue
        end
        switch $token
)";
    out += fmt::format("            case {}\n", fmt::join(global_value_spellings(), " "));
    out += R"(                set skip_value 1
            case '-*'
            case '*'
                echo $token
                return 0
        end
    end
    return 1
end

function __mcast_no_command
    not __mcast_command >/dev/null
end

function __mcast_command_is
    set -l command (__mcast_command)
    test -n "$command"; and contains -- $command $argv
end

function __mcast_interfaces
    for path in /sys/class/net/*
        string replace -r '.*/' '' -- $path
    end
end

function __mcast_commands
)";
    for (const CommandSpec& cmd : commands()) {
        out += fmt::format("    printf '%s\\t%s\\n' {} {}\n", fish_quote(cmd.name),
                           fish_quote(cmd.summary));
    }
    out += R"(end

complete -c mcast -f

# Commands
)";
    for (const CommandSpec& cmd : commands()) {
        out += fmt::format("complete -c mcast -n __mcast_no_command -a {} -d {}\n",
                           fish_quote(cmd.name), fish_quote(cmd.summary));
    }
    out += "\n# Options without a command\n";
    for (const OptionSpec* option : visible(program().options)) {
        out += fish_option(*option, "__mcast_no_command");
    }
    out += "\n# Global options\n";
    for (const OptionSpec* option : visible(global_options()))
        out += fish_option(*option, "");
    for (const CommandSpec& cmd : commands()) {
        out += fmt::format("\n# mcast {}\n", cmd.name);
        const std::string condition = fmt::format("__mcast_command_is {}", cmd.name);
        for (const OptionSpec* option : visible(cmd.options))
            out += fish_option(*option, condition);
        if (cmd.positional_name.empty()) continue;
        if (!cmd.actions.empty()) {
            const std::string words = fmt::format("{}", fmt::join(cmd.actions, " "));
            out += fmt::format("complete -c mcast -n {} -a {}\n",
                               fish_quote(fmt::format("{}; and not __fish_seen_subcommand_from {}",
                                                      condition, words)),
                               fish_quote(words));
            continue;
        }
        switch (cmd.positional_hint) {
        case Hint::Command:
            out += fmt::format("complete -c mcast -n {} -a '(__mcast_commands)'\n",
                               fish_quote(condition));
            break;
        case Hint::File:
            out += fmt::format("complete -c mcast -n {} -F\n", fish_quote(condition));
            break;
        case Hint::Interface:
            out += fmt::format("complete -c mcast -n {} -a '(__mcast_interfaces)'\n",
                               fish_quote(condition));
            break;
        default:
            break;
        }
    }
    return out;
}

} // namespace mcast::cli
