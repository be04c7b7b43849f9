// Settings below the command line: /etc/mcast/config, then $XDG_CONFIG_HOME/mcast/config, then
// MCAST_* environment variables; the command line beats them all. Each file is INI: a setting
// is an option's long name ("ttl = 2"); settings at the top apply to every command that has the
// option, those under "[ping]" to ping alone and beat the top ones. What is read here is turned
// into SettingLayers that parse() applies (options.hpp), so a setting is checked exactly like
// the same option on the command line.
#pragma once

#include "option_parser.hpp"

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace mcast::cli {

struct ConfigFile {
    SettingLayer::Source scope; // system or user
    std::filesystem::path path;
    bool exists = false;
};

// /etc/mcast/config ($MCAST_SYSTEM_CONFIG instead, when set: for tests and staged installs), then
// $XDG_CONFIG_HOME/mcast/config.
std::vector<ConfigFile> config_files();

// The layers for cmd, lowest precedence first: each file's top part, then its [cmd] section; then
// MCAST_NAME, then MCAST_CMD_NAME variables. Both files and every MCAST_* variable that names a
// setting are checked whole, so a mistake is reported whichever command runs. Throws UsageError
// naming the place: "/etc/mcast/config:4: unknown setting 'tll'".
std::vector<SettingLayer> setting_layers(const CommandSpec& cmd);

// parse(cmd, args) with setting_layers(cmd) under it.
ParsedArgs parse_with_settings(const CommandSpec& cmd, std::span<const std::string> args);

// The MCAST_* variables set in the environment that name no setting (a typo such as MCAST_TLL),
// for mcast config to point out; every command ignores them.
std::vector<std::string> unknown_variables();

// "MCAST_TTL" for a top-level setting, "MCAST_PING_INTERVAL" for one of ping's.
std::string environment_name(std::string_view command, std::string_view option);

} // namespace mcast::cli
