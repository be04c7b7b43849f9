// Writes man pages in roff (man(7) macros) from the option table. The words come from
// options.cpp; option help carries the same [default: ...] notes as --help (see option_help).
#include "generate_man.hpp"

#include "help_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#ifndef MCAST_VERSION
#define MCAST_VERSION "0.0.0"
#endif

namespace mcast::cli {
namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string bold(std::string_view text) {
    return fmt::format("\\fB{}\\fR", roff_escape(text));
}
std::string italic(std::string_view text) {
    return fmt::format("\\fI{}\\fR", roff_escape(text));
}

// "mcast-send" for a command, "mcast" for the program.
std::string page_name(const CommandSpec* cmd) {
    return cmd == nullptr ? std::string("mcast") : fmt::format("mcast-{}", cmd->name);
}

// A synopsis word: literals ("mcast", "send", "--lines") bold, placeholders ("OPTIONS", "VALUE")
// italic, and the brackets and "..." around them plain.
std::string synopsis_word(std::string_view word) {
    std::string before, after;
    while (!word.empty() && word.front() == '[') {
        before += '[';
        word.remove_prefix(1);
    }
    while (!word.empty() && (word.back() == ']' || word.back() == '.')) {
        after.insert(after.begin(), word.back());
        word.remove_suffix(1);
    }
    const bool placeholder = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '_';
    });
    return before + (placeholder ? italic(word) : bold(word)) + after;
}

void synopsis(std::string& out, const CommandSpec& cmd) {
    out += ".SH SYNOPSIS\n.nf\n";
    for (const std::string& line : synopsis_lines(cmd)) {
        std::string_view rest = line;
        bool first = true;
        while (!rest.empty()) {
            const std::size_t end = std::min(rest.find(' '), rest.size());
            if (!first) out += ' ';
            out += synopsis_word(rest.substr(0, end));
            rest.remove_prefix(std::min(end + 1, rest.size()));
            first = false;
        }
        out += '\n';
    }
    out += ".fi\n";
}

void paragraphs(std::string& out, std::string_view text) {
    bool first = true;
    for (const auto& paragraph : split_paragraphs(text)) {
        if (!first) out += ".PP\n";
        out += roff_escape(paragraph) + '\n';
        first = false;
    }
}

void options(std::string& out, std::string_view heading, std::string_view intro,
             const std::vector<OptionSpec>& list) {
    if (std::none_of(list.begin(), list.end(), [](const OptionSpec& o) { return !o.hidden; })) {
        return;
    }
    out += fmt::format(".SH {}\n", heading);
    if (!intro.empty()) out += roff_escape(intro) + '\n';
    for (const OptionSpec& option : list) {
        if (option.hidden) continue;
        out += ".TP\n";
        if (option.short_name != 0) out += bold(fmt::format("-{}", option.short_name)) + ", ";
        out += bold(fmt::format("--{}", option.long_name));
        if (!option.value_name.empty()) out += ' ' + italic(option.value_name);
        out += '\n' + roff_escape(option_help(option)) + '\n';
    }
}

void examples(std::string& out, const CommandSpec& cmd) {
    if (cmd.examples.empty()) return;
    out += ".SH EXAMPLES\n";
    for (const Example& example : cmd.examples) {
        out += ".TP\n" + bold(example.command) + '\n' + roff_escape(example.explanation) + '\n';
    }
}

void exit_status(std::string& out, const CommandSpec& cmd) {
    if (cmd.exit_codes.empty()) return;
    out += ".SH EXIT STATUS\n";
    for (const ExitCode& exit : cmd.exit_codes) {
        out += fmt::format(".TP\n.B {}\n{}\n", exit.code, roff_escape(exit.meaning));
    }
}

void definitions(std::string& out, std::string_view heading, const std::vector<Definition>& list,
                 bool as_file) {
    out += fmt::format(".SH {}\n", heading);
    for (const Definition& entry : list) {
        out += ".TP\n" + (as_file ? italic(entry.term) : bold(entry.term)) + '\n' +
               roff_escape(entry.text) + '\n';
    }
}

void see_also(std::string& out, const CommandSpec* cmd) {
    std::vector<std::string> pages;
    if (cmd != nullptr) pages.push_back(bold("mcast") + "(1)");
    for (const CommandSpec& other : commands()) {
        if (&other != cmd) pages.push_back(bold(page_name(&other)) + "(1)");
    }
    out += ".SH SEE ALSO\n" + fmt::format("{}\n", fmt::join(pages, ", "));
}

} // namespace

std::string roff_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else {
            out += c;
        }
        line_start = c == '\n';
    }
    return out;
}

std::string man_page(const CommandSpec* cmd) {
    const CommandSpec& spec = cmd == nullptr ? program() : *cmd;
    const std::string name = page_name(cmd);

    std::string out = fmt::format(".\\\" Generated by 'mcast --generate man{}'; do not edit.\n",
                                  cmd == nullptr ? "" : fmt::format(" {}", cmd->name));
    out += fmt::format(".TH {} 1 \"\" \"mcast {}\" \"mcast manual\"\n", upper(name), MCAST_VERSION);
    out += ".nh\n.ad l\n"; // no hyphenation, ragged right: option names and paths stay whole
    out += fmt::format(".SH NAME\n{} \\- {}\n", roff_escape(name), roff_escape(spec.summary));
    synopsis(out, spec);
    out += ".SH DESCRIPTION\n";
    paragraphs(out, spec.description);

    if (cmd == nullptr) {
        out += ".SH COMMANDS\n";
        std::size_t widest = 0;
        for (const CommandSpec& command : commands())
            widest = std::max(widest, command.name.size());
        for (const CommandSpec& command : commands()) {
            out += fmt::format(".TP {}\n{}\n{}; see {}(1).\n", widest + 2, bold(command.name),
                               roff_escape(command.summary), bold(page_name(&command)));
        }
        options(out, "OPTIONS", "", spec.options);
        options(out, "GLOBAL OPTIONS", "These options apply to every command, before or after it.",
                global_options());
    } else {
        if (!spec.positional_name.empty()) {
            out += ".SH ARGUMENTS\n.TP\n" + italic(spec.positional_name) +
                   (spec.positional_many ? "..." : "") + '\n' + roff_escape(spec.positional_help) +
                   '\n';
        }
        options(out, "OPTIONS", "", spec.options);
        options(out, "GLOBAL OPTIONS",
                "These options apply to every command, before or after it; see mcast(1).",
                global_options());
    }
    examples(out, spec);
    exit_status(out, spec);
    if (cmd == nullptr) {
        definitions(out, "ENVIRONMENT", environment_variables(), false);
        definitions(out, "FILES", files(), true);
    }
    see_also(out, cmd);
    return out;
}

} // namespace mcast::cli
