// Where `mcast yield` gets its advice: the resident node's control socket (the weather service
// works it out from the LAN's reports), or, for tests only, a file.
#pragma once

#include "yield_controller.hpp"

#include <mcast/weather.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace mcast::cli {

// The advice of the resident node at `control` (empty: the first of control_paths() that
// answers) for a sender of `priority` that heeds `heed`, asked over its control socket at each
// poll. While no node answers it has none (nullopt: CMD runs at full speed), and `why` says so
// (the first poll without advice notes it once).
AdviceSource node_advice_source(std::filesystem::path control, std::uint8_t priority, Heed heed,
                                std::string& why);

// TEST ONLY (the hidden option --advice-file): the advice read from a file at each poll, so that
// tests drive yield with no network and no resident node. One line:
//   yield [RATE [REASON...]]   RATE in bits per second as on the command line (2Mbit), or '-'
//   clear
//   unknown                    clear, for want of measured rates (Advice::unknown)
// A missing or unreadable file, or any other content, is no advice (nullopt).
AdviceSource advice_file_source(std::string path);
// The parse of that file's content, for the unit tests.
std::optional<Advice> parse_advice_text(const std::string& text);

} // namespace mcast::cli
