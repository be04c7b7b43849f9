// Where mcast keeps a user's files: one directory, $XDG_CONFIG_HOME/mcast (~/.config/mcast when
// XDG_CONFIG_HOME is not set), holding the key, the trust store, the known names and the config
// file. One function, so that every file moves together when the variable changes.
#pragma once

#include <mcast/export.hpp>

#include <filesystem>

namespace mcast {

// $XDG_CONFIG_HOME/mcast, else HOME/.config/mcast.
MCAST_API std::filesystem::path config_directory();
// $HOME, else the user's home directory from the password database (as ssh does), else "/".
MCAST_API std::filesystem::path home_directory();

} // namespace mcast
