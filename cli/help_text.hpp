// `mcast --help` and `mcast CMD --help`, laid out from the option table in options.cpp.
#pragma once

#include "option_table.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mcast::cli {

// The help of cmd: usage, description, arguments, the command's options, the global options,
// examples and exit status, wrapped at 80 columns. nullptr gives the overview of `mcast --help`:
// usage, the commands with their summaries, the top-level and global options.
std::string help_text(const CommandSpec* cmd);

// An option's help sentence followed by what the table adds to it:
//   "UDP port to send to and listen on. [default: 7767]"
// Shared by help_text and the man pages so both say the same.
std::string option_help(const OptionSpec& option);

// The paragraphs of a table text (separated by "\n\n"), each joined into one line. Shared by
// help_text and the man pages.
std::vector<std::string> split_paragraphs(std::string_view text);

} // namespace mcast::cli
