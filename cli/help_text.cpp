// Lays out help text: sections in the order of a man page, options in two aligned columns,
// everything wrapped at 80 columns. The words all come from the table in options.cpp.
#include "help_text.hpp"

#include <fmt/format.h>

#include <algorithm>

#ifndef MCAST_VERSION
#define MCAST_VERSION "0.0.0"
#endif

namespace mcast::cli {
namespace {

constexpr std::size_t kWidth = 80;
constexpr std::size_t kIndent = 4;   // section contents
constexpr std::size_t kMaxLeft = 28; // a longer option name puts its help on the next line
constexpr std::size_t kGap = 3;      // between the option and its help

// Appends text wrapped to kWidth: the first line starts at column `first` (the caller has already
// written that much of it), the others are indented by `indent`. Words are never split.
void append_wrapped(std::string& out, std::string_view text, std::size_t first,
                    std::size_t indent) {
    std::size_t column = first;
    bool line_start = true;
    while (!text.empty()) {
        const std::size_t space = text.find_first_not_of(' ');
        if (space == std::string_view::npos) break;
        text.remove_prefix(space);
        const std::size_t end = std::min(text.find(' '), text.size());
        const std::string_view word = text.substr(0, end);
        text.remove_prefix(end);
        if (!line_start && column + 1 + word.size() > kWidth) {
            out += '\n';
            out.append(indent, ' ');
            column = indent;
            line_start = true;
        }
        if (!line_start) {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
        line_start = false;
    }
    out += '\n';
}

// Paragraphs separated by "\n\n", each wrapped and indented, with a blank line between them.
void append_paragraphs(std::string& out, std::string_view text, std::size_t indent) {
    bool first = true;
    for (const auto& paragraph : split_paragraphs(text)) {
        if (!first) out += '\n';
        out.append(indent, ' ');
        append_wrapped(out, paragraph, indent, indent);
        first = false;
    }
}

// Two columns: left (already indented) and its wrapped help at `column`.
void append_row(std::string& out, const std::string& left, std::string_view help,
                std::size_t column) {
    out += left;
    if (left.size() + 2 > column) { // too long: help on the next line
        out += '\n';
        out.append(column, ' ');
    } else {
        out.append(column - left.size(), ' ');
    }
    append_wrapped(out, help, column, column);
}

// "    -i, --interface NAME" and "        --port N": long names aligned whether or not there is a
// short one.
std::string option_left(const OptionSpec& option) {
    std::string left(kIndent, ' ');
    if (option.short_name == 0) left.append(4, ' ');
    left += option_names(option);
    if (!option.value_name.empty()) {
        left += ' ';
        left += option.value_name;
    }
    return left;
}

std::string positional_left(const CommandSpec& cmd) {
    return fmt::format("{:{}}{}{}", "", kIndent, cmd.positional_name,
                       cmd.positional_many ? "..." : "");
}

std::vector<const OptionSpec*> visible(const std::vector<OptionSpec>& options) {
    std::vector<const OptionSpec*> shown;
    for (const OptionSpec& option : options) {
        if (!option.hidden) shown.push_back(&option);
    }
    return shown;
}

// The help column for a page: just past its longest left column, ignoring ones over kMaxLeft.
std::size_t help_column(const std::vector<std::string>& lefts) {
    std::size_t widest = 0;
    for (const std::string& left : lefts) {
        if (left.size() <= kIndent + kMaxLeft) widest = std::max(widest, left.size());
    }
    return widest + kGap;
}

void append_options(std::string& out, std::string_view heading,
                    const std::vector<const OptionSpec*>& options, std::size_t column) {
    if (options.empty()) return;
    out += fmt::format("\n{}:\n", heading);
    for (const OptionSpec* option : options) {
        append_row(out, option_left(*option), option_help(*option), column);
    }
}

void append_usage(std::string& out, const CommandSpec& cmd) {
    out += "\nUSAGE:\n";
    for (const std::string& line : synopsis_lines(cmd)) {
        out.append(kIndent, ' ');
        append_wrapped(out, line, kIndent, kIndent * 2);
    }
}

std::string overview() {
    const CommandSpec& top = program();
    const auto top_options = visible(top.options);
    const auto globals = visible(global_options());

    std::vector<std::string> lefts;
    for (const CommandSpec& cmd : commands())
        lefts.push_back(fmt::format("{:{}}{}", "", kIndent, cmd.name));
    for (const OptionSpec* option : top_options)
        lefts.push_back(option_left(*option));
    for (const OptionSpec* option : globals)
        lefts.push_back(option_left(*option));
    const std::size_t column = help_column(lefts);

    std::string out = fmt::format("mcast {}: {}\n", MCAST_VERSION, top.summary);
    append_usage(out, top);
    out += '\n';
    append_paragraphs(out, top.description, kIndent);
    out += "\nCOMMANDS:\n";
    for (const CommandSpec& cmd : commands()) {
        append_row(out, fmt::format("{:{}}{}", "", kIndent, cmd.name), cmd.summary, column);
    }
    append_options(out, "OPTIONS", top_options, column);
    append_options(out, "GLOBAL OPTIONS", globals, column);
    out += "\nSee 'mcast help COMMAND' for the options, examples and exit status of a command,\n"
           "and 'man mcast' for the manual.\n";
    return out;
}

} // namespace

std::string option_help(const OptionSpec& option) {
    std::string text(option.help);
    if (option.arity == Arity::Many) text += " [repeatable]";
    if (!option.choices.empty()) {
        text += fmt::format(" [possible values: {}]", fmt::join(option.choices, ", "));
    }
    const std::string_view shown_default =
        option.default_value.empty() ? option.default_help : option.default_value;
    if (!shown_default.empty()) text += fmt::format(" [default: {}]", shown_default);
    return text;
}

std::string help_text(const CommandSpec* cmd) {
    if (cmd == nullptr) return overview();

    const auto own = visible(cmd->options);
    const auto globals = visible(global_options());
    std::vector<std::string> lefts;
    if (!cmd->positional_name.empty()) lefts.push_back(positional_left(*cmd));
    for (const OptionSpec* option : own)
        lefts.push_back(option_left(*option));
    for (const OptionSpec* option : globals)
        lefts.push_back(option_left(*option));
    const std::size_t column = help_column(lefts);

    std::string out = fmt::format("mcast {}: {}\n", cmd->name, cmd->summary);
    append_usage(out, *cmd);
    out += "\nDESCRIPTION:\n";
    append_paragraphs(out, cmd->description, kIndent);
    if (!cmd->positional_name.empty()) {
        out += "\nARGUMENTS:\n";
        append_row(out, positional_left(*cmd), cmd->positional_help, column);
    }
    append_options(out, "OPTIONS", own, column);
    append_options(out, "GLOBAL OPTIONS", globals, column);
    if (!cmd->examples.empty()) {
        out += "\nEXAMPLES:\n";
        bool first = true;
        for (const Example& example : cmd->examples) {
            if (!first) out += '\n';
            out += fmt::format("{:{}}{}\n", "", kIndent, example.command);
            out.append(kIndent * 2, ' ');
            append_wrapped(out, example.explanation, kIndent * 2, kIndent * 2);
            first = false;
        }
    }
    if (!cmd->exit_codes.empty()) {
        out += "\nEXIT STATUS:\n";
        for (const ExitCode& exit : cmd->exit_codes) {
            append_row(out, fmt::format("{:{}}{}", "", kIndent, exit.code), exit.meaning,
                       kIndent * 2);
        }
    }
    return out;
}

std::vector<std::string> split_paragraphs(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find("\n\n"), text.size());
        std::string paragraph(text.substr(0, end));
        std::replace(paragraph.begin(), paragraph.end(), '\n', ' ');
        text.remove_prefix(std::min(end + 2, text.size()));
        out.push_back(std::move(paragraph));
    }
    return out;
}

} // namespace mcast::cli
