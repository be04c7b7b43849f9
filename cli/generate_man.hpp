// Man pages in roff, generated from the option table: mcast(1) and one mcast-CMD(1) per command.
// The output has no date, so regenerating an unchanged table gives identical files.
#pragma once

#include "option_table.hpp"

#include <string>

namespace mcast::cli {

// The man page of cmd (mcast-send.1), or of mcast itself (mcast.1) when cmd is nullptr: the
// overview, every command, the top-level and global options, exit status conventions,
// ENVIRONMENT and FILES.
std::string man_page(const CommandSpec* cmd);

// Text escaped for a roff text line: '\' as \e, '-' as \- (a real minus, so options can be
// searched and copied), and \& before a leading '.' or '\''.
std::string roff_escape(std::string_view text);

} // namespace mcast::cli
